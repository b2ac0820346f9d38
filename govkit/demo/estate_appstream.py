"""AppStream 2.0 in the demo's home region (served beside moto by govkit.demo.aws_extra):

- ``nbh-phi-desk`` on fleet ``nbh-phi-fleet``, tagged as PHI: copy, paste, upload, download
  and local printing disabled, no storage connectors; the fleet has no default internet
  access, no USB redirection, a 10-minute idle disconnect, a 5-minute disconnect timeout and
  8-hour sessions; Meridian's scheduling agents are its users (compliant);
- ``nbh-billing-desk`` on fleet ``nbh-billing-fleet``: copying to the local device enabled,
  file transfer left to AppStream's defaults (enabled), a Google Drive connector; the fleet
  redirects USB devices, never disconnects idle sessions and allows 16-hour sessions
  (violations of the vdi rules);
- image builder ``nbh-golden-builder``, where the image both fleets stream from is made: no
  default internet access, stopped between image updates (compliant).
"""

from __future__ import annotations

from typing import Any

from govkit.demo.estate_base import Counts, SeedContext, phi_tags
from govkit.demo.names import home_region

IMAGE = {"ImageName": "AppStream-WinServer2022-06-10-2026",
         "InstanceType": "stream.standard.medium"}
LOCKED = [{"Action": action, "Permission": "DISABLED"} for action in (
    "CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "FILE_UPLOAD",
    "FILE_DOWNLOAD", "PRINTING_TO_LOCAL_DEVICE")]
AGENT_USERS = ("maria.santos@meridian-cs.example", "kofi.mensah@meridian-cs.example")


def seed_appstream(ctx: SeedContext) -> Counts:
    client: Any = ctx.clients.get("appstream", home_region(ctx.regions))
    client.create_fleet(Name="nbh-phi-fleet", FleetType="ALWAYS_ON", **IMAGE,
                        ComputeCapacity={"DesiredInstances": 2},
                        MaxUserDurationInSeconds=28800, DisconnectTimeoutInSeconds=300,
                        IdleDisconnectTimeoutInSeconds=600, EnableDefaultInternetAccess=False,
                        Tags=phi_tags(application="appstream"))
    client.create_fleet(Name="nbh-billing-fleet", **IMAGE, ComputeCapacity={"DesiredInstances": 1},
                        MaxUserDurationInSeconds=57600, DisconnectTimeoutInSeconds=900,
                        EnableDefaultInternetAccess=True,
                        UsbDeviceFilterStrings=["*,*,*,*,*,*"])
    client.create_stack(Name="nbh-phi-desk", DisplayName="Patient scheduling desk",
                        UserSettings=LOCKED, Tags=phi_tags(application="appstream"))
    client.create_stack(Name="nbh-billing-desk", UserSettings=[
        {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "ENABLED",
         "MaximumLength": 4096}],
        StorageConnectors=[{"ConnectorType": "GOOGLE_DRIVE",
                            "Domains": ["meridian-cs.example"]}])
    client.associate_fleet(FleetName="nbh-phi-fleet", StackName="nbh-phi-desk")
    client.associate_fleet(FleetName="nbh-billing-fleet", StackName="nbh-billing-desk")
    for user in AGENT_USERS:
        client.create_user(UserName=user, AuthenticationType="USERPOOL",
                           MessageAction="SUPPRESS")
    client.batch_associate_user_stack(UserStackAssociations=[
        {"StackName": "nbh-phi-desk", "UserName": user, "AuthenticationType": "USERPOOL",
         "SendEmailNotification": False} for user in AGENT_USERS])
    client.create_image_builder(Name="nbh-golden-builder", DisplayName="Golden image builder",
                                **IMAGE, EnableDefaultInternetAccess=False)
    client.stop_image_builder(Name="nbh-golden-builder")
    return Counts()
