"""A receiver checks a webhook delivery with ``ledger`` alone (docs/spec/webhooks.md §W): the golden
vector, and every way a delivery is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from ledger.errors import DeliveryRejected, VerificationError
from ledger.webhooks import delivery_message, sign_delivery, verify_delivery

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
SUBSCRIPTION = "3f1c2a4e-0b5d-4c1e-9f7a-2d6b8e0c4a11"
EVENT = "record.committed:0b7e5b0e-2f8a-4c1d-9e3b-6a5d4c3b2a19"
BODY = (
    b'{"at":"2026-01-01T00:00:00Z","id":"record.committed:0b7e5b0e-2f8a-4c1d-9e3b-6a5d4c3b2a19",'
    b'"kind":"record.committed","position":7}'
)
WHEN = 1767225600
GOLDEN_SIGNATURE = (
    "0x6abce3cca72e85fa6e91b8afc2f6d6184fefad25877d94860681731a28a0a923"
    "2012605d43668f7ede5b2ddeda4b308098f4b15f10763edc19297c5912c3ffd01c"
)
SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "webhooks.md"


def headers() -> dict[str, str]:
    return sign_delivery(KEY, SUBSCRIPTION, EVENT, WHEN, BODY)


def rejected(check: str, body: bytes = BODY, sent: object = None, **kwargs: object) -> DeliveryRejected:
    with pytest.raises(DeliveryRejected) as info:
        verify_delivery(body, sent if sent is not None else headers(), ADDRESS, now=WHEN, **kwargs)  # type: ignore[arg-type]
    assert info.value.check == check, info.value.message
    return info.value


def test_the_golden_vector_is_what_the_spec_says_and_what_a_wallet_signs() -> None:
    message = delivery_message(SUBSCRIPTION, EVENT, WHEN, BODY)
    assert message == (
        b"GridLedger webhook v1\n3f1c2a4e-0b5d-4c1e-9f7a-2d6b8e0c4a11\n"
        b"record.committed:0b7e5b0e-2f8a-4c1d-9e3b-6a5d4c3b2a19\n1767225600\n"
        b"0x15db2934bba2912f36de04ea624f5caa5af104702209259e2eb5979fba708cd6"
    )
    assert headers()["GridLedger-Signature"] == GOLDEN_SIGNATURE
    wallet = Account.from_key(KEY).sign_message(encode_defunct(primitive=message)).signature
    assert "0x" + bytes(wallet).hex() == GOLDEN_SIGNATURE
    spec = SPEC.read_text()
    assert GOLDEN_SIGNATURE in spec.replace("\n", "") and BODY.decode() in spec


def test_a_delivery_from_the_gateway_verifies_and_gives_the_event() -> None:
    event = verify_delivery(BODY, headers(), ADDRESS, subscription=SUBSCRIPTION.upper(), now=WHEN + 299)
    assert event["id"] == EVENT and event["position"] == 7


def test_header_names_are_matched_in_any_case_from_a_mapping_or_pairs() -> None:
    pairs = [(name.lower(), value) for name, value in headers().items()] + [("Content-Type", "application/json")]
    assert verify_delivery(BODY, pairs, ADDRESS.lower(), now=WHEN)["id"] == EVENT
    assert issubclass(DeliveryRejected, VerificationError)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GridLedger-Timestamp", "01767225600"),
        ("GridLedger-Timestamp", "1767225600.0"),
        ("GridLedger-Subscription", SUBSCRIPTION.upper()),
        ("GridLedger-Event-Id", "record committed"),
        ("GridLedger-Signature", GOLDEN_SIGNATURE.upper().replace("0X", "0x")),
        ("GridLedger-Signature", GOLDEN_SIGNATURE[:-2]),
    ],
)
def test_a_header_out_of_its_form_is_refused(name: str, value: str) -> None:
    rejected("headers", sent={**headers(), name: value})


def test_a_missing_or_repeated_header_is_refused() -> None:
    for name in headers():
        assert name in rejected("headers", sent={k: v for k, v in headers().items() if k != name}).message
    twice = [*headers().items(), ("gridledger-event-id", EVENT)]
    assert "more than once" in rejected("headers", sent=twice).message


def test_a_stale_or_future_delivery_is_refused() -> None:
    for now in (WHEN + 301, WHEN - 301):
        with pytest.raises(DeliveryRejected) as info:
            verify_delivery(BODY, headers(), ADDRESS, now=now)
        assert info.value.check == "timestamp"
    assert verify_delivery(BODY, headers(), ADDRESS, now=WHEN + 3000, max_age=3600)["id"] == EVENT


def test_anything_changed_after_signing_breaks_the_signature() -> None:
    rejected("signature", body=BODY.replace(b'"position":7', b'"position":8'))
    for name, value in (("GridLedger-Subscription", "3f1c2a4e-0b5d-4c1e-9f7a-2d6b8e0c4a12"),
                        ("GridLedger-Event-Id", "record.erased:0b7e5b0e-2f8a-4c1d-9e3b-6a5d4c3b2a19"),
                        ("GridLedger-Timestamp", str(WHEN + 1))):  # fmt: skip
        rejected("signature", sent={**headers(), name: value})


def test_another_key_or_a_high_s_twin_is_refused() -> None:
    other = Account.create()
    forged = sign_delivery(bytes(other.key), SUBSCRIPTION, EVENT, WHEN, BODY)
    rejected("signature", sent=forged)
    sig = bytes.fromhex(GOLDEN_SIGNATURE[2:])
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    twin = sig[:32] + (n - int.from_bytes(sig[32:64], "big")).to_bytes(32, "big") + bytes([55 - sig[64]])
    assert "canonical" in rejected("signature", sent={**headers(), "GridLedger-Signature": "0x" + twin.hex()}).message


def test_a_delivery_for_another_subscription_is_refused() -> None:
    rejected("subscription", subscription="0b7e5b0e-2f8a-4c1d-9e3b-6a5d4c3b2a19")


def test_a_signed_body_that_is_not_the_event_named_is_refused() -> None:
    for body in (b'{"id":"grant.given:1"}', b"[1]", b'{"id":1,"id":2}', b"not json"):
        sent = sign_delivery(KEY, SUBSCRIPTION, EVENT, WHEN, body)
        rejected("body", body=body, sent=sent)
