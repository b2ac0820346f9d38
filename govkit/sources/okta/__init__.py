"""The Okta source: users, groups, app assignments, factors, admin roles and the System Log's
deactivate and suspend events of one Okta org, live over the Okta Management API or from a
folder of exported JSON files.

Configuration (the ``okta`` section of the scan configuration, schema ``config.schema.json``)::

    okta:
      org_url: https://example.okta.com
      token_env: OKTA_API_TOKEN          # an SSWS API token, read from this variable
      # or an OAuth 2.0 service app (private_key_jwt, read-only okta.*.read scopes):
      # client_id: 0oa1example
      # private_key_file: keys/govkit-okta.pem
      # or a folder exported earlier, read instead of the API:
      # export: exports/okta-2026-q4
      tenant: example.okta.com           # optional: the account label (default: org_url's host)
      workers: 8                         # optional: concurrent per-group/app/user calls
      max_attempts: 5                    # optional: attempts per request (429, 5xx, timeouts)
      page_size: 200                     # optional: capped at each endpoint's maximum

The export folder holds the bodies the API returns, one file per call (all pages joined):
``users.json`` (required, every user including DEPROVISIONED ones), ``groups.json``,
``group-members/<groupId>.json``, ``apps.json``, ``app-users/<appId>.json``,
``factors/<userId>.json``, ``admins.json`` (``{"value": [...]}`` as
``/api/v1/iam/assignees/users`` returns) and ``logs.json`` (System Log events). Each file is
recorded as a record of the same operation as live collection (govkit.sources.okta.export), so
normalisation is shared; a missing file fails closed, a malformed one stops the scan naming it.

Resource types: ``okta.user`` and ``okta.group`` (govkit.sources.okta.normalize).
"""

from __future__ import annotations

from pathlib import Path

from govkit.sources.okta.collect import collect
from govkit.sources.okta.normalize import normalize
from govkit.sources.okta.settings import OktaSettings, settings_from

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")

__all__ = ["SCHEMA_FILE", "OktaSettings", "collect", "normalize", "settings_from"]
