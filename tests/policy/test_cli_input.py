"""Bad rule files and bad --param / --phi-tag values, end to end as a user runs govkit: exit 2,
a message naming what to fix, no traceback, nothing written and no AWS call made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.policy.test_yaml_limits import billion_laughs


def govkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Credentials are dummies and the endpoint is the discard port: nothing leaves."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL="http://127.0.0.1:9",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run([sys.executable, "-m", "govkit", *args], check=False, cwd=cwd,
                          text=True, capture_output=True, env=env, timeout=120)


def said(process: subprocess.CompletedProcess[str]) -> str:
    """Everything printed, with the console's line wrapping undone."""
    return " ".join((process.stdout + process.stderr).split())


def test_validate_refuses_an_alias_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "rules" / "access" / "bomb-rule.yaml"
    bomb.parent.mkdir(parents=True)
    bomb.write_text(billion_laughs())
    process = govkit("policies", "validate", str(tmp_path / "rules"), cwd=tmp_path)
    assert process.returncode == 2, said(process)
    assert f"{bomb}:5: the aliases in this list or mapping expand it to more than 100,000 values" \
        in said(process)
    assert "Traceback" not in said(process)


KEY_AGE = "iam-user-access-key-rotated.max_key_age_days"


@pytest.mark.parametrize(("option", "words"), [
    (f"{KEY_AGE}=abc", "got 'abc'"),
    (f"{KEY_AGE}=[1, 2]", "got [1, 2]"),
    (f"{KEY_AGE}=99999999999", "got 99999999999"),
    (f"{KEY_AGE}=-30", "got -30"),
], ids=["text", "list", "huge", "negative"])
def test_scan_refuses_a_bad_param_before_collecting(tmp_path: Path, option: str,
                                                    words: str) -> None:
    process = govkit("scan", "--param", option, "--regions", "us-east-1", "--out", "OUT",
                     cwd=tmp_path)
    assert process.returncode == 2, said(process)
    assert (f"--param {KEY_AGE}: expected a whole number from 1 to 3650, {words}"
            in said(process))
    assert "Traceback" not in said(process)
    assert "GetCallerIdentity" not in said(process)  # refused before the first AWS call
    assert not (tmp_path / "OUT").exists()


@pytest.mark.parametrize(("options", "words"), [
    (("--param", f"{KEY_AGE}=" + "9" * 5_000), f"--param {KEY_AGE}: invalid YAML: int"),
    (("--param", f"{KEY_AGE}=" + "[" * 5_000), f"--param {KEY_AGE}: invalid YAML"),
    (("--phi-tag", "data_classification=,,"), "--phi-tag needs at least one value"),
    (("--phi-tag", "=phi"), "--phi-tag expects KEY=VALUE"),
], ids=["too-many-digits", "too-deep", "phi-tag-no-values", "phi-tag-no-key"])
def test_scan_refuses_unreadable_options(tmp_path: Path, options: tuple[str, ...],
                                         words: str) -> None:
    process = govkit("scan", *options, "--regions", "us-east-1", "--out", "OUT", cwd=tmp_path)
    assert process.returncode == 2, said(process)
    assert words in said(process)
    assert "Traceback" not in said(process)
    assert not (tmp_path / "OUT").exists()
