"""Accepted risks. Each exception names a rule, a resource (or pattern), an owner, a reason, a
ticket and an expiry; it turns a FAIL into WAIVED until it expires, and is then reported."""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from govkit import schemas
from govkit.errors import InputError
from govkit.policy.yamlfile import load_yaml, validate


@dataclass(frozen=True, kw_only=True)
class RiskException:
    rule: str
    resource: str
    owner: str
    reason: str
    ticket: str
    expires: dt.date
    source: str = ""

    def matches(self, rule_id: str, resource_id: str) -> bool:
        # a Terraform address names itself with brackets (aws_s3_bucket.x[0]), which a
        # pattern would read as a character class: an exact match comes first
        return fnmatch.fnmatchcase(rule_id, self.rule) and \
            (resource_id == self.resource or fnmatch.fnmatchcase(resource_id, self.resource))

    def expired(self, now: dt.datetime) -> bool:
        return self.expires < now.date()

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "resource": self.resource, "owner": self.owner,
                "reason": self.reason, "ticket": self.ticket,
                "expires": self.expires.isoformat(), "source": self.source}


def load_exceptions(path: Path) -> tuple[RiskException, ...]:
    doc = load_yaml(path)
    if doc.data is None:
        raise InputError(doc.path, "empty exceptions file: it needs 'exceptions: [...]'", line=1)
    validate(doc, schemas.load("exceptions"))
    found = []
    for position, item in enumerate(doc.data["exceptions"]):
        try:
            expires = dt.date.fromisoformat(item["expires"])
        except ValueError:
            raise InputError(doc.path, f"not a date: {item['expires']}", field="expires",
                             line=doc.line_of(("exceptions", position, "expires"))) from None
        line = doc.line_of(("exceptions", position))
        found.append(RiskException(rule=item["rule"], resource=item["resource"],
                                   owner=item["owner"], reason=item["reason"],
                                   ticket=item["ticket"], expires=expires,
                                   source=f"{path.name}:{line}"))
    return tuple(found)
