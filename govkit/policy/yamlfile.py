"""Read YAML with line numbers, so every validation error can name file, line and field.

Hostile input is refused before it costs time or memory:

- a file over ``MAX_BYTES``, seen with stat before reading;
- more than ``MAX_NODES`` values, or nesting deeper than ``MAX_DEPTH`` levels (the walks after
  composing recurse), counted as the composer builds each node, and again with aliases
  expanded before anything expands them: a "billion laughs" is a few hundred bytes;
- a number too long to convert in linear time, or a value YAML accepts but Python cannot
  build (2026-02-30, ``!!int ""``): YAML errors with a line, not Python exceptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from govkit.errors import InputError

JsonPath = tuple[str | int, ...]

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 100
# int() is quadratic in the digits (and sexagesimal 1:2:3... more so); Python refuses 4,300.
MAX_NUMBER_CHARS = 1_000


@dataclass(frozen=True)
class YamlDocument:
    path: str
    data: Any
    lines: dict[JsonPath, int]

    def line_of(self, where: Sequence[str | int]) -> int | None:
        """The line of ``where``, or of its nearest parent that has one."""
        location = tuple(where)
        while True:
            if location in self.lines:
                return self.lines[location]
            if not location:
                return None
            location = location[:-1]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class _Refused(Exception):
    """Why a text is not acceptable, and where; the caller adds which file or option."""

    def __init__(self, message: str, *, line: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field


def _index(node: yaml.Node, path: JsonPath, lines: dict[JsonPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused("a mapping key must be a plain value, not a list or mapping",
                               line=key_node.start_mark.line + 1)
            key = str(key_node.value)
            if key in seen:
                raise _Refused(f"duplicate key '{key}'", line=key_node.start_mark.line + 1,
                               field=key)
            seen.add(key)
            _index(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, (*path, position), lines)


def load_yaml(path: Path) -> YamlDocument:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_big(source)
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)  # a file that grew, or a device, is still bounded
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise _too_big(source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "not UTF-8 text") from None
    return parse_yaml(text, source)


def _too_big(source: str) -> InputError:
    return InputError(source, f"file is larger than {MAX_BYTES // 2**20} MiB, the limit for "
                      "a YAML file")


# libyaml's parser when PyYAML was built with it (the wheels are): same nodes, 10x faster.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loading that stops early on a document too large or too deep.

    Both of PyYAML's composers (libyaml's and the pure-Python one) call ``descend_resolver``
    before they build a node, and ``ascend_resolver`` after: counting there bounds the nodes
    built and the nesting before the composer recurses any deeper. Aliases reuse a node
    without these calls; ``_check_expansion`` counts what they add.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.nodes = 0
        self.level = 0

    def descend_resolver(self, current_node: yaml.Node | None, current_index: Any) -> None:
        self.nodes += 1
        self.level += 1
        if self.nodes > MAX_NODES:
            raise _Refused(f"the document holds more than {MAX_NODES:,} values, the limit "
                           "for a YAML input", line=_line(current_node))
        if self.level > MAX_DEPTH:
            raise _Refused(f"lists and mappings nested more than {MAX_DEPTH} levels deep",
                           line=_line(current_node))

    def ascend_resolver(self) -> None:
        self.level -= 1


def _line(node: yaml.Node | None) -> int:
    return 1 if node is None else node.start_mark.line + 1


def _checked(construct: Callable[[SafeConstructor, yaml.Node], Any]
             ) -> Callable[[SafeConstructor, yaml.Node], Any]:
    """A scalar constructor whose Python errors (``!!int ""``, 2026-02-30, a 5,000-digit
    int) become YAML errors with a line."""
    def checked(loader: SafeConstructor, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return construct(loader, node)  # PyYAML's own error: "expected a scalar node"
        kind = node.tag.rpartition(":")[2]
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        if len(node.value) > MAX_NUMBER_CHARS:
            raise ConstructorError(None, None, f"{kind} '{shown}' is longer than "
                                   f"{MAX_NUMBER_CHARS} characters (quote it if it is text)",
                                   node.start_mark)
        try:
            return construct(loader, node)
        except (ValueError, OverflowError, IndexError, KeyError, AttributeError) as exc:
            why = f": {exc}" if isinstance(exc, (ValueError, OverflowError)) else ""
            raise ConstructorError(None, None, f"invalid {kind} '{shown}'{why}",
                                   node.start_mark) from None
    return checked


for _kind in ("int", "float", "bool", "timestamp"):
    _tag = f"tag:yaml.org,2002:{_kind}"
    _Loader.add_constructor(_tag, _checked(SafeConstructor.yaml_constructors[_tag]))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases would expand it past MAX_NODES values or MAX_DEPTH
    levels, or that contains itself; linear in the distinct nodes, without recursion."""
    size: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded
    height: dict[int, int] = {}  # id(node) -> levels it spans, aliases expanded
    on_path: set[int] = set()  # lists and mappings entered and not yet summed up
    pending: list[tuple[yaml.Node, yaml.Node | None, list[yaml.Node] | None]] = [
        (root, None, None)]
    while pending:
        node, parent, children = pending.pop()
        key = id(node)
        if children is not None:  # every child summed up: now this node
            size[key] = 1 + sum(size[id(child)] for child in children)
            height[key] = 1 + max((height[id(child)] for child in children), default=0)
            on_path.discard(key)
            if size[key] > MAX_NODES:
                raise _Refused(f"the aliases in this list or mapping expand it to more than "
                               f"{MAX_NODES:,} values, the limit for a YAML input",
                               line=_line(node))
            if height[key] > MAX_DEPTH:
                raise _Refused(f"the aliases in this list or mapping nest it more than "
                               f"{MAX_DEPTH} levels deep", line=_line(node))
        elif key in size:
            continue  # an alias to a node already summed up
        elif isinstance(node, yaml.ScalarNode):
            size[key] = height[key] = 1
        elif key in on_path:
            raise _Refused("an alias here refers to a list or mapping that contains it",
                           line=_line(parent))
        else:
            children = _children(node)
            on_path.add(key)
            pending.append((node, parent, children))
            pending.extend((child, node, None) for child in children)


def parse_yaml(text: str, source: str) -> YamlDocument:
    if len(text) > MAX_BYTES:
        raise _too_big(source)
    try:
        data, lines = _read(text)
    except _Refused as exc:
        raise InputError(source, exc.message, line=exc.line, field=exc.field) from None
    return YamlDocument(source, data, lines)


def parse_value(text: str) -> Any:
    """One value a user typed (``--param NAME=VALUE``), read as YAML with a file's limits; a
    date stays the text typed. ValueError says what is wrong with it."""
    if len(text) > MAX_BYTES:
        raise ValueError(f"longer than {MAX_BYTES // 2**20} MiB")
    try:
        return _read(text)[0]
    except _Refused as exc:
        raise ValueError(exc.message) from None


def _read(text: str) -> tuple[Any, dict[JsonPath, int]]:
    try:
        loader = _Loader(text)
    except UnicodeEncodeError:  # lone surrogates: only text that did not come from a file
        raise _Refused("not valid Unicode text") from None
    except yaml.YAMLError as exc:  # the pure-Python reader checks every character first
        raise _refusal(exc, text) from None
    try:
        node = loader.get_single_node()
        lines: dict[JsonPath, int] = {}
        if node is None:
            return None, lines
        if "&" in text:  # without an anchor there is no alias: the composer counted it all
            _check_expansion(node)
        _index(node, (), lines)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _refusal(exc, text) from None
    finally:
        loader.dispose()
    return _plain(data), lines


def _refusal(exc: yaml.YAMLError, text: str) -> _Refused:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        context = exc.context
        if context and exc.context_mark and mark and exc.context_mark.line != mark.line:
            context += f" (line {exc.context_mark.line + 1})"
        said = ": ".join(part for part in (context, exc.problem) if part)
        return _Refused(f"invalid YAML: {said}", line=None if mark is None else mark.line + 1)
    if isinstance(exc, yaml.reader.ReaderError):
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or " ")
        return _Refused(f"invalid YAML: {exc.reason} (character #x{code:04x})",
                        line=text.count("\n", 0, exc.position) + 1)
    return _Refused(f"invalid YAML: {exc}")


def validate(document: YamlDocument, schema: dict[str, Any]) -> None:
    """Raise an InputError for the first (most specific) schema violation."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document.data),
                    key=lambda e: (-len(e.absolute_path), str(e.absolute_path)))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    where: list[str | int] = list(error.absolute_path)
    message = _describe(error)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set((error.schema or {}).get("properties") or {})
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            where.append(extra[0])
            message = f"unknown field '{extra[0]}'"
    field = ".".join(str(p) for p in where) or None
    raise InputError(document.path, message, line=document.line_of(where), field=field)


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return str(deepest.message)
    return str(error.message)


def load_named(path: Path, schema: dict[str, Any], what: str, keys: str) -> YamlDocument:
    """A YAML file holding one mapping, valid against ``schema``, whose ``id`` is its file
    name (a profile, a crosswalk); ``what`` and ``keys`` word the error for anything else."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(doc.path, f"a {what} must hold one mapping ({keys})", line=1)
    validate(doc, schema)
    if doc.data["id"] != path.stem:
        raise InputError(doc.path, f"{what} id '{doc.data['id']}' must match the file name "
                         f"'{path.stem}'", line=doc.line_of(("id",)), field="id")
    return doc
