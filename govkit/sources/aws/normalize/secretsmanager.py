"""Secrets Manager secrets (``aws.secretsmanager.secret``): rotation, key and tags, from
ListSecrets (values are never read).

ListSecrets leaves ``RotationEnabled`` out for a secret that was never set to rotate; it is
read as false."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, ref, tags_from_list)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

SECRET = "aws.secretsmanager.secret"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "secretsmanager"):
        pages = RecordSet(snapshot, "secretsmanager", account).of("ListSecrets")
        yield from listing_coverage(pages, SECRET)
        for page in pages:
            for index, secret in enumerate(page.response.get("SecretList") or []):
                entry = ref(page, "SecretList", index)
                builder = ResourceBuilder(id=str(secret.get("ARN")), type=SECRET,
                                          account=account, region=page.entry.region,
                                          name=str(secret.get("Name")), item=entry)
                builder.set_tags(tags_from_list(secret.get("Tags")),
                                 ref(page, "SecretList", index, "Tags"))
                rules = secret.get("RotationRules") or {}
                builder.set("RotationEnabled", bool(secret.get("RotationEnabled")),
                            ref(page, "SecretList", index, "RotationEnabled"))
                builder.set("RotationDays", rules.get("AutomaticallyAfterDays"),
                            ref(page, "SecretList", index, "RotationRules"))
                for key in ("KmsKeyId", "LastRotatedDate", "LastChangedDate",
                            "LastAccessedDate", "CreatedDate", "Description"):
                    builder.set(key, secret.get(key), ref(page, "SecretList", index, key))
                yield builder.build()
