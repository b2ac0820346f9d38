"""Read YAML with line numbers, so every validation error can name file, line and field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from govkit.errors import InputError

JsonPath = tuple[str | int, ...]


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


def _index(node: yaml.Node, path: JsonPath, lines: dict[JsonPath, int], source: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise InputError(source, f"duplicate key '{key}'",
                                 line=key_node.start_mark.line + 1, field=key)
            seen.add(key)
            _index(value_node, (*path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, (*path, position), lines, source)


def load_yaml(path: Path) -> YamlDocument:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(source, "not UTF-8 text") from None
    return parse_yaml(text, source)


# libyaml's parser when PyYAML was built with it (the wheels are): same nodes, 10x faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, source: str) -> YamlDocument:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[JsonPath, int] = {}
        if node is None:
            return YamlDocument(source, None, lines)
        _index(node, (), lines, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(source, f"invalid YAML: {exc.problem or exc.context}",
                         line=None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as exc:
        raise InputError(source, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return YamlDocument(source, _plain(data), lines)


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
