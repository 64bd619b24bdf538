"""The part of RFC 8941 (Structured Field Values for HTTP) that signed requests use.

``Signature-Input``, ``Signature`` (RFC 9421) and ``Content-Digest`` (RFC 9530) are
Dictionaries. This module parses Dictionaries whose members are Items or Inner Lists,
with Integer, String, Token, Byte Sequence and Boolean bare items and their Parameters,
following the parsing algorithms of RFC 8941 §4.2 step by step; and it serialises an
Inner List (§4.1.1.1), which is what the ``@signature-params`` line of a signature base
holds. Decimals are refused: nothing in the protocol uses them.

Stricter than RFC 8941 on purpose: a key repeated in a Dictionary or in Parameters is an
error instead of "the last one wins", so that two parsers can never read one header as
two different signatures.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    """An sf-token (kept apart from an sf-string: they serialise differently)."""

    value: str


BareItem = int | str | bytes | bool | Token
Parameters = tuple[tuple[str, BareItem], ...]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Parameters = ()


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Parameters = ()


Member = Item | InnerList

_KEY_FIRST = set(string.ascii_lowercase + "*")
_KEY_REST = _KEY_FIRST | set(string.digits + "_-.")
_TOKEN_FIRST = set(string.ascii_letters + "*")
_TCHAR = set(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:/")
_BASE64 = set(string.ascii_letters + string.digits + "+/=")
_INTEGER = re.compile(r"-?[0-9]{1,15}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self, expected: str) -> None:
        if self.peek() != expected:
            raise ValueError(f"expected {expected!r} at position {self.pos}")
        self.pos += 1

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        self.skip(" ")
        while self.peek():
            key = self.key()
            if key in members:
                raise ValueError("a dictionary key is repeated")
            if self.peek() == "=":
                self.pos += 1
                members[key] = self.inner_list() if self.peek() == "(" else self.item()
            else:
                members[key] = Item(True, self.parameters())
            self.skip(" \t")
            if not self.peek():
                break
            self.take(",")
            self.skip(" \t")
            if not self.peek():
                raise ValueError("a dictionary ends with a comma")
        return members

    def inner_list(self) -> InnerList:
        self.take("(")
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise ValueError(f"an inner list item is not followed by a space or ')' at position {self.pos}")

    def item(self) -> Item:
        return Item(self.bare_item(), self.parameters())

    def parameters(self) -> Parameters:
        params: list[tuple[str, BareItem]] = []
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            if any(key == seen for seen, _ in params):
                raise ValueError("a parameter is repeated")
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params.append((key, value))
        return tuple(params)

    def key(self) -> str:
        start = self.pos
        if not self.peek() or self.peek() not in _KEY_FIRST:
            raise ValueError(f"a key must start with a lower-case letter or '*' at position {self.pos}")
        while self.peek() and self.peek() in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_item(self) -> BareItem:
        first = self.peek()
        if first == "-" or first.isdigit():
            match = _INTEGER.match(self.text, self.pos)
            if match is None or self.text[match.end() : match.end() + 1] in (".", *string.digits):
                raise ValueError(f"an integer has more than 15 digits or is a decimal at position {self.pos}")
            self.pos = match.end()
            return int(match.group())
        if first == '"':
            return self.string()
        if first == ":":
            return self.byte_sequence()
        if first == "?":
            value = self.text[self.pos + 1 : self.pos + 2]
            if value not in ("0", "1"):
                raise ValueError(f"a boolean is ?0 or ?1 at position {self.pos}")
            self.pos += 2
            return value == "1"
        if first and first in _TOKEN_FIRST:
            start = self.pos
            self.pos += 1
            while self.peek() and self.peek() in _TCHAR:
                self.pos += 1
            return Token(self.text[start : self.pos])
        raise ValueError(f"no bare item at position {self.pos}")

    def string(self) -> str:
        self.take('"')
        out: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise ValueError("a string is not closed")
            self.pos += 1
            if char == "\\":
                escaped = self.peek()
                if not escaped or escaped not in ('"', "\\"):
                    raise ValueError(f"a string escapes something other than '\"' or '\\' at position {self.pos}")
                self.pos += 1
                out.append(escaped)
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                raise ValueError(f"a string holds a character outside printable ASCII at position {self.pos - 1}")
            else:
                out.append(char)

    def byte_sequence(self) -> bytes:
        self.take(":")
        end = self.text.find(":", self.pos)
        if end < 0:
            raise ValueError("a byte sequence is not closed")
        encoded = self.text[self.pos : end]
        if not set(encoded) <= _BASE64:
            raise ValueError("a byte sequence holds a character outside base64")
        try:
            value = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError("a byte sequence is not valid base64") from None
        self.pos = end + 1
        return value


def parse_dictionary(text: str) -> dict[str, Member]:
    """An RFC 8941 Dictionary; ``ValueError`` (saying where, never what) when malformed."""
    parser = _Parser(text)
    members = parser.dictionary()
    parser.skip(" ")
    if parser.peek():
        raise ValueError(f"unexpected characters at position {parser.pos}")
    return members


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if not -999_999_999_999_999 <= value <= 999_999_999_999_999:
            raise ValueError("an integer has more than 15 digits")
        return str(value)
    if isinstance(value, str):
        if not all(" " <= c <= "~" for c in value):
            raise ValueError("a string holds a character outside printable ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode() + ":"
    return value.value


def serialize_parameters(params: Parameters) -> str:
    return "".join(f";{key}" if value is True else f";{key}={serialize_bare_item(value)}" for key, value in params)


def serialize_inner_list(inner: InnerList) -> str:
    """RFC 8941 §4.1.1.1: ``(item item ...)`` followed by its parameters."""
    items = " ".join(serialize_bare_item(i.value) + serialize_parameters(i.params) for i in inner.items)
    return f"({items}){serialize_parameters(inner.params)}"
