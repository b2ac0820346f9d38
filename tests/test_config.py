"""The scan configuration file: validated with file, line and key before anything is
collected; secrets only by environment variable name; flags override the file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from govkit.config import load_config
from govkit.errors import InputError
from tests.conftest import Estate
from tests.test_bad_input import assert_refused
from tests.test_cli import govkit

GOOD = """\
timezone: America/Chicago
aws:
  regions: [us-east-1, us-west-2]
  workers: 8
  role_name: GovkitReadOnly
  external_id_env: GOVKIT_EXTERNAL_ID
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "govkit.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_good_file_loads_with_secrets_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), {"GOVKIT_EXTERNAL_ID": "nbh-7731"})
    assert config.aws is not None and config.aws.regions == ("us-east-1", "us-west-2")
    assert config.aws.external_id == "nbh-7731" and config.aws.workers == 8
    assert str(config.timezone) == "America/Chicago"
    assert config.resolve("exports/workday.csv") == tmp_path / "exports" / "workday.csv"


@pytest.mark.parametrize(("text", "line", "field", "complaint"), [
    (GOOD + "horizon: {site: example}\n", 7, "horizon", "unknown field 'horizon'"),
    (GOOD.replace("workers: 8", "workers: 500"), 4, "aws.workers", "500"),
    (GOOD.replace("external_id_env: GOVKIT_EXTERNAL_ID", "external_id: nbh-7731"), 6,
     "aws.external_id", "external_id_env: VARIABLE"),
    (GOOD.replace("America/Chicago", "America/Springfield"), 1, "timezone",
     "unknown time zone"),
    (GOOD.replace("GOVKIT_EXTERNAL_ID", "UNSET_VARIABLE"), 6, "aws.external_id_env",
     "UNSET_VARIABLE"),
])
def test_mistakes_name_file_line_and_key(tmp_path: Path, text: str, line: int, field: str,
                                         complaint: str) -> None:
    with pytest.raises(InputError) as caught:
        load_config(write(tmp_path, text), {"GOVKIT_EXTERNAL_ID": "nbh-7731"})
    assert (caught.value.line, caught.value.field) == (line, field)
    assert complaint in str(caught.value) and "govkit.yaml" in str(caught.value)


def test_scan_reads_the_file_and_flags_override_it(estate: Estate, tmp_path: Path) -> None:
    write(tmp_path, """\
    aws:
      regions: [us-east-1, us-west-2]
      workers: 8
    """)
    process = govkit("scan", "--config", "govkit.yaml", "--out", "runs", "--fail-on", "none",
                     endpoint_url=estate.endpoint_url, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    manifest = json.loads((tmp_path / "runs" / "latest" / "manifest.json").read_text())
    assert manifest["regions"] == ["us-east-1", "us-west-2"]
    process = govkit("scan", "--config", "govkit.yaml", "--regions", "us-west-2", "--out",
                     "runs", "--fail-on", "none", endpoint_url=estate.endpoint_url, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    manifest = json.loads((tmp_path / "runs" / "latest" / "manifest.json").read_text())
    assert manifest["regions"] == ["us-west-2"]


@pytest.mark.parametrize(("text", "needles"), [
    ("aws:\n  regions: us-east-1\n", ["govkit.yaml:2", "aws.regions"]),
    ("aws:\n  token: abc123\n", ["govkit.yaml:2", "token_env"]),
    ("timezone: UTC\n", ["names no source"]),
])
def test_a_bad_file_stops_the_scan_before_anything_is_written(
        estate: Estate, tmp_path: Path, text: str, needles: list[str]) -> None:
    write(tmp_path, text)
    process = govkit("scan", "--config", "govkit.yaml", "--out", "runs",
                     endpoint_url=estate.endpoint_url, cwd=tmp_path)
    assert_refused(process, 2, *needles)
    assert not (tmp_path / "runs").exists()
