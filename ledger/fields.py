"""Strict parsing of the fields of wire documents (entries, receipts, disclosures).

Anyone can hand a verifier a document, so every field is checked for its type and range
before it reaches arithmetic, the chain (``uint256`` encoding) or a database (signed
64-bit integers): an integer is an ``int`` and never a ``bool`` or a float, and it lies in
its field's range. A :class:`FieldError` names the field and the rule it breaks, never the
value, which may be personal data or may be enormous.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

MAX_INT63 = 2**63 - 1  # what a signed 64-bit database column and a JSON-RPC block number hold
MAX_UINT32 = 2**32 - 1


class FieldError(ValueError):
    """A field is missing or breaks its rule; the message names both and quotes nothing."""


def integer(low: int = 0, high: int = MAX_INT63) -> Callable[[Any], int]:
    """A parser accepting an ``int`` (not a ``bool``) in ``[low, high]``."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("must be an integer")
        if not low <= value <= high:
            raise FieldError(f"must be an integer from {low} to {high}")
        return value

    return parse


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError("must be a string")
    return value


def array(item: Callable[[Any], T], max_items: int) -> Callable[[Any], tuple[T, ...]]:
    """A parser accepting a JSON array of at most ``max_items`` items, each parsed by ``item``."""

    def parse(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise FieldError("must be an array")
        if len(value) > max_items:
            raise FieldError(f"must have at most {max_items} items")
        return tuple(item(v) for v in value)

    return parse


def mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError("must be an object")
    return value


def obj(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object; ``what`` names it in the error."""
    if not isinstance(value, Mapping):
        raise FieldError(f"{what} must be an object")
    return value


def field(data: Mapping[str, Any], name: str, parse: Callable[[Any], T], where: str = "") -> T:
    """``parse(data[name])``; any failure becomes a :class:`FieldError` naming ``where + name``."""
    if name not in data:
        raise FieldError(f"{where}{name} is missing")
    try:
        return parse(data[name])
    except FieldError as exc:
        raise FieldError(f"{where}{name} {exc}") from None
    except (TypeError, ValueError, AttributeError, OverflowError):
        raise FieldError(f"{where}{name} has the wrong form") from None
