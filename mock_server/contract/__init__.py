"""The contract's rules, shared by the contract suite (contract_tests/) and the validating proxy (admin/proxy.py).

rules.py: one small function per rule, registered with what it applies to; masking.py: secrets never reach an
output; response_schemas.py: the response validator (openapi-schema-validator, ECMA patterns). They need the
[contract] extra (jsonschema, openapi-schema-validator); the mock itself never imports them.
"""
