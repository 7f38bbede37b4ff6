"""JSON Schema validators with the regex semantics OpenAPI means (ECMA-262), not Python's.

Python's `$` also matches before a trailing newline, so `^[a-z]+$` accepts "abc\\n"; in ECMA-262, as
OpenAPI specifies, it does not. Every validator the project builds from openapi.yaml comes from here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators

_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


@lru_cache(maxsize=256)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """Compile an OpenAPI pattern so that `$` means the very end of the text."""
    return re.compile(_UNESCAPED_DOLLAR.sub(r"\\Z", pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r:.60} does not match {pattern!r}")


EcmaDraft4Validator = validators.extend(Draft4Validator, {"pattern": _pattern})


def draft4_validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema (draft 4) validator with ECMA patterns and format checks."""
    return EcmaDraft4Validator(schema, format_checker=FormatChecker())


def openapi_validator(schema: dict[str, Any]) -> Any:
    """An OpenAPI 3.0 schema validator (nullable, discriminator...) with ECMA patterns and format checks.

    For the tests: openapi-schema-validator is slow to import, so the mock itself uses draft4_validator,
    which covers every keyword of this spec's parameter and appointment schemas.
    """
    from openapi_schema_validator import OAS30Validator

    return validators.extend(OAS30Validator, {"pattern": _pattern})(schema, format_checker=FormatChecker())
