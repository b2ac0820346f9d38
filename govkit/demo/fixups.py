"""Set, on moto's in-memory backends, what no AWS API can set: ages, last use, device access.

This only works when the moto server runs in this process (`govkit.demo.server.MotoServer`),
after `govkit.demo.estate.seed_estate` with the same `scale`. Times are relative to `now`.

IAM, for every account unit (unit 0 names; unit k+1 uses `jsmith{k+1}.nbh`, `-{k+1}`, ...):

- `jsmith.nbh`, `mgarcia.nbh`, `akhan.nbh`: created 730 days ago, password last used 1, 2 and
  5 days ago (active staff); `mgarcia.nbh`'s key created 30 days ago, used yesterday;
- `lchen.nbh`: created 730 days ago, password last used 300 days ago (dormant);
- `rpatel.nbh`: created 730 days ago; key 1 created 400 days ago and used 3 days ago (not
  rotated); key 2 created 250 days ago and last used 200 days ago (unused);
- `tnguyen.nbh`: created, with its console password, 100 days ago; password never used;
- `svc-claims-export`: created 120 days ago; its key created 120 days ago, never used;
- `meridian-agent-1..3`: created 200 days ago, password last used 1, 3 and 2 days ago;
- `meridian-agent-4`: created 200 days ago, password last used 2 days ago, after its
  `vendor_access_end` tag (21 days before `now`): a sign-in after offboarding.

The credential report is built from these attributes when it is read: `user_creation_time` and
`password_last_changed` from the user's `create_date` (moto keeps no separate login profile
date, so `get_login_profile` shows it too), `password_last_used` from `password_last_used`,
`access_key_N_last_rotated` and `access_key_N_last_used_date` from each key's `create_date` and
`last_used` (also what `get_access_key_last_used` returns).

EC2, in every region: each `nbh-fax-gateway-n` instance was launched 400 days ago (the other
instances keep the time they were launched at); `nbh-ehr-interface-n` and `nbh-rx-signing-n`
have Nitro Enclaves enabled, which moto accepts on launch but does not keep.

WorkSpaces, in every region where the directories exist:

- `agents.vdi.northbridgehealth.example`: Windows, macOS and zero clients allowed; web, iOS,
  Android, ChromeOS and Linux denied; the IP access control group `agents-vdi` in `ipGroupIds`
  (moto has no AssociateIpGroups; the group is created in the WorkSpaces emulator, whose ids are
  a stable hash: `govkit.demo.estate_vdi_pools`);
- `staff.vdi.northbridgehealth.example`: web, iOS and Android allowed as well (violation) and no
  IP access control group.

AWS returns `WorkspaceAccessProperties` as `DeviceType*` keys with `ALLOW` or `DENY`; these keep
moto's eight keys (`DeviceTypeWorkSpacesThinClient`, newer in the AWS model, is not added).

IAM Identity Center, for the users of `govkit.demo.estate_identity.PEOPLE`: moto's identity
store keeps none of `UserStatus`, `ExternalIds`, `CreatedAt` and the enterprise extension
(`Extensions`), which SCIM provisioning sets in AWS, and `UpdateUser` is not implemented. The
identity store backend of each region holding those users is made to answer `ListUsers` with
them: `UserStatus` ENABLED, or DISABLED for the leaver `grace.lim`; `ExternalIds` the person's
HR id (`M-1001`, ..., `NB-2001`) from their HR system's issuer; `CreatedAt` 200 to 730 days ago;
`employeeNumber` the HR id (except `grace.lim`'s, who has no extension).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.demo.names import (
    AGENTS_PER_UNIT,
    DEMO_ACCOUNT,
    HARDENED_DIRECTORY,
    LAX_DIRECTORY,
    PARTITION,
    agent_number,
    agent_user,
    ip_group_id,
    service_user,
    staff_user,
)
from govkit.demo.estate_identity import PEOPLE, IdentityCenterPerson
from govkit.demo.estate_instances import ENCLAVE_HOSTS, FAX_GATEWAY, FAX_GATEWAY_AGE_DAYS
from govkit.errors import UsageError

if TYPE_CHECKING:
    from moto.iam.models import IAMBackend, User
    from moto.identitystore.models import IdentityStoreBackend
    from moto.workspaces.models import WorkSpaceDirectory

_STAFF_CREATED_DAYS = 730
_AGENT_CREATED_DAYS = 200
_HARDENED_ACCESS = {
    "DeviceTypeWindows": "ALLOW",
    "DeviceTypeOsx": "ALLOW",
    "DeviceTypeWeb": "DENY",
    "DeviceTypeIos": "DENY",
    "DeviceTypeAndroid": "DENY",
    "DeviceTypeChromeOs": "DENY",
    "DeviceTypeZeroClient": "ALLOW",
    "DeviceTypeLinux": "DENY",
}
_LAX_ACCESS = {
    "DeviceTypeWindows": "ALLOW",
    "DeviceTypeOsx": "ALLOW",
    "DeviceTypeWeb": "ALLOW",
    "DeviceTypeIos": "ALLOW",
    "DeviceTypeAndroid": "ALLOW",
    "DeviceTypeChromeOs": "ALLOW",
    "DeviceTypeZeroClient": "ALLOW",
    "DeviceTypeLinux": "DENY",
}


@dataclass(frozen=True, kw_only=True)
class _KeyAge:
    created_days: int
    used_days: int | None  # None: never used


@dataclass(frozen=True, kw_only=True)
class _UserAge:
    handle: str
    created_days: int
    password_used_days: int | None = None
    keys: tuple[_KeyAge, ...] = ()


_STAFF_AGES: tuple[_UserAge, ...] = (
    _UserAge(handle="jsmith", created_days=_STAFF_CREATED_DAYS, password_used_days=1),
    _UserAge(handle="mgarcia", created_days=_STAFF_CREATED_DAYS, password_used_days=2,
             keys=(_KeyAge(created_days=30, used_days=1),)),
    _UserAge(handle="akhan", created_days=_STAFF_CREATED_DAYS, password_used_days=5),
    _UserAge(handle="lchen", created_days=_STAFF_CREATED_DAYS, password_used_days=300),
    _UserAge(handle="rpatel", created_days=_STAFF_CREATED_DAYS,
             keys=(_KeyAge(created_days=400, used_days=3),
                   _KeyAge(created_days=250, used_days=200))),
    _UserAge(handle="tnguyen", created_days=100),
)
_SERVICE_AGE = _UserAge(handle="", created_days=120,
                        keys=(_KeyAge(created_days=120, used_days=None),))
_AGENT_PASSWORD_USED_DAYS = (1, 3, 2, 2)


def _moto_time(now: dt.datetime, days_ago: int) -> dt.datetime:
    """moto stores naive UTC datetimes."""
    return (now.astimezone(dt.UTC) - dt.timedelta(days=days_ago)).replace(tzinfo=None)


def _user(backend: IAMBackend, name: str) -> User:
    user = backend.users.get(name)
    if user is None:
        raise UsageError(
            f"IAM user {name} is not in this process's moto backend: run seed_estate with the "
            "same scale against a MotoServer started in this process first"
        )
    return user


def _age_user(backend: IAMBackend, name: str, age: _UserAge, now: dt.datetime) -> None:
    from moto.iam.models import AccessKeyLastUsed

    user = _user(backend, name)
    user.create_date = _moto_time(now, age.created_days)
    used = None if age.password_used_days is None else _moto_time(now, age.password_used_days)
    # moto declares the attribute as always None, yet documents it as settable (its #5927).
    user.password_last_used = used  # type: ignore[assignment]
    if len(user.access_keys) != len(age.keys):
        raise UsageError(f"IAM user {name} has {len(user.access_keys)} access keys, "
                         f"the demo estate gives it {len(age.keys)}")
    for key, key_age in zip(user.access_keys, age.keys, strict=True):
        key.create_date = _moto_time(now, key_age.created_days)
        key.last_used = None
        if key_age.used_days is not None:
            key.last_used = AccessKeyLastUsed(
                timestamp=_moto_time(now, key_age.used_days), service="s3", region="us-east-1"
            )


def _age_iam_unit(backend: IAMBackend, unit: int, now: dt.datetime) -> None:
    for age in _STAFF_AGES:
        _age_user(backend, staff_user(age.handle, unit), age, now)
    _age_user(backend, service_user(unit), _SERVICE_AGE, now)
    for position in range(AGENTS_PER_UNIT):
        agent = _UserAge(handle="", created_days=_AGENT_CREATED_DAYS,
                         password_used_days=_AGENT_PASSWORD_USED_DAYS[position])
        _age_user(backend, agent_user(agent_number(unit, position)), agent, now)


def _set_device_access(directory: WorkSpaceDirectory, access: dict[str, str],
                       ip_groups: list[str]) -> None:
    directory.workspace_access_properties = dict(access)
    # moto keeps ip_group_ids as an empty string; AWS returns a list of group ids.
    directory.ip_group_ids = ip_groups  # type: ignore[assignment]


def _fix_workspaces_directories() -> int:
    from moto.workspaces.models import workspaces_backends

    fixed = 0
    for region, backend in list(workspaces_backends[DEMO_ACCOUNT].items()):
        for directory in list(backend.workspace_directories.values()):
            if directory.directory_name == HARDENED_DIRECTORY:
                _set_device_access(directory, _HARDENED_ACCESS, [ip_group_id(region)])
                fixed += 1
            elif directory.directory_name == LAX_DIRECTORY:
                _set_device_access(directory, _LAX_ACCESS, [])
                fixed += 1
    return fixed


def _fix_instances(now: dt.datetime) -> int:
    """Age the fax gateways and turn enclaves on; how many fax gateways were aged."""
    from moto.ec2.models import ec2_backends

    aged = 0
    for backend in list(ec2_backends[DEMO_ACCOUNT].values()):
        for instance in list(backend.all_instances()):
            name = backend.tags.get(instance.id, {}).get("Name", "")
            if name.startswith(f"{FAX_GATEWAY}-"):
                instance.launch_time = _moto_time(now, FAX_GATEWAY_AGE_DAYS)
                aged += 1
            if name.startswith(tuple(f"{host}-" for host in ENCLAVE_HOSTS)):
                # moto's Instance has no such attribute; its answer shows it once set
                instance.enclave_options = {"Enabled": True}  # type: ignore[attr-defined]
    return aged


def _scim_fields(person: IdentityCenterPerson, now: dt.datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "UserStatus": person.status,
        "ExternalIds": [{"Issuer": person.issuer, "Id": person.hr_id}],
        "CreatedAt": (now - dt.timedelta(days=person.created_days)).timestamp(),
    }
    if person.employee_number:
        fields["Extensions"] = {
            "aws:identitystore:enterprise": {"employeeNumber": person.hr_id}}
    return fields


def _answer_with(backend: IdentityStoreBackend, fields: dict[str, dict[str, Any]]) -> None:
    """Make this backend's ListUsers add ``fields`` (by UserId) to the users it lists."""
    listed = type(backend).list_users  # moto's own, paginated: returns (users, next token)

    def list_users(*args: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], Any]:
        users, token = listed(backend, *args, **kwargs)
        return [{**user, **fields.get(user["UserId"], {})} for user in users], token

    backend.list_users = list_users  # type: ignore[method-assign]


def _fix_identity_center(now: dt.datetime) -> int:
    from moto.identitystore.models import identitystore_backends

    people = {person.user_name: person for person in PEOPLE}
    fixed = 0
    for backend in list(identitystore_backends[DEMO_ACCOUNT].values()):
        fields = {user.UserId: _scim_fields(people[user.UserName], now)
                  for store in list(backend.identity_stores.values())
                  for user in list(store.users.values()) if user.UserName in people}
        if fields:
            _answer_with(backend, fields)
            fixed += len(fields)
    return fixed


def apply_backend_fixups(*, now: dt.datetime, scale: int = 1) -> None:
    """Back-date IAM credentials and the fax gateways' launch, turn on the enclave hosts'
    enclaves, set WorkSpaces device access and Identity Center user status, as the docstring
    lists."""
    if now.tzinfo is None:
        raise UsageError("apply_backend_fixups needs a timezone-aware 'now'")
    try:
        from moto.iam.models import iam_backends
    except ImportError as exc:
        raise UsageError("the demo needs moto: pip install 'govkit[demo]'") from exc
    backend = iam_backends[DEMO_ACCOUNT][PARTITION]
    for unit in range(scale):
        _age_iam_unit(backend, unit, now)
    if _fix_instances(now) == 0:
        raise UsageError("no demo fax gateway instance in this process's moto backend: seed the "
                         "estate first")
    if _fix_workspaces_directories() == 0:
        raise UsageError(
            "no demo WorkSpaces directory in this process's moto backend: seed the estate first"
        )
    if _fix_identity_center(now) == 0:
        raise UsageError(
            "no demo Identity Center user in this process's moto backend: seed the estate first"
        )


def patch_credential_report_time() -> None:
    """moto answers GetCredentialReport with a fixed GeneratedTime in 2015, where AWS gives
    the time the report was generated; govkit refuses reports that old. Make moto record when
    GenerateCredentialReport built the report (regenerating one older than four hours, as IAM
    does) and return that time. Idempotent; affects this process's moto only."""
    try:
        from moto.iam.models import IAMBackend
        from moto.iam.responses import IamResponse
    except ImportError as exc:
        raise UsageError("the demo needs moto: pip install 'govkit[demo]'") from exc
    if getattr(IamResponse, "_govkit_report_time", False):
        return
    generate = IAMBackend.generate_report
    respond = IamResponse.get_credential_report

    def generate_report(self: IAMBackend) -> None:
        generate(self)
        now = dt.datetime.now(dt.UTC)
        previous = getattr(self, "govkit_report_generated_at", None)
        if previous is None or now - previous > dt.timedelta(hours=4):
            self.govkit_report_generated_at = now  # type: ignore[attr-defined]

    def get_credential_report(self: IamResponse) -> object:
        answer = respond(self)
        generated = getattr(self.backend, "govkit_report_generated_at", None)
        result = getattr(answer, "result", None)
        if generated is not None and isinstance(result, dict):
            result["GeneratedTime"] = generated.strftime("%Y-%m-%dT%H:%M:%SZ")
        return answer

    IAMBackend.generate_report = generate_report  # type: ignore[method-assign]
    IamResponse.get_credential_report = get_credential_report  # type: ignore[method-assign,assignment]
    IamResponse._govkit_report_time = True  # type: ignore[attr-defined]
