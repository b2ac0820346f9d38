"""Hostile YAML is refused quickly, with the file and line, before it costs time or memory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from govkit.errors import InputError
from govkit.policy.exceptions import load_exceptions
from govkit.policy.loader import load_catalogue, load_rule
from govkit.policy.yamlfile import MAX_BYTES, MAX_DEPTH, MAX_NODES, parse_value, parse_yaml


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """Anchors referencing anchors: ``width ** levels`` strings from a few hundred bytes."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@contextmanager
def refused(path: Path | str, *,
            within: float = 0.5) -> Iterator[pytest.ExceptionInfo[InputError]]:
    """The block raises an InputError naming ``path``, promptly. ``within`` is what the
    refusal takes on a quiet machine; the bound asserted is twenty times that (at least ten
    seconds), so a loaded CI worker does not fail it, while an unbounded expansion, which
    would take minutes or exhaust memory, still does."""
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        yield caught
    assert time.perf_counter() - started < max(within * 20, 10.0)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


def rule_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "access" / "hostile-rule.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_billion_laughs_is_refused_at_the_alias(tmp_path: Path) -> None:
    path = rule_file(tmp_path, billion_laughs())
    with refused(path) as caught:
        load_rule(path, "access")
    error = caught.value
    assert error.line == 5  # a4 = [*a3, ...]: 10**5 strings, the first list over the limit
    assert "aliases in this list or mapping expand it to more than 100,000 values" in str(error)


def test_billion_laughs_in_an_exceptions_file(tmp_path: Path) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_text(billion_laughs(levels=30, width=2))
    with refused(path):
        load_exceptions(path)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = rule_file(tmp_path, "")
    with path.open("w") as stream:
        stream.write("description: >\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(5 * 1024):  # 5 MiB
            stream.write(line)
    assert path.stat().st_size > MAX_BYTES
    with refused(path, within=0.1) as caught:
        load_rule(path, "access")
    assert "larger than 4 MiB" in str(caught.value)


@pytest.mark.parametrize("text", [
    "[" * 10_000 + "]" * 10_000,
    "[" * 10_000,
    "{a: " * 10_000 + "}" * 10_000,
    "- " * 10_000 + "x\n",
    "".join(" " * level + "a:\n" for level in range(MAX_DEPTH + 5)),
], ids=["flow-sequences", "unclosed", "flow-mappings", "block-sequences", "block-mappings"])
def test_deep_nesting_is_refused(tmp_path: Path, text: str) -> None:
    path = rule_file(tmp_path, text)
    with refused(path) as caught:
        load_rule(path, "access")
    assert caught.value.line is not None
    assert "nest" in str(caught.value)


def test_aliases_count_towards_the_depth(tmp_path: Path) -> None:
    """Twenty anchors each ten levels deep, each holding the previous: 200 levels."""
    nested = "".join(f"a{i}: &a{i} " + "[" * 10 + (f"*a{i - 1}" if i else "x") + "]" * 10 + "\n"
                     for i in range(20))
    with refused("deep.yaml") as caught:
        parse_yaml(nested, "deep.yaml")
    assert caught.value.line == 10  # a9: the root, its own 10 levels and a8's 90 make 101
    assert "aliases in this list or mapping nest it more than 100 levels" in str(caught.value)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: &a [1, *a]\n", 1, "an alias here refers to a list or mapping that contains it"),
    ("a: &a {b: 1,\n  <<: *a}\n", 1, "an alias here refers to a list or mapping that contains"),
    ("a: 1\nb: *nowhere\n", 2, "found undefined alias"),
    ("a: &x 1\nb: &x 2\n", 2, "found duplicate anchor; first occurrence (line 1)"),
    ("a: 1\n---\nb: 2\n", 2, "expected a single document in the stream (line 1)"),
    ("a: 1" + ":1" * 200_000 + "\n", 1, "longer than 1000 characters"),
    ("a: " + "7" * 5_000 + "\n", 1, "longer than 1000 characters"),
    ("a: 1" + ":1" * 300 + ".5\n", 1, "invalid float"),
    ("a: 2024-13-45\n", 1, "invalid timestamp '2024-13-45': month must be in 1..12"),
    ("a: !!int ''\n", 1, "invalid int ''"),
    ("a: !!bool maybe\n", 1, "invalid bool 'maybe'"),
    ("a: !!python/object:os.system ls\n", 1, "could not determine a constructor"),
    ("? [a, b]\n: c\n", 1, "a mapping key must be a plain value"),
    ("a: 1\nb: \x07\n", 2, "control characters are not allowed"),
])
def test_malformed_documents_name_the_line(text: str, line: int, words: str) -> None:
    with refused("doc.yaml") as caught:
        parse_yaml(text, "doc.yaml")
    assert caught.value.line == line
    assert words in str(caught.value)


def test_a_flat_document_over_the_node_limit() -> None:
    with refused("wide.yaml", within=3.0) as caught:
        parse_yaml("[" + "1, " * MAX_NODES + "1]", "wide.yaml")
    assert "holds more than 100,000 values" in str(caught.value)


def test_modest_aliases_and_merges_still_load() -> None:
    document = parse_yaml("base: &base {owner: infra, ticket: T-1}\n"
                          "first: {<<: *base, ticket: T-2}\n"
                          "list: &l [1, 2]\n"
                          "again: *l\n", "ok.yaml")
    assert document.data == {"base": {"owner": "infra", "ticket": "T-1"},
                             "first": {"owner": "infra", "ticket": "T-2"},
                             "list": [1, 2], "again": [1, 2]}
    assert document.line_of(("again", 1)) == 3  # an alias's items have the anchor's lines


def test_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = rule_file(tmp_path, "")
    path.write_bytes(b"id: \xff\xfe\n")
    with refused(path, within=0.1) as caught:
        load_rule(path, "access")
    assert "not UTF-8" in str(caught.value)


def test_a_folder_named_like_a_rule_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "access" / "folder-rule.yaml"
    path.mkdir(parents=True)
    with refused(path, within=0.1) as caught:
        load_rule(path, "access")
    assert "cannot read" in str(caught.value)


@pytest.mark.parametrize(("controls", "words"), [
    ("controls: [just-a-string]", "a control must be a mapping"),
    ("controls:\n  - {id: c, citation: c, title: c, requirement: required, rules: 5}",
     "'rules' must be a list of rule ids"),
    ("controls:\n  - {id: c, citation: c, title: c, requirement: required, rules: [[x]]}",
     "'rules' must be a list of rule ids"),
])
def test_catalogue_shapes(tmp_path: Path, controls: str, words: str) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(f"id: c\ntitle: C\n{controls}\n")
    with refused(path) as caught:
        load_catalogue(path)
    assert words in str(caught.value)


@pytest.mark.parametrize(("text", "value"), [
    ("90", 90), ("abc", "abc"), ("[1, 2]", [1, 2]), ("2024-01-01", "2024-01-01"),
    ("", None), ("'007'", "007"), ("99999999999", 99999999999),
])
def test_parse_value_reads_yaml(text: str, value: object) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize("text", [
    "[1,", "9" * 5_000, "[" * 5_000, "2024-13-45", "a: &a [*a]", "*x", "a\x00",
    "\ud800",
])
def test_parse_value_refuses_with_a_reason(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"\w"):
        parse_value(text)
    assert time.perf_counter() - started < 0.5
