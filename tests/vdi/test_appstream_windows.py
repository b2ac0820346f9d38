"""AppStream stacks mapped into windows, on hand-built stack and fleet resources shaped as the
AppStream normaliser builds them: the cases a live estate rarely shows (a stack answering
several fleets, a fleet that was not read, a failed attribute, an unknown permission)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.vdi import appstream
from govkit.vdi.window import CHANNELS, LIMITS

ACCOUNT, REGION = "111122223333", "us-east-1"
STACKS, FLEETS = "stacks.json", "fleets.json"
DENIED = CallFailure(call="appstream:ListAssociatedFleets (StackName=desk) in "
                          f"{ACCOUNT}/{REGION}", operation="appstream:ListAssociatedFleets",
                     code="AccessDeniedException", message="not authorized",
                     file="fleets-of-desk.json", pointer="/error_message")


def stack(*, settings: Sequence[Mapping[str, Any]] = (), fleets: Sequence[str] | None = ("f1",),
          connectors: Sequence[Mapping[str, Any]] = (), users: Sequence[str] = (),
          failed: Mapping[str, CallFailure] | None = None) -> Resource:
    builder = ResourceBuilder(id=f"arn:aws:appstream:{REGION}:{ACCOUNT}:stack/desk",
                              type=appstream.STACK, account=ACCOUNT, region=REGION, name="desk")
    at = "/response/Stacks/0"
    builder.set("UserSettings", list(settings),
                Ref(STACKS, f"{at}/UserSettings" if settings else at))
    builder.set("StorageConnectors", list(connectors), Ref(STACKS, f"{at}/StorageConnectors"))
    builder.set("UserAssociations", [{"UserName": u, "AuthenticationType": "USERPOOL"}
                                     for u in users], Ref("users.json", "/response"))
    builder.set_tags({"data-classification": "phi"}, Ref("tags.json", "/response/Tags"))
    if fleets is not None:
        builder.set("Fleets", list(fleets), Ref("fleets-of-desk.json", "/response/Names"))
    for key, failure in (failed or {}).items():
        builder.fail(key, failure)
    return builder.build()


def fleet(name: str, index: int = 0, **values: Any) -> Resource:
    builder = ResourceBuilder(id=f"arn:aws:appstream:{REGION}:{ACCOUNT}:fleet/{name}",
                              type=appstream.FLEET, account=ACCOUNT, region=REGION, name=name)
    fields = {"UsbDeviceFilterStrings": [], "IdleDisconnectTimeoutInSeconds": 600,
              "DisconnectTimeoutInSeconds": 300, "MaxUserDurationInSeconds": 28800, **values}
    for key, value in fields.items():
        builder.set(key, value, Ref(FLEETS, f"/response/Fleets/{index}/{key}"))
    return builder.build()


def one_window(stack_resource: Resource, *fleets: Resource) -> Resource:
    [window] = appstream.windows({appstream.STACK: [stack_resource],
                                  appstream.FLEET: list(fleets)})
    return window


def test_every_channel_limit_and_list_is_set_or_failed() -> None:
    for window in (one_window(stack(), fleet("f1")),
                   one_window(stack(fleets=None, failed={"Fleets": DENIED}))):
        keys = {*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"}
        assert keys <= {*window.attributes, *window.failures}
        assert window.attributes["Platform"] == "appstream"
        assert window.tags == {"data-classification": "phi"}


def test_actions_nobody_set_are_allowed_by_default_and_point_at_the_stack() -> None:
    window = one_window(stack(), fleet("f1"))
    for key in ("ClipboardOut", "ClipboardIn", "Download", "Upload", "Printing",
                "DriveRedirection"):
        assert window.attributes[key]["Allowed"] is True, key
        assert window.attributes[key]["Explicit"] is False, key
    assert window.attributes["Printing"]["Setting"] == \
        "not set: AppStream enables PRINTING_TO_LOCAL_DEVICE by default"
    assert window.sources["Printing"] == (Ref(STACKS, "/response/Stacks/0"),)


def test_drive_redirection_needs_upload_and_download() -> None:
    download_only = stack(settings=[{"Action": "FILE_DOWNLOAD", "Permission": "ENABLED"},
                                    {"Action": "FILE_UPLOAD", "Permission": "DISABLED"}])
    drive = one_window(download_only, fleet("f1")).attributes["DriveRedirection"]
    assert drive["Allowed"] is False and drive["Explicit"] is True
    assert drive["Setting"].startswith("UserSettings FILE_UPLOAD is DISABLED")
    both = stack(settings=[{"Action": "FILE_DOWNLOAD", "Permission": "ENABLED"},
                           {"Action": "FILE_UPLOAD", "Permission": "ENABLED"}])
    window = one_window(both, fleet("f1"))
    assert window.attributes["DriveRedirection"]["Allowed"] is True
    assert window.sources["DriveRedirection"] == (
        Ref(STACKS, "/response/Stacks/0/UserSettings/1"),
        Ref(STACKS, "/response/Stacks/0/UserSettings/0"))


def test_an_unknown_permission_is_not_shown_to_block() -> None:
    odd = stack(settings=[{"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "PARTIAL"}])
    channel = one_window(odd, fleet("f1")).attributes["ClipboardOut"]
    assert channel["Allowed"] is True
    assert channel["Setting"] == "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE is PARTIAL"


def test_with_several_fleets_the_most_permissive_decides() -> None:
    window = one_window(stack(fleets=["f1", "f2"]), fleet("f1"),
                        fleet("f2", 1, UsbDeviceFilterStrings=["0781,5581,*,*,*,*,1,1"],
                              IdleDisconnectTimeoutInSeconds=0,
                              DisconnectTimeoutInSeconds=3600))
    usb = window.attributes["UsbRedirection"]
    assert usb["Allowed"] is True and "fleet f2 UsbDeviceFilterStrings" in usb["Setting"]
    assert window.attributes["IdleTimeout"]["Minutes"] is None
    assert window.attributes["IdleTimeout"]["Setting"] == (
        "fleet f1 IdleDisconnectTimeoutInSeconds is 600; fleet f2 "
        "IdleDisconnectTimeoutInSeconds is 0: idle users are never disconnected")
    assert window.attributes["DisconnectTimeout"]["Minutes"] == 60
    assert window.attributes["MaxSession"]["Minutes"] == 480
    assert Ref(FLEETS, "/response/Fleets/1/DisconnectTimeoutInSeconds") in \
        window.sources["DisconnectTimeout"]


def test_idle_timeouts_round_as_appstream_rounds() -> None:
    for seconds, minutes in ((70, 1), (90, 2), (600, 10)):
        window = one_window(stack(), fleet("f1", IdleDisconnectTimeoutInSeconds=seconds))
        assert window.attributes["IdleTimeout"]["Minutes"] == minutes, seconds


def test_a_limit_the_fleet_leaves_out_is_no_limit() -> None:
    window = one_window(stack(), fleet("f1", MaxUserDurationInSeconds=None))
    assert window.attributes["MaxSession"] == {
        "Minutes": None, "Offered": True, "Setting": "not set: the DescribeFleets answer "
                                                     "gives no MaxUserDurationInSeconds for "
                                                     "fleet f1"}


def test_a_fleet_that_was_not_read_fails_what_it_decides() -> None:
    window = one_window(stack(fleets=["gone"]), fleet("f1"))
    for key in ("UsbRedirection", *LIMITS):
        failure = window.failures[key]
        assert failure.operation == "appstream:DescribeFleets" and failure.code == "NotCollected"
        assert "fleet gone, associated with stack desk" in failure.message
    assert window.attributes["ClipboardOut"]["Allowed"] is True  # the stack still decides


def test_a_failed_fleet_listing_fails_the_fleet_settings_with_that_call() -> None:
    window = one_window(stack(fleets=None, failed={"Fleets": DENIED}))
    assert {k: window.failures[k] for k in ("UsbRedirection", *LIMITS)} == \
        dict.fromkeys(("UsbRedirection", *LIMITS), DENIED)


def test_failed_user_settings_and_users_fail_what_they_decide() -> None:
    window = one_window(stack(failed={"UserSettings": DENIED, "UserAssociations": DENIED,
                                      "StorageConnectors": DENIED}), fleet("f1"))
    assert {"ClipboardOut", "Download", "DriveRedirection", "Entitlements",
            "StorageConnectors"} <= set(window.failures)
    assert window.attributes["UsbRedirection"]["Allowed"] is False


def test_only_connectors_outside_the_account_are_storage_connectors() -> None:
    connectors = [{"ConnectorType": "HOMEFOLDERS"},
                  {"ConnectorType": "ONE_DRIVE", "Domains": ["meridian-cs.example"]}]
    window = one_window(stack(connectors=connectors), fleet("f1"))
    assert window.attributes["StorageConnectors"] == [
        {"Type": "ONE_DRIVE", "Setting": "StorageConnectors ONE_DRIVE for domains "
                                         "meridian-cs.example"}]


def test_user_pool_users_are_the_entitlements() -> None:
    window = one_window(stack(users=["b@x.example", "a@x.example", "a@x.example"]),
                        fleet("f1"))
    assert window.attributes["Entitlements"] == [
        {"Kind": "user", "System": "appstream", "Name": "a@x.example"},
        {"Kind": "user", "System": "appstream", "Name": "b@x.example"}]
    assert "SAML 2.0" in window.notes["Entitlements"]
