"""``GET /v1/record-types``: a newcomer discovers a type's fields from the gateway, not from its source."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from tests.gateway.conftest import Gateway


def test_every_type_is_listed_with_its_fields_and_its_schema_is_the_one_commits_meet(gateway: Gateway) -> None:
    listed = gateway.http.get("/v1/record-types")
    assert listed.status_code == 200
    types = {t["name"]: t for t in listed.json()["items"]}
    assert {"household", "resident", "meeting", "case"} <= set(types)
    household = types["household"]
    fields = {f["name"]: f for f in household["fields"]}
    assert fields["members"] == {"name": "members", "type": "integer", "required": True, "sensitivity": "personal"}
    assert fields["phone"]["required"] is False
    schema = gateway.http.get(household["href"])
    assert schema.status_code == 200 and schema.headers["content-type"].startswith("application/schema+json")
    validator = Draft202012Validator(schema.json())
    good = {"address": "1-1-101", "head": "Wu Fang", "members": 2}
    assert validator.is_valid(good) and not validator.is_valid({**good, "members": "2"})
    recorder = gateway.client(gateway.org.c1_recorder)
    assert recorder.commit("household", good)["status"] == "pending"  # what the schema allows, the gateway takes


def test_an_unknown_type_is_a_404_problem(gateway: Gateway) -> None:
    missing = gateway.http.get("/v1/record-types/no-such-type")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert "no record type" in missing.json()["detail"]
    bad = gateway.http.get("/v1/record-types/NOT%20A%20SLUG")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
