"""SageMaker: every notebook instance, each described for its storage volume key and its
network settings (the listing carries neither). Tags are not read: the rules judge every
notebook instance."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "sagemaker", "list_notebook_instances", "NotebookInstances",
                             lambda sagemaker, notebook: sagemaker.call(
                                 "describe_notebook_instance",
                                 NotebookInstanceName=notebook["NotebookInstanceName"]))]
