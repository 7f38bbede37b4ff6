"""Resources inferred from the spec (a collection path and its item path, or a create's links) and the state the
mock keeps for them: model.py infers them, records.py stores their items, handler.py serves their operations."""
