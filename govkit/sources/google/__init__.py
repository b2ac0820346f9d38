"""Google Workspace: users, groups and memberships from the Admin SDK Directory API, and the
Admin console's suspensions and archivals from the Reports API (or from exported files).

Live collection authenticates as a service account with domain-wide delegation (the OAuth
2.0 JWT bearer grant, signed here with ``cryptography``) impersonating an admin, and needs
these read-only scopes delegated to the service account's client id:
``admin.directory.user.readonly``, ``admin.directory.group.readonly``,
``admin.directory.group.member.readonly`` and ``admin.reports.audit.readonly``. The Reports
scope is asked for in a token of its own, so a delegation without it still yields users and
groups (their DisableEvents are then ERROR, naming the refused token request).

The source interface (govkit/sources/interface.py): SCHEMA_FILE, settings_from, collect and
normalize.
"""

from __future__ import annotations

from govkit.sources.google.collect import collect
from govkit.sources.google.normalize import normalize
from govkit.sources.google.settings import (
    SCHEMA_FILE, GoogleSettings, ServiceAccountKey, settings_from)

__all__ = ["SCHEMA_FILE", "GoogleSettings", "ServiceAccountKey", "collect", "normalize",
           "settings_from"]
