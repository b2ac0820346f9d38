"""A seeded sample an auditor can draw again by hand, on any machine.

Each member of the population has a key (for the terminations: the ``person_id`` and
``terminated_at`` cells of terminations.csv). Its rank is the SHA-256 of the UTF-8 text
``seed + "\\n" + key[0] + "\\n" + key[1] ...``, written as 64 lowercase hex digits; the sample
is the ``n`` members with the smallest ranks (ties, which need two equal keys, fall to the
earlier member), reported in population order. All of the population when ``n`` is at least
its size; none when ``n`` is 0.

Why not Python's ``random``: its algorithms and its seeding of strings may change between
versions, and an auditor re-drawing the sample should need nothing but SHA-256, which every
spreadsheet-side tool offers. The same seed gives the same sample everywhere; a different
seed gives, almost always, a different one; each member is equally likely to be chosen.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Sequence

ALGORITHM = "sha256-rank-v1"

DESCRIPTION = (
    "each member's rank is the SHA-256, in lowercase hex, of the UTF-8 text made of the seed "
    "and the member's key fields, each on its own line (joined by line feeds, no final line "
    "feed); the N members with the smallest ranks are the sample (a tie goes to the member "
    "listed first), kept in population order; if N is at least the population, everyone")


def rank(seed: str, key: Sequence[str]) -> str:
    """The rank of one member: SHA-256 over the seed and its key, one per line, in hex."""
    text = "\n".join((seed, *key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_request(size: int | None, seed: str | None) -> tuple[int, str]:
    """The sample size and seed a user asked for, or a ValueError saying what is wrong."""
    if size is None:
        raise ValueError("no sample size was given")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"the sample size must be a whole number of 0 or more, not {size!r}")
    if seed is None or seed == "":
        raise ValueError("a sample needs a seed (--seed): the seed is what lets an auditor "
                         "draw the same sample again")
    if seed != seed.strip() or not seed.isprintable():
        raise ValueError(f"the seed {seed!r} must be printable text with no leading or "
                         "trailing spaces, so that it reads the same where it is recorded")
    return size, seed


def choose(keys: Sequence[Sequence[str]], size: int, seed: str) -> list[int]:
    """The positions in ``keys`` (the population, in order) of the members sampled, in
    population order. Runs in O(P log n) for a population of P."""
    size, seed = check_request(size, seed)
    if size >= len(keys):
        return list(range(len(keys)))
    chosen = heapq.nsmallest(size, ((rank(seed, key), position)
                                    for position, key in enumerate(keys)))
    return sorted(position for _, position in chosen)
