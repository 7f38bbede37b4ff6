"""What a run is given: settings from CONTRACT_* variables, the target, credentials, tokens, the scope."""
