"""The data an Okta emulator serves: users, groups, apps, factors, admin role holders and
System Log events, as plain dataclasses that render themselves in the Management API's JSON
shapes (``to_api``). Tests and the demo build an :class:`OktaDirectory` and hand it to
``govkit.demo.idp.okta.OktaServer``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

EPOCH = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone.utc)  # when the sample org was made


def stamp(value: dt.datetime | None) -> str | None:
    """Okta's timestamp form: ``2025-01-06T09:00:00.000Z``."""
    if value is None:
        return None
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True, kw_only=True)
class OktaUser:
    id: str
    login: str
    status: str = "ACTIVE"
    first_name: str = ""
    last_name: str = ""
    email: str | None = None  # defaults to the login
    second_email: str | None = None
    employee_number: str | None = None
    user_type: str | None = None
    organization: str | None = None
    department: str | None = None
    created: dt.datetime = EPOCH
    status_changed: dt.datetime | None = None
    last_login: dt.datetime | None = None

    def to_api(self, base: str) -> dict[str, Any]:
        staged = self.status in ("STAGED", "PROVISIONED")
        profile = {"login": self.login, "email": self.email or self.login,
                   "firstName": self.first_name, "lastName": self.last_name,
                   "secondEmail": self.second_email, "employeeNumber": self.employee_number,
                   "userType": self.user_type, "organization": self.organization,
                   "department": self.department}
        return {"id": self.id, "status": self.status, "created": stamp(self.created),
                "activated": None if staged else stamp(self.created),
                "statusChanged": stamp(self.status_changed or self.created),
                "lastLogin": stamp(self.last_login),
                "lastUpdated": stamp(max(filter(None, (self.created, self.status_changed,
                                                       self.last_login)))),
                "passwordChanged": stamp(self.created), "transitioningToStatus": None,
                "type": {"id": "oty1defaultusertype"},
                "profile": {k: v for k, v in profile.items() if v is not None},
                "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
                "_links": {"self": {"href": f"{base}/api/v1/users/{self.id}"}}}


@dataclass(frozen=True, kw_only=True)
class OktaGroup:
    id: str
    name: str
    members: tuple[str, ...] = ()  # user ids
    description: str = ""
    type: str = "OKTA_GROUP"
    created: dt.datetime = EPOCH

    def to_api(self, base: str) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "created": stamp(self.created),
                "lastUpdated": stamp(self.created),
                "lastMembershipUpdated": stamp(self.created), "objectClass": ["okta:user_group"],
                "profile": {"name": self.name, "description": self.description},
                "_links": {"users": {"href": f"{base}/api/v1/groups/{self.id}/users"}}}


@dataclass(frozen=True, kw_only=True)
class OktaApp:
    id: str
    label: str
    users: tuple[str, ...] = ()  # assigned directly (scope USER)
    groups: tuple[str, ...] = ()  # assigned through these groups (scope GROUP)
    name: str = "oidc_client"
    status: str = "ACTIVE"
    sign_on_mode: str = "OPENID_CONNECT"

    def to_api(self, base: str) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "label": self.label, "status": self.status,
                "signOnMode": self.sign_on_mode, "created": stamp(EPOCH),
                "lastUpdated": stamp(EPOCH),
                "_links": {"users": {"href": f"{base}/api/v1/apps/{self.id}/users"}}}


@dataclass(frozen=True, kw_only=True)
class OktaFactor:
    id: str
    factor_type: str  # push, token:software:totp, sms, webauthn, u2f, signed_nonce, ...
    status: str = "ACTIVE"
    provider: str = "OKTA"

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "factorType": self.factor_type, "provider": self.provider,
                "vendorName": self.provider, "status": self.status,
                "created": stamp(EPOCH), "lastUpdated": stamp(EPOCH), "profile": {}}


@dataclass(frozen=True, kw_only=True)
class OktaLogEvent:
    uuid: str
    published: dt.datetime
    event_type: str
    target: OktaUser
    actor_login: str = "it.admin@example.org"
    actor_id: str = "00uadmin0000000000"

    def to_api(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "published": stamp(self.published),
                "eventType": self.event_type, "version": "0", "severity": "INFO",
                "displayMessage": self.event_type, "legacyEventType": None,
                "actor": {"id": self.actor_id, "type": "User", "alternateId": self.actor_login,
                          "displayName": self.actor_login},
                "outcome": {"result": "SUCCESS", "reason": None},
                "client": {"ipAddress": "203.0.113.10"},
                "target": [{"id": self.target.id, "type": "User",
                            "alternateId": self.target.login,
                            "displayName": self.target.login}]}


@dataclass
class OktaDirectory:
    """The org an :class:`OktaServer` serves; change it between requests as a test needs."""

    users: list[OktaUser] = field(default_factory=list)
    groups: list[OktaGroup] = field(default_factory=list)
    apps: list[OktaApp] = field(default_factory=list)
    factors: dict[str, list[OktaFactor]] = field(default_factory=dict)  # by user id
    admins: list[str] = field(default_factory=list)  # user ids holding an admin role
    events: list[OktaLogEvent] = field(default_factory=list)

    def user(self, user_id: str) -> OktaUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    def enrol(self, user_id: str, *factor_types: str) -> None:
        """Give a user ACTIVE factors of these types."""
        own = self.factors.setdefault(user_id, [])
        own += [OktaFactor(id=f"fct{user_id[-6:]}{len(own) + n}", factor_type=kind)
                for n, kind in enumerate(factor_types)]

    def log(self, user: OktaUser, event_type: str, at: dt.datetime) -> None:
        """Record a System Log event about ``user`` (e.g. user.lifecycle.deactivate)."""
        self.events.append(OktaLogEvent(uuid=f"evt{len(self.events):08d}", published=at,
                                        event_type=event_type, target=user))
