"""A plan's resources as the inventory the scan would build once it is applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from govkit import vdi
from govkit.sources.terraform.aws import CONSUMED, NORMALIZERS
from govkit.sources.terraform.context import PlanContext
from govkit.sources.terraform.plan import CHANGING, Plan
from govkit.inventory.model import Inventory, Resource
from govkit.sources.aws import eligible

# Terraform's own resources and the utility providers' hold no cloud configuration
_NOTHING_TO_JUDGE = ("terraform_data", "null_resource", "random_", "time_", "tls_", "local_",
                     "archive_", "external_")


@dataclass(frozen=True)
class NotEvaluated:
    """A planned resource of a type govkit has no normaliser for."""

    address: str
    type: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class PlanInventory:
    inventory: Inventory
    context: PlanContext
    not_evaluated: tuple[NotEvaluated, ...]
    # inventory resource id -> the plan addresses its attributes were read from
    members: Mapping[str, frozenset[str]]

    def changed(self, resource: Resource) -> bool:
        """Whether the plan creates, updates or replaces any resource ``resource`` is built
        from (a bucket is judged again when its versioning resource changes)."""
        by_address = self.context.by_address
        deleted = {r.address for r in self.context.deleted}
        return any(a in deleted or (a in by_address and by_address[a].actions in CHANGING)
                   for a in self.members.get(resource.id, ()))



def build(plan: Plan, file: str, eligible_list: Path | None = None) -> PlanInventory:
    """Normalise every planned resource that will exist after apply (deleted and forgotten
    ones do not); list those of types govkit does not know. Tagged AWS resources are judged
    against AWS's HIPAA eligible services list (``eligible_list``, else govkit's copy), as
    in a scan."""
    context = PlanContext(plan, file)
    resources: list[Resource] = []
    skipped: list[NotEvaluated] = []
    for planned in context.resources:
        normalizer = NORMALIZERS.get(planned.type)
        if normalizer is not None:
            resources.extend(normalizer(context, planned))
        elif planned.type not in CONSUMED and not planned.type.startswith(_NOTHING_TO_JUDGE):
            skipped.append(NotEvaluated(planned.address, planned.type, planned.actions))
    members = {r.id: _members(context, r) for r in resources}
    windows = vdi.windows(resources)
    for window in windows:
        source = str(window.attributes.get("Source"))
        members[window.id] = members.get(source, frozenset()) | _members(context, window)
    everything = eligible.attach([*resources, *windows, eligible.read_listing(eligible_list)])
    members_of_group = [r for r in everything if eligible.KEY in r.attributes
                        or eligible.KEY in r.failures]
    inventory = Inventory.of(everything, [], groups={eligible.GROUP: members_of_group})
    return PlanInventory(inventory=inventory, context=context, not_evaluated=tuple(skipped),
                         members=members)


def _members(context: PlanContext, resource: Resource) -> frozenset[str]:
    """The plan resources whose values a resource's attributes (or failures) point at."""
    found = {resource.id} if resource.id in context.by_address else set()
    pointers = [ref.pointer for refs in resource.sources.values() for ref in refs] + \
        [f.pointer for f in resource.failures.values() if f.file == context.file]
    for pointer in pointers:
        owner = context.owner(pointer)
        if owner is not None:
            found.add(owner)
    return frozenset(found)
