"""Read a results document without holding it twice: the results are decoded one by one into
``Result`` objects while the file is read in chunks, so a run of 100,000 results (150 MB of
JSON) costs the results themselves, not the parsed text as well.

A results document is one JSON object; its ``results`` member is an array of objects. Every
other member is decoded whole (they are small). Strings that repeat across results (evidence
file names, accounts, rule ids) are shared, not copied per result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from govkit.errors import InputError

CHUNK = 1 << 22  # characters read at a time
_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


class _Reader:
    """A window over the text of a file, refilled as the decoder moves along."""

    def __init__(self, stream: IO[str], path: Path) -> None:
        self.stream, self.path = stream, path
        self.buffer, self.at, self.consumed, self.eof = "", 0, 0, False

    def _fill(self) -> bool:
        if self.eof:
            return False
        more = self.stream.read(CHUNK)
        if not more:
            self.eof = True
            return False
        self.consumed += self.at
        self.buffer = self.buffer[self.at:] + more
        self.at = 0
        return True

    def skip_space(self) -> None:
        while True:
            while self.at < len(self.buffer) and self.buffer[self.at] in _SPACE:
                self.at += 1
            if self.at < len(self.buffer) or not self._fill():
                return

    def peek(self) -> str:
        self.skip_space()
        return self.buffer[self.at] if self.at < len(self.buffer) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            self.fail(f"expected '{char}'")
        self.at += 1

    def value(self) -> Any:
        """The next JSON value, reading more of the file until it is complete."""
        self.skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.at)
            except json.JSONDecodeError:
                if self._fill():
                    continue
                self.fail("not valid JSON")
            if end == len(self.buffer) and not self.eof and self._fill():
                continue  # a number may go on in the next chunk
            self.at = end
            return value

    def fail(self, problem: str) -> Any:
        offset = self.consumed + self.at
        raise InputError(str(self.path), f"{problem} at character {offset}: not a govkit "
                         "results document")


def read_results(path: Path, convert: Callable[[int, dict[str, Any]], Any]
                 ) -> tuple[dict[str, Any], list[Any]]:
    """(every member but ``results``, ``convert(position, item)`` of each result)."""
    try:
        stream = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    with stream:
        reader = _Reader(stream, path)
        head: dict[str, Any] = {}
        converted: list[Any] = []
        reader.expect("{")
        while reader.peek() != "}":
            if head or converted:
                reader.expect(",")
            key = reader.value()
            if not isinstance(key, str):
                reader.fail("expected a member name")
            reader.expect(":")
            if key != "results":
                head[key] = reader.value()
                continue
            converted.extend(_array(reader, convert))
            head["results"] = None
        reader.expect("}")
        if "results" not in head:
            raise InputError(str(path), "not a govkit results document: it has no results",
                             field="results")
        del head["results"]
        return head, converted


def _array(reader: _Reader, convert: Callable[[int, dict[str, Any]], Any]) -> Iterator[Any]:
    reader.expect("[")
    position = 0
    while reader.peek() != "]":
        if position:
            reader.expect(",")
        item = reader.value()
        if not isinstance(item, dict):
            raise InputError(str(reader.path), "not a govkit results document: a result is "
                             "not an object", field=f"results.{position}")
        yield convert(position, _shared(item))
        position += 1
    reader.expect("]")


def _shared(item: dict[str, Any]) -> dict[str, Any]:
    """The result with its repeating strings interned."""
    for key in ("rule_id", "account", "region", "resource_type", "severity", "status"):
        value = item.get(key)
        if isinstance(value, str):
            item[key] = sys.intern(value)
    for key in ("evidence", "controls"):
        values = item.get(key)
        if isinstance(values, list):
            item[key] = [sys.intern(v) if isinstance(v, str) else v for v in values]
    for record in item.get("records") or []:
        if isinstance(record, dict):
            for key in ("file", "attribute"):
                if isinstance(record.get(key), str):
                    record[key] = sys.intern(record[key])
    return item
