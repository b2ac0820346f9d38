"""Plan normalisers for AWS provider resources, one module per service.

Each module defines ``NORMALIZERS``, Terraform resource type → function ``(PlanContext,
PlannedResource) -> Iterable[Resource]`` building the inventory resource(s) the live scan
would show once the plan is applied, and ``CONSUMED``, the Terraform types it merges into
those (a bucket's split ``aws_s3_bucket_versioning``, a role's policy attachments): they are
judged as part of the resource they configure, never listed as not evaluated.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping

from govkit.sources.terraform.context import PlanContext
from govkit.sources.terraform.plan import PlannedResource
from govkit.inventory.model import Resource

Normalizer = Callable[[PlanContext, PlannedResource], Iterable[Resource]]

# the service modules, in the order their resources are built
MODULES: tuple[str, ...] = ("kms", "s3", "iam", "rds", "ec2", "dynamodb", "cloudtrail",
                             "appstream", "workspaces", "workspaces_web")


def _load() -> tuple[Mapping[str, Normalizer], frozenset[str]]:
    normalizers: dict[str, Normalizer] = {}
    consumed: set[str] = set()
    for name in MODULES:
        module = importlib.import_module(f"govkit.sources.terraform.aws.{name}")
        for type_, function in module.NORMALIZERS.items():
            if type_ in normalizers:
                raise RuntimeError(f"two plan normalisers for {type_}")
            normalizers[type_] = function
        consumed |= set(module.CONSUMED)
    return normalizers, frozenset(consumed)


NORMALIZERS, CONSUMED = _load()
