"""The sources a run is collected from and normalised with. Adding a source adds its line
here: AWS, which the scan request drives, and the sources each named by one section of the
configuration file."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from govkit.sources import entra, google, hr, okta, register, reviews, roles, vendors
from govkit.sources import citrix
from govkit.sources import avd
from govkit.sources.aws import eligible, normalize as aws
from govkit.sources.interface import Normalizer


@dataclass(frozen=True)
class SourceKind:
    """A source configured by one section of the configuration file; ``module`` exports
    SCHEMA_FILE, settings_from, collect and normalize (see govkit.sources.interface)."""

    section: str
    module: ModuleType
    dated: bool = False  # reads date-only values, so settings_from takes default_timezone


SOURCES: tuple[SourceKind, ...] = (
    SourceKind("okta", okta),
    SourceKind("entra", entra),
    SourceKind("google", google),
    SourceKind("hr", hr, dated=True),
    SourceKind("vendors", vendors, dated=True),
    SourceKind("role_matrix", roles),
    SourceKind("access_reviews", reviews, dated=True),
    SourceKind("vendor_register", register),
    SourceKind("citrix", citrix),
    SourceKind("avd", avd),
)

NORMALIZERS: tuple[Normalizer, ...] = (aws.normalize, eligible.normalize,
                                       *(s.module.normalize for s in SOURCES))
