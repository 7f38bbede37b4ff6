"""The mocker's values: a body for a response that has no (valid) example, derived from its schema.

Deterministic, as Prism's static mode is: the same schema gives the same value on every start. Each keyword is
honoured (`const`, `enum`, `default`, a valid `example`, formats, patterns, lengths, bounds, `multipleOf`,
`allOf`/`oneOf`/`anyOf`, OpenAPI 3.1 type arrays and `null`), and what comes out is validated against the
schema before it is served: a value that does not validate is never served (SpecError names the place).
Recursive schemas are followed to a bounded depth: past it, optional properties are left out, arrays are
empty and nullable values null. Strings with a `pattern` come from hypothesis' regex strategy, derandomized,
so that a value like `^[A-Z]{2}-\\d{4}$` is matched rather than broken by a placeholder "string".
"""

from __future__ import annotations

import math
from typing import Any

from mock_server.schemas import error_message, spec_validator
from mock_server.spec import ApiSpec, SpecError

MAX_DEPTH = 6  # how deep the sampler goes into nested objects and recursive refs
OPTIONAL_DEPTH = 3  # below this depth optional properties are sampled too (Prism's static bodies carry them)
BUDGET = 400  # values per body after which optional properties are left out (a Stripe object nests hundreds)

FORMAT_SAMPLES: dict[str, Any] = {
    "date-time": "2026-03-14T12:00:00Z",
    "date": "2026-03-14",
    "time": "12:00:00Z",
    "duration": "PT30M",
    "email": "alex@example.com",
    "idn-email": "alex@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.10",
    "ipv6": "2001:db8::10",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "uri-reference": "/resource",
    "iri": "https://example.com/resource",
    "iri-reference": "/resource",
    "uri-template": "https://example.com/{id}",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "byte": "aGVsbG8=",
    "binary": "",
    "password": "correct-horse-battery",
    "json-pointer": "/resource",
    "relative-json-pointer": "0",
    "regex": "^[a-z]+$",
}


class _TooDeep(Exception):
    """A required value lies past the depth bound."""


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    if isinstance(kind, str):
        return [kind]
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema or "prefixItems" in schema:
        return ["array"]
    if any(key in schema for key in ("pattern", "minLength", "maxLength", "format")):
        return ["string"]
    if any(key in schema for key in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")):
        return ["number"]
    return []


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """One schema with the properties, required names and constraints of every allOf member (refs followed by the caller)."""
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema.get("allOf") or []:
        if not isinstance(part, dict):
            continue
        part = _merge_all_of(part) if "allOf" in part else part
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                properties = dict(merged.get("properties", {}))
                for name, subschema in value.items():  # named twice: both apply (a later member narrows an enum)
                    properties[name] = {"allOf": [properties[name], subschema]} if name in properties else subschema
                merged["properties"] = properties
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif key == "enum" and isinstance(value, list) and isinstance(merged.get("enum"), list):
                merged["enum"] = [option for option in merged["enum"] if option in value] or value
            elif key == "type" and key in merged and merged[key] != value:
                kinds = set(merged[key] if isinstance(merged[key], list) else [merged[key]])
                common = [kind for kind in (value if isinstance(value, list) else [value]) if kind in kinds]
                merged[key] = common if len(common) != 1 else common[0]
            elif key not in merged:
                merged[key] = value
    return merged


class Sampler:
    """Values for the schemas of one spec, validated before they are given out."""

    def __init__(self, spec: ApiSpec):
        self.spec = spec
        self._times = 0
        self._budget = BUDGET
        self._pattern_cache: dict[tuple[str, int, int | None], str | None] = {}

    def sample(self, schema: dict[str, Any], where: str) -> Any:
        """A value valid against the schema; SpecError naming `where` when none can be made."""
        self._times = 0
        self._budget = BUDGET
        try:
            value = self._value(schema, 0)
        except _TooDeep:
            raise SpecError(f"{where}: its schema requires values nested deeper than {MAX_DEPTH} levels") from None
        validator = spec_validator(self.spec, schema)
        if validator.is_valid(value):
            return value
        error = next(iter(validator.iter_errors(value)))
        raise SpecError(f"{where}: no valid value could be derived from its schema (at {'/'.join(map(str, error.instance_path)) or 'the top'}: "
                        f"{error_message(error)})")

    def closest(self, schema: dict[str, Any]) -> Any:
        """The value sample() would have checked, for a schema that admits none (served with a warning)."""
        self._times, self._budget = 0, BUDGET
        try:
            return self._value(schema, 0)
        except _TooDeep:
            return None

    def valid(self, schema: dict[str, Any], value: Any) -> bool:
        """True when value validates against the schema."""
        return spec_validator(self.spec, schema).is_valid(value)

    # --- one value per keyword -----------------------------------------------------------------------

    def _follow(self, schema: Any, depth: int) -> dict[str, Any]:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            target = self.spec.ref_targets.get(schema["$ref"])
            if target is None or depth > MAX_DEPTH:
                raise _TooDeep()
            schema = target
        return schema if isinstance(schema, dict) else {}

    def _value(self, schema: Any, depth: int) -> Any:
        if schema is True or schema is None:
            return "string"
        schema = self._follow(schema, depth)
        if depth > MAX_DEPTH:
            raise _TooDeep()
        self._budget -= 1
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            choices = [c for c in schema["enum"] if c is not None] or schema["enum"]
            return choices[0]
        for candidate in self._documented(schema):
            if self.valid(schema, candidate):
                return candidate
        if "allOf" in schema:
            merged = _merge_all_of({**schema, "allOf": [self._follow(p, depth + 1) for p in schema["allOf"]]})
            return self._value(merged, depth)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self._first_option(schema, key, options, depth)
        types = _types(schema)
        if not types:
            return {} if depth == 0 else "string"
        kind = next((t for t in types if t != "null"), "null")
        if kind == "null":
            return None
        try:
            return getattr(self, f"_{kind}")(schema, depth)
        except _TooDeep:
            if "null" in types:
                return None
            raise

    def _documented(self, schema: dict[str, Any]) -> list[Any]:
        found = []
        if "default" in schema:
            found.append(schema["default"])
        if "example" in schema:
            found.append(schema["example"])
        if isinstance(schema.get("examples"), list):
            found += schema["examples"]
        return found

    def _first_option(self, schema: dict[str, Any], key: str, options: list[Any], depth: int) -> Any:
        base = {k: v for k, v in schema.items() if k != key}
        first_error: Exception | None = None
        for option in options:
            try:
                option = self._follow(option, depth + 1)
                combined = _merge_all_of({**base, "allOf": [option]}) if base else option
                value = self._value(combined, depth)
            except _TooDeep as exc:
                first_error = first_error or exc
                continue
            if self.valid(schema, value):
                return value
        if first_error is not None:
            raise first_error
        return self._value(self._follow(options[0], depth + 1), depth)

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        value: dict[str, Any] = {}
        for name, subschema in properties.items():
            is_required = name in required
            if not is_required and (depth >= OPTIONAL_DEPTH or self._budget <= 0 or self._is_recursive(subschema) or _write_only(subschema)):
                continue
            try:
                value[name] = self._value(subschema, depth + 1)
            except _TooDeep:
                if is_required:
                    raise
        for name in required:
            if name not in value:  # required but not described: any value of the additionalProperties schema
                extra = schema.get("additionalProperties")
                value[name] = self._value(extra if isinstance(extra, dict) else {"type": "string"}, depth + 1)
        minimum = schema.get("minProperties") or 0
        extra_schema = schema.get("additionalProperties")
        index = 0
        while len(value) < minimum and extra_schema is not False:
            index += 1
            value[f"property{index}"] = self._value(extra_schema if isinstance(extra_schema, dict) else {"type": "string"}, depth + 1)
        return value

    def _is_recursive(self, schema: Any) -> bool:
        if not isinstance(schema, dict):
            return False
        if isinstance(schema.get("$ref"), str):
            return True
        items = schema.get("items")
        return isinstance(items, dict) and isinstance(items.get("$ref"), str)

    def _array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        minimum = int(schema.get("minItems") or 0)
        maximum = schema.get("maxItems")
        count = max(minimum, 1)
        if isinstance(maximum, int):
            count = min(count, maximum)
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        items = schema.get("items", {}) if isinstance(schema.get("items"), (dict, bool)) else {}
        values: list[Any] = []
        try:
            for index in range(max(count, len(prefix) if minimum >= len(prefix) else 0)):
                subschema = prefix[index] if index < len(prefix) else items
                value = self._value(subschema, depth + 1)
                if schema.get("uniqueItems") and value in values:
                    value = self._vary(self._follow(subschema, depth + 1), value, index, values)
                values.append(value)
        except _TooDeep:
            if minimum == 0:
                return []
            raise
        return values

    def _vary(self, schema: dict[str, Any], value: Any, index: int, taken: list[Any]) -> Any:
        """Another valid value than those taken (uniqueItems), or the value itself when none is found."""
        if isinstance(value, str):
            letters = "abcdefghijklmnopqrstuvwxyz"
            candidates = [f"{value}{index}", value + letters[index % 26], letters[index % 26] + value, value[:-1] + letters[index % 26]]
            if isinstance(schema.get("pattern"), str):
                found = _pattern_sample(schema["pattern"], int(schema.get("minLength") or 0), schema.get("maxLength"), avoid=tuple(taken))
                if found is not None:
                    candidates.insert(0, found)
        elif isinstance(value, bool):
            candidates = [not value]
        elif isinstance(value, (int, float)):
            candidates = [value + index, value - index, value + index * (schema.get("multipleOf") or 1)]
        elif isinstance(schema.get("enum"), list):
            candidates = list(schema["enum"])
        else:
            return value
        return next((c for c in candidates if c not in taken and self.valid(schema, c)), value)

    def _string(self, schema: dict[str, Any], depth: int) -> str:
        minimum = int(schema.get("minLength") or 0)
        maximum = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
        text = FORMAT_SAMPLES.get(str(schema.get("format", "")), "string")
        if schema.get("format") == "date-time":  # each later one an hour on: an end comes after its start
            text = f"2026-03-14T{12 + self._times % 10:02d}:00:00Z"
            self._times += 1
        if len(text) < minimum:
            text = text + "x" * (minimum - len(text))
        if maximum is not None and len(text) > maximum:
            text = text[:maximum]
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not self.valid({"type": "string", "pattern": pattern}, text):
            string_schema = {key: schema[key] for key in ("pattern", "format", "minLength", "maxLength") if key in schema}
            found = self._from_pattern(pattern, minimum, maximum)
            if found is not None and (self.valid({"type": "string", **string_schema}, found) or "format" not in schema):
                return found
        return text

    def _from_pattern(self, pattern: str, minimum: int, maximum: int | None) -> str | None:
        key = (pattern, minimum, maximum)
        if key not in self._pattern_cache:
            self._pattern_cache[key] = _pattern_sample(pattern, minimum, maximum)
        return self._pattern_cache[key]

    def _integer(self, schema: dict[str, Any], depth: int) -> int:
        return int(self._number_value(schema, integer=True))

    def _number(self, schema: dict[str, Any], depth: int) -> float | int:
        return self._number_value(schema, integer=False)

    def _number_value(self, schema: dict[str, Any], *, integer: bool) -> float | int:
        low, high = schema.get("minimum"), schema.get("maximum")
        exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if isinstance(exclusive_low, (int, float)) and not isinstance(exclusive_low, bool):
            low, exclusive_low = exclusive_low, True  # 3.1 (draft 2020-12): the bound itself
        if isinstance(exclusive_high, (int, float)) and not isinstance(exclusive_high, bool):
            high, exclusive_high = exclusive_high, True
        step = schema.get("multipleOf") if isinstance(schema.get("multipleOf"), (int, float)) else None
        value: float = 1 if integer else 1.5
        if isinstance(low, (int, float)) and not isinstance(low, bool):
            value = max(value, low) if not (isinstance(high, (int, float)) and high < value) else low
            if exclusive_low is True and value <= low:
                value = low + (1 if integer or step else 0.5)
        if isinstance(high, (int, float)) and not isinstance(high, bool):
            if value > high or (exclusive_high is True and value >= high):
                value = high - (1 if integer or step else 0.5) if exclusive_high is True else high
        if step:
            value = math.ceil(value / step) * step
            if isinstance(high, (int, float)) and value > high:
                value = math.floor(high / step) * step
        if integer:
            value = math.ceil(value) if not isinstance(low, (int, float)) or value >= low else math.ceil(low)
            return int(value)
        return value

    def _boolean(self, schema: dict[str, Any], depth: int) -> bool:
        return True


def _write_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("writeOnly") is True


def _pattern_sample(pattern: str, minimum: int, maximum: int | None, avoid: tuple[Any, ...] = ()) -> str | None:
    """The simplest string hypothesis finds for an ECMA pattern within the lengths (None: none found quickly)."""
    import re

    try:
        from hypothesis import HealthCheck, Phase, find, settings, strategies
        from hypothesis.errors import NoSuchExample
    except ImportError:  # pragma: no cover - hypothesis is a dependency
        return None
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None

    def fits(text: str) -> bool:
        return len(text) >= minimum and (maximum is None or len(text) <= maximum) and "\n" not in text and text not in avoid

    try:
        return find(strategies.from_regex(compiled), fits, settings=settings(
            database=None, derandomize=True, max_examples=200, phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck), deadline=None,
        ))
    except (NoSuchExample, Exception):  # noqa: BLE001 - any failure: the caller falls back to a plain value
        return None
