"""Finding a parameter named twice: in a query string or form body, among a form's fields, or in
a JSON object at any depth.

A request that names a parameter twice is refused everywhere (issue 6): which of the two values
counts differs between parsers (JSON and the wire keep the last, forms the first, proxies and
WAFs either), so an amount checked by one layer could be another amount for the next. The checks
here are cheap on the hot path: a query string without `&` or a JSON body whose strings are all
different is answered without parsing anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

# Each name of a query string: what stands between the start or an `&` and the next `=` or `&`.
_NAMES = re.compile(r"(?:^|&)([^=&]+)")


class RepeatedName(ValueError):
    """A parameter is given more than once; `name` is the first such name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"{name} is given more than once")


def repeated_in_query(query: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first name given twice in `a=1&b=2` (a query string or a form-encoded body), blank
    values included (`a=&a=1` names `a` twice), names compared after percent-decoding; names in
    `allowed` may repeat (list parameters)."""
    if "&" not in query:
        return None
    names = _NAMES.findall(query)
    if len(set(names)) == len(names) and "%" not in query and "+" not in query:
        return None
    return repeated(_decoded(names), allowed)


def names_in_query(query: str) -> set[str]:
    """Every name of a query string or form body (blank values included), percent-decoded."""
    return set(_decoded(_NAMES.findall(query)))


def _decoded(names: list[str]) -> Iterable[str]:
    for name in names:
        yield unquote_plus(name) if "%" in name or "+" in name else name


def repeated(names: Iterable[str], allowed: frozenset[str] = frozenset()) -> str | None:
    """The first of `names` seen before (and not in `allowed`)."""
    seen: set[str] = set()
    for name in names:
        if name in seen and name not in allowed:
            return name
        seen.add(name)
    return None


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        name = repeated(name for name, _ in pairs)
        raise RepeatedName(name or "")
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_refuse_repeats)  # one scanner, built once


def loads(document: str | bytes) -> Any:
    """`json.loads`, refusing an object (at any depth) that names a key twice with RepeatedName
    (a ValueError, like every other refusal of json.loads)."""
    if isinstance(document, bytes):
        document = document.decode(json.detect_encoding(document), "surrogatepass")
    elif document.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", document, 0)
    return _DECODER.decode(document)


def repeated_in_json(body: bytes) -> str | None:
    """The first key named twice in one object of the JSON document `body`, or None (also when
    `body` is not JSON at all: whoever parses it next refuses it).

    In a UTF-8 document without escapes, every string is an odd piece of `body.split(b'"')`;
    a key named twice is a string that occurs twice, so when all the strings differ there is
    nothing to parse (the usual case: a handful of distinct keys and values, checked in C, in
    about a third of the time of a parse). Otherwise (a string repeats, an escape, UTF-16/32)
    the body is parsed with a hook on every object."""
    head = body[:4]
    if b"\\" not in body and b"\x00" not in head and not head.startswith(_UTF16_BOMS):
        strings = body.split(b'"')[1::2]
        if len(set(strings)) == len(strings):
            return None
    try:
        loads(body)
    except RepeatedName as error:
        return error.name
    except (ValueError, RecursionError):
        return None
    return None


# A JSON document starts with ASCII, so in UTF-16/32 one of its first bytes is NUL or a BOM.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
