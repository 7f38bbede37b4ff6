"""The client developer's side: the /__mock/ admin API, the request journal, recording, the pytest plugin, the validating proxy."""
