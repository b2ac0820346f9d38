"""The sources a run is normalised with. Adding a source adds its line here."""

from __future__ import annotations

from govkit.sources.aws import normalize as aws
from govkit.sources.interface import Normalizer

NORMALIZERS: tuple[Normalizer, ...] = (aws.normalize,)
