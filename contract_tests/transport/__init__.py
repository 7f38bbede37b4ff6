"""How the suite talks to the target: the safe session, what reaches an app, the preflight, the client."""
