"""The pre-commit hook this repository offers gates a plan, run by pre-commit itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"})


def test_pre_commit_try_repo_runs_the_gate_on_a_plan(tmp_path: Path) -> None:
    project = tmp_path / "infra"
    project.mkdir()
    _git(project, "init", "-q")
    shutil.copy(REPO / "examples" / "terraform" / "plan.json", project / "plan.json")
    (project / "notes.json").write_text('{"not": "a plan"}\n')
    _git(project, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    process = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "govkit-gate",
         "--all-files", "--verbose"],
        cwd=project, capture_output=True, text=True, timeout=900, env=env, check=False)
    output = process.stdout + process.stderr
    # the plan fails the gate (its billing bucket is not KMS encrypted); notes.json is not
    # a plan by its name, so the hook never sees it
    assert process.returncode == 1, output
    assert "govkit gate (Terraform plan)" in output and "Failed" in output
    assert "aws_s3_bucket.billing" in output
    assert "notes.json" not in output
