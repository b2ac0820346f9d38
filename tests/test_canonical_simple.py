"""The fast canonical path writes exactly what RFC 8785 does, whenever it is taken."""

from __future__ import annotations

import json
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit import canonical

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.none() | st.booleans() | st.integers(min_value=-(2 ** 60), max_value=2 ** 60) | \
    st.floats(allow_nan=False, allow_infinity=False) | texts
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) |
                         st.dictionaries(texts, inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_a_simple_answer_is_written_as_rfc_8785_writes_it(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    parsed, simple = canonical.loads_simple(text)
    assert parsed == json.loads(text)
    # the fast path is taken exactly when the value allows it, not merely never
    assert simple == canonical.is_simple(parsed)
    if simple:
        assert canonical.dumps_simple(parsed) == rfc8785.dumps(parsed)
        assert canonical.is_simple(parsed)


def test_what_makes_an_answer_not_simple() -> None:
    assert canonical.loads_simple('{"a": [1, "b", null, true]}') == \
        ({"a": [1, "b", None, True]}, True)
    # each of these is written differently by RFC 8785 and by json.dumps, or may be
    assert not canonical.loads_simple('{"hours": 1e-7}')[1]
    assert not canonical.loads_simple('{"n": 1.0}')[1]
    assert not canonical.loads_simple('{"id": 9007199254740993}')[1]
    assert not canonical.loads_simple('{"\\ud83d\\ude00": 1}')[1]
    assert not canonical.loads_simple('{"\U0001f600": 1, "\ufb01": 2}')[1]
    assert not canonical.is_simple({"n": 2.5})
    assert not canonical.is_simple({"\U0001f600": 1})
