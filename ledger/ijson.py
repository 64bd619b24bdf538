"""Reading documents as I-JSON (RFC 7493), the way docs/spec/json.md §J-1 requires.

Python's ``json`` module is lenient where a verifier must not be: it lets the last of two
equal member names win, reads ``NaN`` and ``Infinity``, keeps lone surrogates, and reads an
integer of any size exactly — where a verifier in JavaScript would read a double and hash
another value. A document two verifiers could read differently has no single meaning, so
:func:`loads` refuses every such text with a :class:`DocumentError` (check code ``json``).
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from ledger.errors import DocumentError

MAX_EXACT = 2**53  # integer literals of this magnitude or more are refused (§J-1 rule 5)
MAX_DEPTH = 64  # arrays and objects nest at most this deep (§J-1 rule 6; the gateway's edge says the same)
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)  # possessive: linear, an unterminated one too
_STEPS = str.maketrans({"[": "+", "{": "+", "]": "-", "}": "-"})


class _Refused(ValueError):
    """Raised inside the parser's hooks; turned into one :class:`DocumentError`."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise _Refused("an object has two members of the same name")
        _check_text(name)
        out[name] = value
    return out


def _int(literal: str) -> int:
    value = int(literal)
    if abs(value) >= MAX_EXACT:
        raise _Refused("an integer is outside the I-JSON range (-2^53, 2^53)")
    return value


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused("a number is not finite")
    return value


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused("a string holds a lone surrogate") from None


def _check_strings(value: Any) -> None:
    """Lone surrogates in string values (member names are checked as they are read)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` before parsing: linear, no recursion (a parser
    handed 100,000 nested arrays recurses until the process dies)."""
    outside = _STRING.sub("", text)  # structure, numbers and literals: brackets in strings do not count
    brackets = "".join(c for c in outside if c in "[]{}").translate(_STEPS)
    if max(accumulate(1 if c == "+" else -1 for c in brackets), default=0) > MAX_DEPTH:
        raise _Refused(f"arrays and objects nest more than {MAX_DEPTH} deep")


def loads(text: str | bytes, what: str = "the document") -> Any:
    """Parse ``text`` as I-JSON; raise :class:`DocumentError` (code ``json``) naming the rule broken."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        _check_depth(text)
        value = json.loads(
            text, object_pairs_hook=_pairs, parse_int=_int, parse_float=_float, parse_constant=_constant
        )
        _check_strings(value)
        return value
    except _Refused as exc:
        raise DocumentError("json", f"{what} is not I-JSON: {exc}") from None
    except UnicodeDecodeError:
        raise DocumentError("json", f"{what} is not UTF-8 text") from None
    except RecursionError:
        raise DocumentError("json", f"{what} nests too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError: position only, never the text
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise DocumentError("json", f"{what} is not JSON{where}") from None
