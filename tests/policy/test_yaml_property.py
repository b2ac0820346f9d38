"""Random YAML, hostile shapes included, never crashes the rule or exceptions loader.

Whatever the text, ``load_rule`` and ``load_exceptions`` return, or raise an InputError naming
the file, within a second; a rule that loads also runs its own test cases without crashing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govkit.errors import InputError
from govkit.policy.cases import run_cases
from govkit.policy.exceptions import load_exceptions
from govkit.policy.loader import load_rule
from govkit.policy.model import Rule
from tests.policy.test_yaml_limits import billion_laughs

ODD_SCALARS = ["~", "null", "yes", "No", "on", "0x1F", "0o17", "0b101", "1_000", "1:2:3",
               "190:20:30.5", "-.inf", ".nan", "1e999", "2024-13-45", "2026-01-01",
               "2026-02-30T25:00:00Z", "2026-01-01 10:00:00 +05:00", "<<", "=", "'quoted'",
               '"a\\x00b"', '"\\ud800"', "|", ">", "!", "&", "*", "%", "@", "`", "...", "---",
               "'٢٠٢٤-٠١-٠١'", "9" * 400, "1" + ":1" * 300, "[", "]", "{", "}", ",", "#"]
SCALARS = st.one_of(
    st.sampled_from(ODD_SCALARS),
    st.integers().map(str),
    st.floats().map(repr),
    st.text(max_size=12).map(lambda t: json.dumps(t, ensure_ascii=False)),  # "quoted"
    st.text(alphabet="ab:-?#&*!|>'\"% \t", max_size=8),
)
NAMES = st.sampled_from(["a", "b", "c"])
KEYS = st.one_of(st.sampled_from(["id", "a", "a", "b", "<<", "? x", "1", "true", "null"]),
                 SCALARS)
TAGS = st.sampled_from(["!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!set",
                        "!!omap", "!!pairs", "!!seq", "!!map", "!!timestamp", "!foo",
                        "!!python/object:os.system", "!<tag:yaml.org,2002:merge>"])


def _nested(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    sequences = st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]")
    mappings = st.lists(st.tuples(KEYS, children), max_size=4).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
    anchored = st.tuples(NAMES, children).map(lambda t: f"&{t[0]} {t[1]}")
    tagged = st.tuples(TAGS, children).map(lambda t: f"{t[0]} {t[1]}")
    return st.one_of(sequences, mappings, anchored, tagged)


NODES = st.recursive(st.one_of(SCALARS, NAMES.map(lambda n: f"*{n}")), _nested, max_leaves=20)
INDENTS = st.sampled_from(["", "", "  ", "\t", " ", "- "])
BLOCKS = st.lists(st.tuples(INDENTS, KEYS, NODES), max_size=8).map(
    lambda rows: "".join(f"{indent}{key}: {value}\n" for indent, key, value in rows))


BOMBS = st.builds(billion_laughs, st.integers(0, 12), st.integers(1, 12))
DEEP = st.builds(lambda opener, depth, closer: opener * depth + "x" + closer,
                 st.sampled_from(["[", "{a: ", "- ", "[{a: [", "&a [", "!!seq ["]),
                 st.integers(0, 5_000), st.sampled_from(["", "]", "}" * 50, "]" * 5_000]))
TEXT = st.one_of(BLOCKS, NODES, BOMBS, DEEP, st.text(max_size=200))

RULE = """\
id: fuzz-rule
title: Active access keys are rotated in time
resource: aws.iam.user
severity: medium
parameters:
  max_age:
    type: {type}
    minimum: {minimum}
    maximum: {maximum}
    default: {default}
    description: Days.
assert:
  key: {key}
  op: {op}
  days: {days}
  value: {value}
remediation: Rotate the key, then delete the old one.
controls: ["164.308(a)(5)(ii)(D)"]
tests:
  pass:
    - name: fresh
      parameters: {case}
      resource: {{PasswordLastChanged: "2026-01-01T00:00:00+00:00"}}
  fail:
    - name: old
      resource: {{PasswordLastChanged: "2020-01-01T00:00:00+00:00"}}
"""


# Per field of RULE: the value that loads first (drawn most often), then awkward ones.
RULE_FIELDS = {
    "type": ["integer", "number", "string", "boolean", "string-list"],
    "minimum": ["1", "0", "-5", "1.5"],
    "maximum": ["3650", "1.0e+308", "36501", "99999999999"],
    "default": ["90", "[]", "abc", "true", "99999999999", "0"],
    "key": ["PasswordLastChanged", "'(((PasswordLastChanged)))'",
            "'" + "(" * 600 + "a" + ")" * 600 + "'"],
    "op": ["newer_than", "older_than", "later_than", "ge", "subset_of", "regex", "eq"],
    "days": ["{param: max_age}", "'{param: max_age}'", "{param: other}", "30", "99999999999"],
    "value": ["1", "{param: max_age}", "[a]"],
    "case": ["{max_age: 30}", "{max_age: abc}", "{other: 1}", "{}", "{max_age: -30}"],
}


@st.composite
def _rules(draw: st.DrawFn) -> str:
    """A rule file with a parameter: up to two fields awkward or random, the rest sensible."""
    values = {name: options[0] for name, options in RULE_FIELDS.items()}
    for name in draw(st.sets(st.sampled_from(sorted(RULE_FIELDS)), max_size=2)):
        values[name] = draw(st.one_of(st.sampled_from(RULE_FIELDS[name][1:]), NODES))
    return RULE.format(**values)


def _either(sensible: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(sensible), NODES)


EXCEPTIONS = """\
exceptions:
  - rule: {rule}
    resource: {resource}
    owner: infra@example.org
    reason: {reason}
    ticket: INFRA-12
    expires: {expires}
"""
EXCEPTION_FILES = st.builds(
    EXCEPTIONS.format, rule=_either(["volume-encrypted", "'*'"]),
    resource=_either(['"arn:aws:ec2:*:volume/vol-legacy*"']),
    reason=_either(["Legacy volumes retire with the PACS migration."]),
    expires=_either(["2027-03-31", "'2027-03-31'", "2027-02-30", "'2027-02-30'", "next year"]))


def _within_a_second(load: Callable[[Path], object], path: Path) -> object:
    """Loads or refuses ``path`` promptly: well under a second on a quiet machine; the bound
    asserted is ten seconds, so a loaded CI worker does not fail it while a runaway parse
    (minutes, or memory exhausted) still does."""
    started = time.perf_counter()
    try:
        loaded = load(path)
    except InputError as exc:
        loaded = exc
        assert str(path) in str(exc)
    assert time.perf_counter() - started < 10.0
    return loaded


FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _files(texts: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """The texts as UTF-8, and random bytes (often not UTF-8)."""
    return st.one_of(texts.map(str.encode), st.binary(max_size=200))


@FUZZ
@given(content=_files(st.one_of(TEXT, _rules())))
def test_load_rule_never_crashes(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "access" / "fuzz-rule.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    rule = _within_a_second(lambda p: load_rule(p, "access"), path)
    if isinstance(rule, Rule):
        run_cases(rule)  # a rule that loads must also evaluate


@FUZZ
@given(content=_files(st.one_of(TEXT, EXCEPTION_FILES)))
def test_load_exceptions_never_crashes(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_bytes(content)
    _within_a_second(load_exceptions, path)
