"""SageMaker notebook instances (``aws.sagemaker.notebook_instance``): the KMS key of the
storage volume, direct internet access, root access and the subnet, as
DescribeNotebookInstance gives them for each instance ListNotebookInstances names."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, partition, ref, unread)
from govkit.sources.aws.normalize.described import by_region_and_name, set_described
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

NOTEBOOK = "aws.sagemaker.notebook_instance"
FIELDS = {key: (key,) for key in ("KmsKeyId", "DirectInternetAccess", "RootAccess",
                                  "SubnetId")}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "sagemaker"):
        records = RecordSet(snapshot, "sagemaker", account)
        pages = records.of("ListNotebookInstances")
        yield from listing_coverage(pages, NOTEBOOK)
        described = by_region_and_name(records, "DescribeNotebookInstance",
                                       "NotebookInstanceName")
        for page in pages:
            region = page.entry.region
            for index, notebook in enumerate(page.response.get("NotebookInstances") or []):
                name = str(notebook.get("NotebookInstanceName"))
                builder = ResourceBuilder(
                    id=str(notebook.get("NotebookInstanceArn") or
                           f"arn:{partition(region)}:sagemaker:{region}:{account}:"
                           f"notebook-instance/{name.lower()}"),
                    type=NOTEBOOK, account=account, region=region, name=name,
                    item=ref(page, "NotebookInstances", index))
                for key in ("NotebookInstanceStatus", "InstanceType"):
                    builder.set(key, notebook.get(key),
                                ref(page, "NotebookInstances", index, key))
                set_described(builder, described.get((region, name)), (),
                              unread(page, f"notebook instance {name} was listed but not "
                                           "described", "NotebookInstances", index), FIELDS)
                yield builder.build()
