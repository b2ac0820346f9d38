"""Report benchmark: every report format rendered for a run of 100,000 results.

The run is the full demo (AWS, identity providers, HR and rosters, vendors, VDI) with its
results repeated under new resource ids until there are ``--results`` of them, so every format
meets realistic findings, evidence records and people facts. Each format renders in its own
process, which prints the time from opening the run to the last byte written and that
process's peak RSS. Targets: each format under 10 s and 500 MiB on 2 cores.

    python benchmarks/report_formats.py [--results 100000] [--formats html,csv,...]
                                        [--demo RUN_DIR]   # a demo run to start from
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _support import peak_rss_mib

RENDER = inspect.getsource(peak_rss_mib) + """
import sys, time
from pathlib import Path
began = time.perf_counter()
from govkit.report import formats
from govkit.report.source import open_run
options = formats.Options(sample=50, seed="benchmark") if sys.argv[2] == "csv" else \\
    formats.Options()
with open_run(Path(sys.argv[1])) as report:
    opened = time.perf_counter() - began
    artifacts = formats.get(sys.argv[2]).render(report, options)
    out = Path(sys.argv[3])
    for artifact in artifacts:
        (out / artifact.name).write_bytes(artifact.data)
elapsed = time.perf_counter() - began
peak = peak_rss_mib()
size = sum(len(a.data) for a in artifacts)
print(f"{elapsed:.2f} {opened:.2f} {peak:.0f} {size}")
"""


def synthetic_run(demo: Path, dest: Path, count: int) -> int:
    """A copy of ``demo`` whose results are the demo's, repeated under new resource ids."""
    from govkit.results import Evaluation, Result, result_id

    shutil.copytree(demo, dest)
    path = dest / "results" / "results.json"
    document = json.loads(path.read_text("utf-8"))
    base = document["results"]
    results = []
    for number in range(count):
        item = dict(base[number % len(base)])
        if number >= len(base):
            item["resource_id"] = f"{item['resource_id']}#{number}"
            item["id"] = result_id(item["rule_id"], item["resource_id"])
        results.append(Result.from_json(item))
    evaluation = Evaluation.from_json(document, results)
    out = evaluation.to_json(run_id=document["run_id"], evaluated_at=document["evaluated_at"])
    path.write_text(json.dumps(out, sort_keys=True), "utf-8")
    return len(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--formats", default="")
    parser.add_argument("--demo", type=Path, metavar="RUN_DIR",
                        help="start from this run of `govkit demo` instead of running the "
                             "demo first")
    options = parser.parse_args()
    from govkit.demo.run import run_demo
    from govkit.report import formats

    names = [n for n in options.formats.split(",") if n] or list(formats.NAMES)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        demo = options.demo or run_demo(root / "demo").path
        count = synthetic_run(demo, root / "run", options.results)
        demo_results = json.loads((demo / "results" / "results.json").read_text())["results"]
        print(f"run of {count:,} results (the demo's {len(demo_results)} repeated)")
        print(f"{'format':<10} {'seconds':>8} {'(open)':>8} {'peak MiB':>9} {'output MiB':>11}")
        for name in names:
            out = root / f"out-{name}"
            out.mkdir()
            process = subprocess.run([sys.executable, "-c", RENDER, str(root / "run"), name,
                                      str(out)], capture_output=True, text=True, check=False)
            if process.returncode != 0:
                print(f"{name:<10} failed: {process.stderr.strip().splitlines()[-1:]}")
                continue
            elapsed, opened, peak, size = process.stdout.split()
            print(f"{name:<10} {float(elapsed):>8.2f} {float(opened):>8.2f} {float(peak):>9.0f} "
                  f"{int(size) / 2**20:>11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
