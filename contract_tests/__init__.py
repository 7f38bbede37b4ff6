"""The contract suite: checks a server (the embedded mock by default, or a live base URL) against openapi.yaml."""
