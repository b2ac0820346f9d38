"""Evaluation benchmark: built-in rules over a synthetic inventory of 100,000 resources.

The synthetic resources are copies of the normalised demo estate's resources (so every rule
finds realistic documents), renamed to unique ids. Prints rule × resource evaluations per
second. Evaluation is pure, so this measures govkit's engine alone.

    python benchmarks/evaluate_throughput.py [--resources 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import measured_govkit, seeded_emulator

from govkit.inventory.build import build_inventory
from govkit.inventory.model import Inventory, Resource
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.loader import load_policy_set
from govkit.snapshot import Snapshot


def synthetic(base: Inventory, count: int) -> Inventory:
    templates = list(base.resources)
    resources: list[Resource] = []
    for number in range(count):
        template = templates[number % len(templates)]
        new_id = f"{template.id}#{number}"
        attributes = dict(template.attributes) | {"Id": new_id}
        resources.append(replace(template, id=new_id, attributes=attributes))
    return Inventory.of(resources, base.coverage)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    options = parser.parse_args()
    with seeded_emulator(1) as endpoint, tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        measured_govkit(["scan", "--regions", "us-east-1,us-west-2", "--out", "runs",
                         "--fail-on", "none"], endpoint, cwd)
        run = (cwd / "runs" / "latest").resolve()
        base = build_inventory(Snapshot.open(run), ["123456789012"])
    inventory = synthetic(base, options.resources)
    rules = load_policy_set().rules
    pairs = sum(len(inventory.of_type(rule.resource_type)) for rule in rules)
    now = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    evaluation = evaluate_all(rules, inventory, now=now, settings=Settings())
    seconds = time.perf_counter() - started
    print(f"resources {len(inventory.resources)}  rules {len(rules)}  "
          f"rule x resource evaluations {pairs}  results {len(evaluation.results)}")
    print(f"evaluation {seconds:.2f} s  throughput {pairs / seconds:,.0f} evaluations/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
