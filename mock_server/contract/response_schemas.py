"""The tests' response validators: openapi-schema-validator (OpenAPI 3.0 keywords) with ECMA-262 patterns.

Python's `$` also matches before a trailing newline, so `^[a-z]+$` accepts "abc\\n"; in ECMA-262, as
OpenAPI specifies, it does not. This validator is a different implementation from the mock's
(jsonschema-rs, in mock_server/schemas.py), so the two check each other.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

from jsonschema import FormatChecker, ValidationError, validators
from openapi_schema_validator import OAS30Validator

_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


@lru_cache(maxsize=256)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """Compile an OpenAPI pattern so that `$` means the very end of the text."""
    return re.compile(_UNESCAPED_DOLLAR.sub(r"\\Z", pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r:.60} does not match {pattern!r}")


EcmaOAS30Validator = validators.extend(OAS30Validator, {"pattern": _pattern})


def openapi_validator(schema: dict[str, Any]) -> Any:
    """An OpenAPI 3.0 schema validator (nullable, discriminator...) with ECMA patterns and format checks."""
    return EcmaOAS30Validator(schema, format_checker=FormatChecker())


def spec_openapi_validator(spec: Any, schema: dict[str, Any]) -> Any:
    """A validator of one (resolved) schema of a spec: OpenAPI 3.0's keywords or JSON Schema 2020-12 for 3.1, with
    ECMA patterns and format checks; the recursive refs the loader kept resolve lazily through the spec's documents."""
    from jsonschema import Draft4Validator, Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT202012

    # The loader has rewritten OpenAPI 3.0's `nullable` the JSON Schema way (type arrays), so a 3.0 schema is
    # JSON Schema draft 4 here (openapi-schema-validator's own `type` reads only single types).
    cls = validators.extend(Draft202012Validator if spec.is_31 else Draft4Validator, {"pattern": _pattern})
    if not spec.recursive_refs:
        return cls(schema, format_checker=FormatChecker())
    registry = spec.__dict__.get("_referencing_registry")
    if registry is None:
        draft = DRAFT202012 if spec.is_31 else DRAFT4
        registry = Registry().with_resources((uri, Resource.from_contents(doc, default_specification=draft)) for uri, doc in spec.documents.items())
        object.__setattr__(spec, "_referencing_registry", registry)  # the spec is frozen; this is a cache, not a field
    return cls(schema, format_checker=FormatChecker(), registry=registry)
