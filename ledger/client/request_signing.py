"""The signed-request protocol, shared by the gateway and its SDK: an RFC 9421 profile.

A request that acts for a member is an HTTP Message Signature (RFC 9421) over a body
digest (RFC 9530), in the profile ``gridledger-v1``:

- ``Content-Digest: sha-256=:<base64 of SHA-256(body)>:`` (an empty body too);
- covered components, exactly these five, in any order (the SDK uses this one):
  ``"@method" "@authority" "@path" "@query" "content-digest"``;
- signature parameters, exactly these four, in any order: ``created`` (Unix seconds),
  ``keyid`` (the member's EIP-55 checksummed address), ``nonce`` (32-64 lower-case hex
  characters, never reused) and ``tag="gridledger-v1"``. There is no ``alg`` parameter:
  RFC 9421 §3.3 reserves it for algorithms in the IANA registry, and ours is fixed by the
  profile (named by the tag) instead;
- ``Signature-Input: sig1=<the inner list>`` and ``Signature: sig1=:<base64>:``, one
  signature per request (any label, the same in both).

The signature base is built as RFC 9421 §2.5 says: for each covered component in order,
``"<name>": <value>`` and a newline; then ``"@signature-params": <inner list>`` with no
newline after it. ``@method`` is the method as sent; ``@authority`` the Host, lower case,
default port omitted; ``@path`` the path as sent (percent-encoding untouched); ``@query``
``?`` followed by the query string as sent (``?`` alone when there is none); and
``content-digest`` the header's value.

The algorithm, ``eip191-secp256k1``: the signature is Ethereum ``personal_sign`` over the
signature base bytes, i.e. secp256k1 ECDSA over
``keccak256("\\x19Ethereum Signed Message:\\n" + decimal(len(base)) + base)``, encoded as
65 bytes ``r || s || v`` with ``v`` in {27, 28} and low ``s``. The verifier recovers the
address and compares it with ``keyid``: any Ethereum wallet can sign, no key registry.

:func:`verify_request` checks all that and the gateway's own rules (its authorities, the
age of ``created``); the caller then asks the chain whether ``keyid`` is a member and only
then spends the nonce (:mod:`gateway.api.auth`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from eth_utils.crypto import keccak

from ledger.client.structured_fields import InnerList, Item, Parameters, parse_dictionary, serialize_inner_list
from ledger.eip712 import recover_digest, sign_digest
from ledger.types import to_address

PROFILE = "gridledger-v1"
LABEL = "sig1"
COMPONENTS = ("@method", "@authority", "@path", "@query", "content-digest")
PARAMETERS = ("created", "keyid", "nonce", "tag")
SIGNATURE_INPUT, SIGNATURE, CONTENT_DIGEST = "Signature-Input", "Signature", "Content-Digest"
HEADERS = (SIGNATURE_INPUT, SIGNATURE, CONTENT_DIGEST)

_NONCE = re.compile(r"[0-9a-f]{32,64}")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


class SignatureRejected(ValueError):
    """Why a signed request was refused; the message names rules, never the request's values."""


@dataclass(frozen=True)
class Verified:
    """A request whose signature checked out: who signed it, and the nonce it spends."""

    keyid: str
    nonce: str
    created: int


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value of ``body``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def normalize_authority(host: str, scheme: str = "http") -> str:
    """``@authority`` from a Host value: lower case, the scheme's default port omitted."""
    authority = host.strip().lower()
    default = _DEFAULT_PORTS.get(scheme.lower())
    return authority.removesuffix(default) if default and authority.endswith(default) else authority


def signature_base(values: Mapping[str, str], covered: Sequence[str], signature_params: str) -> bytes:
    """RFC 9421 §2.5: the bytes that are signed.

    One ``"<name>": <value>`` line per covered component, in the order of ``covered``, then
    ``"@signature-params": <signature_params>`` (the serialised inner list) with no newline.
    """
    lines = []
    for name in covered:
        value = values[name]
        if not _PRINTABLE.fullmatch(value):
            raise SignatureRejected(f"the {name} component must be printable ASCII (percent-encode the target)")
        lines.append(f'"{name}": {value}\n')
    return ("".join(lines) + f'"@signature-params": {signature_params}').encode("ascii")


def personal_digest(message: bytes) -> bytes:
    """EIP-191 version 0x45 (``personal_sign``): what a wallet signs for ``message``."""
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def component_values(method: str, authority: str, target: str, digest: str) -> dict[str, str]:
    """The component values of a request for ``target`` (``path`` or ``path?query``, as sent)."""
    path, _, query = target.partition("?")
    return {
        "@method": method,
        "@authority": authority,
        "@path": path or "/",
        "@query": "?" + query,
        "content-digest": digest,
    }


def sign_request(
    private_key: bytes,
    address: str,
    method: str,
    target: str,
    body: bytes,
    *,
    authority: str,
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that sign one request for ``authority`` (the ``host[:port]`` it is sent to).

    ``target`` is the path and query exactly as they go on the wire (percent-encoded).
    """
    digest = content_digest(body)
    params: Parameters = (
        ("created", int(time.time()) if created is None else created),
        ("keyid", to_address(address)),
        ("nonce", nonce or secrets.token_hex(16)),
        ("tag", PROFILE),
    )
    inner = InnerList(tuple(Item(c) for c in COMPONENTS), params)
    values = component_values(method.upper(), normalize_authority(authority), target, digest)
    base = signature_base(values, COMPONENTS, serialize_inner_list(inner))
    signature = sign_digest(private_key, personal_digest(base))
    return {
        CONTENT_DIGEST: digest,
        SIGNATURE_INPUT: f"{LABEL}={serialize_inner_list(inner)}",
        SIGNATURE: f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


def verify_request(
    *,
    method: str,
    authority: str,
    target: str,
    body: bytes,
    fields: Mapping[str, str],
    authorities: Collection[str],
    now: float,
    max_age: int,
) -> Verified:
    """Check one request's signature against this profile; raise :class:`SignatureRejected`.

    ``fields`` holds the ``Signature-Input``, ``Signature`` and ``Content-Digest`` values
    (several field lines of one name joined with ``", "``, as HTTP combines them);
    ``authority`` is the normalised Host the request arrived with, ``authorities`` the ones
    this gateway answers to. Membership and the nonce's freshness are the caller's.
    """
    for name in HEADERS:
        if not fields.get(name):
            raise SignatureRejected(f"unsigned request: missing header {name}")
    label, inner, covered = _signature_input(fields[SIGNATURE_INPUT])
    signature = _signature(fields[SIGNATURE], label)
    created, keyid, nonce = _profile_parameters(inner)
    if now - created > max_age:
        raise SignatureRejected(f"the signature was created more than {max_age}s before the gateway's clock")
    if created - now > max_age:
        raise SignatureRejected(f"the signature was created more than {max_age}s after the gateway's clock")
    if authority not in authorities:
        raise SignatureRejected("the request is addressed to an authority (host) that is not this gateway's")
    _check_digest(fields[CONTENT_DIGEST], body)
    values = component_values(method, authority, target, fields[CONTENT_DIGEST].strip())
    try:
        base = signature_base(values, covered, serialize_inner_list(inner))
        signer = recover_digest(personal_digest(base), signature)
    except ValueError:
        raise SignatureRejected("the signature is malformed (65 bytes r||s||v, v 27 or 28, low s)") from None
    if signer != keyid:
        raise SignatureRejected(
            "the signature does not match this request (method, authority, path, query, body) or its keyid"
        )
    return Verified(keyid=keyid, nonce=nonce, created=created)


def _signature_input(value: str) -> tuple[str, InnerList, list[str]]:
    try:
        members = parse_dictionary(value)
    except ValueError:
        raise SignatureRejected("Signature-Input is not a structured-field dictionary (RFC 8941)") from None
    if len(members) != 1:
        raise SignatureRejected("Signature-Input must carry exactly one signature")
    ((label, inner),) = members.items()
    if not isinstance(inner, InnerList):
        raise SignatureRejected("the Signature-Input member must be an inner list of components")
    covered: list[str] = []
    for item in inner.items:
        if not isinstance(item.value, str) or item.params:
            raise SignatureRejected("covered components must be plain strings without parameters")
        if item.value in covered:
            raise SignatureRejected("a component is covered twice")
        covered.append(item.value)
    for name in COMPONENTS:
        if name not in covered:
            raise SignatureRejected(f"the signature must cover {name}")
    if len(covered) != len(COMPONENTS):
        raise SignatureRejected(f"the signature covers a component outside {', '.join(COMPONENTS)}")
    return label, inner, covered


def _signature(value: str, label: str) -> bytes:
    try:
        members = parse_dictionary(value)
    except ValueError:
        raise SignatureRejected("Signature is not a structured-field dictionary (RFC 8941)") from None
    member = members.get(label)
    if len(members) != 1 or member is None:
        raise SignatureRejected("Signature must carry exactly one signature, labelled as in Signature-Input")
    if not isinstance(member, Item) or not isinstance(member.value, bytes) or member.params:
        raise SignatureRejected("the signature must be a byte sequence (:base64:)")
    return member.value


def _profile_parameters(inner: InnerList) -> tuple[int, str, str]:
    """``created``, ``keyid`` and ``nonce``, once the parameters are exactly this profile's."""
    params = dict(inner.params)
    for name in PARAMETERS:
        if name not in params:
            raise SignatureRejected(f"the signature parameters must include {name}")
    if len(params) != len(PARAMETERS):
        raise SignatureRejected(f"the signature parameters must be exactly {', '.join(PARAMETERS)}")
    created, keyid, nonce, tag = (params[name] for name in PARAMETERS)
    if isinstance(created, bool) or not isinstance(created, int):
        raise SignatureRejected("created must be an integer (Unix seconds)")
    if tag != PROFILE:
        raise SignatureRejected(f'tag must be "{PROFILE}"')
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise SignatureRejected("nonce must be a string of 32-64 lower-case hex characters")
    if not isinstance(keyid, str) or not _is_checksummed(keyid):
        raise SignatureRejected("keyid must be the signer's EIP-55 checksummed address")
    return created, keyid, nonce


def _is_checksummed(keyid: str) -> bool:
    try:
        return to_address(keyid) == keyid
    except ValueError:
        return False


def _check_digest(value: str, body: bytes) -> None:
    try:
        members = parse_dictionary(value)
    except ValueError:
        raise SignatureRejected("Content-Digest is not a structured-field dictionary (RFC 9530)") from None
    member = members.get("sha-256")
    if len(members) != 1 or not isinstance(member, Item) or not isinstance(member.value, bytes) or member.params:
        raise SignatureRejected("Content-Digest must hold exactly one sha-256 digest")
    if member.value != hashlib.sha256(body).digest():
        raise SignatureRejected("Content-Digest does not match the body")
