"""WorkSpaces Pools as glass windows: one window per pool.

The pool's directory decides what moves between the session and the agent's device: its
``StreamingProperties.UserSettings`` give the clipboard in each direction
(CLIPBOARD_COPY_TO_LOCAL_DEVICE out, CLIPBOARD_COPY_FROM_LOCAL_DEVICE in) and printing
(PRINTING_TO_LOCAL_DEVICE). The WorkSpaces API reference does not say what an action left out
of ``UserSettings`` does; WorkSpaces Pools stream as AppStream 2.0 does, whose API says of
the same user settings "By default, these actions are enabled", so an action left out counts
as allowed, not explicitly (and so does a directory with no ``StreamingProperties``).

The API has no file upload or download action, no drive and no USB redirection setting for
pools (its actions are the two clipboard directions, printing and smart cards): files move
only through the home folder storage connector, so Download, Upload, DriveRedirection and
UsbRedirection are channels the platform does not offer. The only connector type, HOME_FOLDER,
keeps files in an S3 bucket of the pool's own account (judged by the S3 rules), so no
connector takes files out of AWS and StorageConnectors is empty. The pool's own
``TimeoutSettings`` give the idle disconnect timeout, the disconnect timeout and the maximum
session duration.

Who may open a pool is assigned in the directory's SAML 2.0 identity provider; the WorkSpaces
API exposes no user or group assignment for pools, so Entitlements is empty, with a note
saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import Ref, Resource, ResourceBuilder
from govkit.vdi.appstream import decide
from govkit.vdi.window import Channel, Limit, fail_all, put, window

POOL = "aws.workspaces.pool"
TYPES = (POOL,)
_CHANNELS = {"ClipboardOut": "CLIPBOARD_COPY_TO_LOCAL_DEVICE",
             "ClipboardIn": "CLIPBOARD_COPY_FROM_LOCAL_DEVICE",
             "Printing": "PRINTING_TO_LOCAL_DEVICE"}
_LIMITS = {"IdleTimeout": "IdleDisconnectTimeoutInSeconds",
           "DisconnectTimeout": "DisconnectTimeoutInSeconds",
           "MaxSession": "MaxUserDurationInSeconds"}
_ABSENT = {
    "Download": "WorkSpaces Pools have no file download: StreamingProperties.UserSettings has "
                "no such action, and files move only through the home folder",
    "Upload": "WorkSpaces Pools have no file upload: StreamingProperties.UserSettings has no "
              "such action, and files move only through the home folder",
    "DriveRedirection": "WorkSpaces Pools have no local drive redirection setting",
    "UsbRedirection": "WorkSpaces Pools have no USB redirection setting",
}
ENTITLEMENTS_NOTE = ("who may open a WorkSpaces pool is assigned in its directory's SAML 2.0 "
                     "identity provider; the WorkSpaces API exposes no user or group "
                     "assignment for pools")


def windows(by_type: Mapping[str, Sequence[Resource]]) -> Iterator[Resource]:
    for pool in by_type.get(POOL, ()):
        yield _window(pool)


def _window(pool: Resource) -> Resource:
    builder = window(source=pool, platform="workspaces-pools",
                     label=f"WorkSpaces pool {pool.name} ({pool.account}/{pool.region})")
    listed = pool.sources.get("PoolId", ())
    for key, setting in _ABSENT.items():
        put(builder, key, Channel.absent(setting), listed)
    _user_settings(builder, pool)
    connectors = pool.sources.get("StreamingProperties", listed)
    put(builder, "StorageConnectors", [], connectors)  # HOME_FOLDER stays in the account
    put(builder, "Entitlements", [], pool.sources.get("UserIdentityType", listed))
    builder.note(["Entitlements"], ENTITLEMENTS_NOTE)
    _limits(builder, pool)
    return builder.build()


def _user_settings(builder: ResourceBuilder, pool: Resource) -> None:
    failed = pool.failures.get("StreamingProperties")
    if failed is not None:
        fail_all(builder, list(_CHANNELS), failed)
        return
    directory = str(pool.attributes.get("DirectoryId"))
    streaming: Mapping[str, Any] = pool.attributes.get("StreamingProperties") or {}
    settings: Sequence[Mapping[str, Any]] = streaming.get("UserSettings") or []
    base = pool.sources["StreamingProperties"][0]
    listing = Ref.within(base.file, base.pointer, "/UserSettings") if settings else base
    named = f"directory {directory} StreamingProperties.UserSettings"
    for key, action in _CHANNELS.items():
        decided = decide(action, settings, listing, named=named,
                         unset=f"not set: {named} has no {action}, so the default (enabled) "
                               "applies")
        put(builder, key, decided.channel, decided.where)


def _limits(builder: ResourceBuilder, pool: Resource) -> None:
    failed = pool.failures.get("TimeoutSettings")
    if failed is not None:
        fail_all(builder, list(_LIMITS), failed)
        return
    timeouts: Mapping[str, Any] = pool.attributes.get("TimeoutSettings") or {}
    where = pool.sources["TimeoutSettings"]
    for key, field in _LIMITS.items():
        put(builder, key, _limit(pool.name, field, timeouts.get(field)), where)


def _limit(pool: str, field: str, seconds: Any) -> Limit:
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return Limit(None, f"not set: pool {pool} TimeoutSettings has no {field}")
    if seconds <= 0:  # only the idle timeout may be 0 (the model's minimum)
        return Limit(None, f"pool {pool} TimeoutSettings {field} is {seconds}: idle users "
                           "are never disconnected")
    return Limit(-(-seconds // 60), f"pool {pool} TimeoutSettings {field} is {seconds}")
