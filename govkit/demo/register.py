"""The demo's vendor register: Northbridge Health's business associates.

- Meridian Contact Services, the BPO whose agents schedule and answer billing questions: BAA
  signed and in force, its staffing subcontractor bound by a flowed-down BAA, safeguards
  verified four months ago, its AWS account 210987654321 (trusted by the demo's
  ``MeridianAgentAccess`` and ``MeridianReportingRead`` roles), its agents in Okta group
  ``Meridian-Agents``, and the Secure Browser portal and the two Azure Virtual Desktop host
  pools and the Citrix delivery group it works in, one of which (the billing host pool) lets
  the clipboard and drives through (a violation);
- Harborview Billing Partners, a claims-follow-up vendor that processes PHI: its BAA expired
  45 days ago and its safeguards were last verified 20 months ago (violations);
- Lakeside Print & Mail, which prints statements without PHI and needs no BAA.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

REGISTER_FILE = "vendor-register.yaml"


def write_register(folder: Path, now: dt.datetime) -> Path:
    today = now.astimezone(dt.timezone.utc).date()

    def day(delta: int) -> str:
        return (today + dt.timedelta(days=delta)).isoformat()

    path = folder / REGISTER_FILE
    path.write_text(f"""\
# Written by govkit demo: Northbridge Health's vendor register.
own_domains: [northbridge-health.example]
vendors:
  - name: Meridian Contact Services
    services: [appointment scheduling, billing questions, after-hours calls]
    phi_access: view_only_vdi
    baa:
      status: signed
      signed: {day(-420)}
      effective: {day(-410)}
      expires: {day(320)}
      document:
        sha256: 4f6c2a9e1b7d3c5a8e0f2d4b6a8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2c4d
        url: https://contracts.northbridge-health.example/baa/meridian-2025.pdf
    subcontractors:
      - name: Bayline Staffing
        services: [overflow agents]
        phi_access: view_only_vdi
        baa_flowdown: true
    last_verification: {day(-120)}
    aws_account_ids: ["210987654321"]
    idp_groups: [Meridian-Agents]
    idp_domains: [meridian-cs.example]
    access_paths: [nbh-meridian-agent-portal, hp-meridian-agents, hp-meridian-billing,
                   Meridian Agents]
  - name: Harborview Billing Partners
    services: [claims follow-up]
    phi_access: process
    baa:
      status: signed
      signed: {day(-1140)}
      effective: {day(-1125)}
      expires: {day(-45)}
    last_verification: {day(-610)}
  - name: Lakeside Print & Mail
    services: [statement printing without PHI]
    phi_access: none
    baa: {{status: none}}
""", encoding="utf-8")
    return path
