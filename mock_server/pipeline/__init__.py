"""The generic request pipeline, one replaceable part per step, knowing no particular API:
auth (who is calling) -> validation (is the request valid) -> negotiation (which response, honouring `Prefer`)
-> bodies and sampler (the mocker: what the response carries) -> generic (the handler that runs them)."""
