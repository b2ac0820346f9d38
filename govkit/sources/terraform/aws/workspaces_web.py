"""WorkSpaces Secure Browser portals as a plan leaves them, with the settings associated.

The shape is that of govkit.sources.aws.normalize.workspaces_web (GetPortal, GetUserSettings).
A portal takes its settings through association resources
(``aws_workspacesweb_user_settings_association`` and the like, each naming ``portal_arn``
and the settings' ARN); the portal's own ``*_arn`` attributes only read them back. So the
settings in force are those of the association that points at the portal, and
``EffectiveUserSettings`` is built from the planned ``aws_workspacesweb_user_settings`` as
the live normaliser builds it from GetUserSettings, or from the service defaults (everything
allowed) when nothing is associated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from govkit.sources.terraform.context import PlanContext, Unknown
from govkit.sources.terraform.keys import put_key_arn
from govkit.sources.terraform.plan import PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.workspaces_web import CAPABILITIES

PORTAL = "aws.workspaces_web.portal"
TF_PORTAL = "aws_workspacesweb_portal"
TF_USER_SETTINGS = "aws_workspacesweb_user_settings"
DEFAULTS = "the service defaults (no user settings are associated)"

# GetUserSettings field -> aws_workspacesweb_user_settings attribute
USER_SETTINGS = {"copyAllowed": "copy_allowed", "pasteAllowed": "paste_allowed",
                 "downloadAllowed": "download_allowed", "uploadAllowed": "upload_allowed",
                 "printAllowed": "print_allowed", "deepLinkAllowed": "deep_link_allowed",
                 "disconnectTimeoutInMinutes": "disconnect_timeout_in_minutes",
                 "idleDisconnectTimeoutInMinutes": "idle_disconnect_timeout_in_minutes",
                 "customerManagedKey": "customer_managed_key",
                 "additionalEncryptionContext": "additional_encryption_context"}
PORTAL_FIELDS = {"displayName": "display_name", "portalStatus": "portal_status",
                 "authenticationType": "authentication_type", "browserType": "browser_type",
                 "rendererType": "renderer_type", "creationDate": "creation_date",
                 "additionalEncryptionContext": "additional_encryption_context"}


class Settings(NamedTuple):
    """One kind of settings a portal takes through an association resource."""

    field: str  # the portal's field in GetPortal
    attribute: str  # the ARN attribute, the same on the portal, settings and association
    settings: str  # the settings' Terraform type
    association: str  # the association's Terraform type


SETTINGS = tuple(Settings(f"{camel}Arn", f"{snake}_arn", f"aws_workspacesweb_{snake}",
                          f"aws_workspacesweb_{snake}_association")
                 for camel, snake in (("userSettings", "user_settings"),
                                      ("browserSettings", "browser_settings"),
                                      ("networkSettings", "network_settings"),
                                      ("ipAccessSettings", "ip_access_settings"),
                                      ("dataProtectionSettings", "data_protection_settings"),
                                      ("userAccessLoggingSettings",
                                       "user_access_logging_settings")))


class Associated(NamedTuple):
    """The settings a portal takes: their ARN as shown, the planned settings resource when
    the plan holds it, and where that was read."""

    arn: str | None
    settings: PlannedResource | None
    refs: tuple[Ref, ...]


def _portal(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    name = resource.values.get("display_name")
    builder = ctx.builder(resource, PORTAL, name)
    for field, attribute in PORTAL_FIELDS.items():
        ctx.put(builder, field, resource, (attribute,))
    put_key_arn(ctx, builder, "customerManagedKey", resource, "customer_managed_key",
                "the customer managed key")
    found: dict[str, Associated | CallFailure] = {}
    for kind in SETTINGS:
        found[kind.field] = _associated(ctx, resource, kind)
        _put(builder, kind.field, found[kind.field])
    _user_settings(ctx, builder, resource, found["userSettingsArn"])
    yield builder.build()


def _put(builder: ResourceBuilder, key: str, found: Associated | CallFailure) -> None:
    if isinstance(found, CallFailure):
        builder.fail(key, found)
    else:
        builder.set(key, found.arn, found.refs)


def _associated(ctx: PlanContext, portal: PlannedResource,
                kind: Settings) -> Associated | CallFailure:
    """The settings of ``kind`` the portal takes: through an association of the plan, else
    what the portal already has (none for a portal the plan creates)."""
    for association in ctx.linked((kind.association,), "portal_arn", portal, key="portal_arn"):
        return _through(ctx, association, kind)
    value = ctx.value(portal, kind.attribute, what=f"the portal's {kind.attribute}")
    if isinstance(value, Unknown):
        if "create" in portal.actions and kind.attribute not in _configured(portal):
            # CreatePortal takes no settings: a new portal has none until one is associated
            return Associated(None, None, (ctx.ref(portal),))
        return value.failure
    where = ctx.ref(portal, kind.attribute) if kind.attribute in portal.values \
        else ctx.ref(portal)
    if not value:
        return Associated(None, None, (where,))
    planned = next((s for s in ctx.of_type(kind.settings)
                    if s.values.get(kind.attribute) == value), None)
    return Associated(str(value), planned, (where,))


def _configured(resource: PlannedResource) -> Mapping[str, Any]:
    return resource.config.expressions if resource.config is not None else {}


def _through(ctx: PlanContext, association: PlannedResource,
             kind: Settings) -> Associated | CallFailure:
    """The settings an association names: the planned settings resource it refers to (its
    ARN, or ``<address>.<attribute>`` while that is known only after apply), or the ARN it
    gives for settings this plan does not manage."""
    here = ctx.ref(association, kind.attribute) if kind.attribute in association.values \
        else ctx.ref(association)
    for settings in ctx.targets(association, kind.attribute, (kind.settings,), kind.attribute):
        arn = settings.values.get(kind.attribute)
        shown = arn if isinstance(arn, str) and arn else f"{settings.address}.{kind.attribute}"
        return Associated(shown, settings, (here, ctx.ref(settings)))
    value = ctx.value(association, kind.attribute, what=f"the associated {kind.attribute}")
    if isinstance(value, Unknown):
        return value.failure
    return Associated(str(value) if value else None, None, (here,))


def _user_settings(ctx: PlanContext, builder: ResourceBuilder, portal: PlannedResource,
                   found: Associated | CallFailure) -> None:
    """``UserSettings`` and ``EffectiveUserSettings`` as the live normaliser shapes them."""
    if isinstance(found, CallFailure):
        builder.fail("UserSettings", found).fail("EffectiveUserSettings", found)
        return
    if found.arn is None:
        builder.set("UserSettings", None, found.refs)
        builder.set("EffectiveUserSettings", {c: "Enabled" for c in CAPABILITIES} |
                    {"From": DEFAULTS}, found.refs)
        return
    settings = found.settings
    if settings is None:
        failure = ctx.not_in_plan(portal, f"user settings {found.arn} are not managed by this "
                                          "plan, so what they allow is not in the plan")
        builder.fail("UserSettings", failure).fail("EffectiveUserSettings", failure)
        return
    read = _settings_values(ctx, settings)
    if isinstance(read, CallFailure):
        builder.fail("UserSettings", read).fail("EffectiveUserSettings", read)
        return
    values = {"userSettingsArn": found.arn} | read
    refs = (ctx.ref(settings), *found.refs)
    builder.set("UserSettings", values, refs)
    effective: dict[str, Any] = {c: values.get(c) or "Enabled" for c in CAPABILITIES}
    effective["idleDisconnectTimeoutInMinutes"] = values.get("idleDisconnectTimeoutInMinutes")
    effective["disconnectTimeoutInMinutes"] = values.get("disconnectTimeoutInMinutes")
    effective["From"] = f"user settings {found.arn}"
    builder.set("EffectiveUserSettings", effective, refs)


def _settings_values(ctx: PlanContext, settings: PlannedResource
                     ) -> dict[str, Any] | CallFailure:
    """The planned user settings as GetUserSettings answers them (unset ones left out)."""
    out: dict[str, Any] = {}
    for field, attribute in USER_SETTINGS.items():
        value = ctx.value(settings, attribute, what=f"user settings {attribute}")
        if isinstance(value, Unknown):
            return value.failure
        if value is not None and value != "" and value != {}:
            out[field] = int(value) if isinstance(value, float) and value.is_integer() \
                else value
    return out


NORMALIZERS: dict[str, Callable[[PlanContext, PlannedResource], Iterable[Resource]]] = {
    TF_PORTAL: _portal,
}
# the settings a portal takes and the associations that give them: judged as the portal's
CONSUMED: frozenset[str] = frozenset(
    t for kind in SETTINGS for t in (kind.settings, kind.association))
