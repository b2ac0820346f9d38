"""One scan run as many jobs: which partition of the work a shard owns.

The work of an AWS scan is a set of units, one per account, region (``global`` for IAM, S3
and Artifact, collected once per account) and service. Shard ``i`` of ``n`` owns the units
whose sha256 of ``account/region/service`` falls to it, so the partition is the same on every
machine and in every run, and needs no coordination; the sources collected once per scan
(identity providers, HR and rosters, the vendor register, Identity Center) belong to shard 1.
Every shard makes the few calls that decide the work (the enabled regions, the
organisation's accounts) and records them; the merge keeps one copy.

Job engines number their array members from 0: ``--shard N`` (a count alone) takes the index
from ``JOB_COMPLETION_INDEX`` (a Kubernetes indexed Job), ``AWS_BATCH_JOB_ARRAY_INDEX`` (an
AWS Batch array job) or ``GOVKIT_SHARD_INDEX``, plus one.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govkit.errors import UsageError

INDEX_VARIABLES = ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "GOVKIT_SHARD_INDEX")
MAX_SHARDS = 1024
_SPEC = re.compile(r"^(?:(\d+)/)?(\d+)$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1 .. count
    count: int

    @classmethod
    def parse(cls, text: str, environ: Mapping[str, str] | None = None) -> Shard:
        """``I/N``, or ``N`` with the (0-based) index from a job engine's variable."""
        found = _SPEC.match(text.strip())
        if found is None:
            raise UsageError(f"--shard expects I/N (e.g. 2/8) or N with the index in "
                             f"{', '.join(INDEX_VARIABLES)}; got '{text}'")
        count = int(found.group(2))
        if not 1 <= count <= MAX_SHARDS:
            raise UsageError(f"--shard: the number of shards must be 1 to {MAX_SHARDS}, "
                             f"not {count}")
        if found.group(1) is not None:
            index = int(found.group(1))
        else:
            environ = os.environ if environ is None else environ
            name = next((n for n in INDEX_VARIABLES if environ.get(n, "").strip()), None)
            if name is None:
                raise UsageError(f"--shard {count} takes its index from "
                                 f"{', '.join(INDEX_VARIABLES)}, and none is set; give I/N")
            value = environ[name].strip()
            if not value.isdigit():
                raise UsageError(f"{name} is '{value}', not a job index (0, 1, ...)")
            index = int(value) + 1
        if not 1 <= index <= count:
            raise UsageError(f"--shard: index {index} is outside 1..{count}")
        return cls(index, count)

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, account: str, region: str, service: str) -> bool:
        """Whether this shard collects ``service`` in ``account`` and ``region``."""
        return owner(account, region, service, self.count) == self.index

    @property
    def owns_singletons(self) -> bool:
        """Whether this shard collects what a scan collects once (non-AWS sources, Identity
        Center)."""
        return self.index == 1

    def to_json(self, scan: str) -> dict[str, Any]:
        return {"index": self.index, "count": self.count, "scan": scan}


def owner(account: str, region: str, service: str, count: int) -> int:
    """The shard (1-based) that owns a unit of work."""
    digest = hashlib.sha256(f"{account}/{region}/{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
