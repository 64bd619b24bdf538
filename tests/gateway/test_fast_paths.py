"""The compiled schema validator never accepts what ``jsonschema`` refuses.

The commit path asks the compiled validator first and lets ``jsonschema`` decide (and word
the errors) whenever it finds any, so a payload is refused exactly when ``jsonschema``
refuses it as long as "compiled says valid" implies "jsonschema says valid". Checked here
on every built-in record type, for payloads near the schema (right names, mixed values)
and for the edge cases of its rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gateway.services.record_types import builtin_types, compile_schema

TYPES = builtin_types()
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=25)
    | st.from_regex(r"[0-9+ -]{4,21}\n?", fullmatch=True)
    | st.from_regex(r"[0-9X]{16,19}\n?", fullmatch=True)
    | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\n?", fullmatch=True)
    | st.sampled_from([0, 1, 50, 51, 1.0, 2.5, "", "x" * 201, True]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def typed(rule: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that keep the rule (payloads near the schema are mostly valid; edges are drawn elsewhere)."""
    kind = rule.get("type")
    if kind == "integer":
        return st.integers(rule.get("minimum", -100), rule.get("maximum", 100))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(typed(rule.get("items", {})), max_size=3)
    if "enum" in rule:
        return st.sampled_from(rule["enum"])
    if "pattern" in rule:
        return st.from_regex(rule["pattern"])
    low, high = rule.get("minLength", 0), rule.get("maxLength", 30)
    return st.text(min_size=low, max_size=min(high, 40))


def payloads(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    properties = schema.get("properties", {})
    names = [*sorted(properties), "unknown"]
    required = schema.get("required", [])
    near = st.fixed_dictionaries(
        {name: typed(properties[name]) for name in required},
        optional={name: typed(rule) for name, rule in properties.items() if name not in required},
    )
    return near | st.dictionaries(st.sampled_from(names), values, max_size=len(names)) | values


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_builtin_schema_compiles(name: str) -> None:
    assert compile_schema(TYPES[name]) is not None


@pytest.mark.parametrize("name", sorted(TYPES))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_compiled_valid_implies_jsonschema_valid(name: str, data: st.DataObject) -> None:
    schema = TYPES[name]
    compiled, reference = compile_schema(schema), Draft202012Validator(schema)
    payload = data.draw(payloads(schema))
    if compiled.is_valid(payload):
        assert not list(reference.iter_errors(payload)), payload
    elif not list(reference.iter_errors(payload)):  # jsonschema decides then: the commit accepts it too
        assert isinstance(payload, dict)


def test_formats_stay_annotations_as_in_jsonschema() -> None:
    schema = {"type": "object", "properties": {"d": {"type": "string", "format": "date"}}}
    assert compile_schema(schema).is_valid({"d": "not a date"})
    assert not list(Draft202012Validator(schema).iter_errors({"d": "not a date"}))
