"""The citrix section and collection: settings refused with the key at fault; every export
checked before any is recorded; each recorded whole with its file name and sha256."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from govkit.config import load_config
from govkit.errors import EXIT_INPUT, InputError
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import citrix
from govkit.sources.interface import ConfigProblem
from tests.sources.citrix import DATA, DEMO, demo, resolver, write

REPO = Path(__file__).resolve().parents[3]


def test_one_site_or_a_list_of_sites() -> None:
    (single,) = citrix.settings_from({"site": "nbh-daas", "export": "nbh-daas.json"},
                                     resolve=resolver(DATA))
    assert single == citrix.SiteExport("nbh-daas", DEMO)
    both = citrix.settings_from([{"site": "nbh-daas", "export": "nbh-daas.json"},
                                 {"site": "nbh-dr", "export": "./nbh-daas.json"}],
                                resolve=resolver(DATA))
    assert [s.site for s in both] == ["nbh-daas", "nbh-dr"]


@pytest.mark.parametrize(("section", "key", "words"), [
    ({"site": "nbh-daas", "export": "missing.json"}, "export", "no such Citrix export file"),
    ([{"site": "a", "export": "nbh-daas.json"}, {"site": "b", "export": "gone.json"}],
     "1.export", "no such Citrix export file"),
    ([{"site": "nbh", "export": "nbh-daas.json"}, {"site": "NBH", "export": "nbh-daas.json"}],
     "1.site", "site 'NBH' is listed twice"),
    ({"site": "nbh-daas", "export": "nbh-daas.json", "token": "x"}, "token", "unknown key"),
    ({"site": "../etc", "export": "nbh-daas.json"}, "site", "does not match"),
    ({"export": "nbh-daas.json"}, "", "'site' is a required property"),
    ([], "", "should be non-empty"),
])
def test_a_section_that_cannot_be_used_names_its_key(section: Any, key: str,
                                                     words: str) -> None:
    with pytest.raises(ConfigProblem) as caught:
        citrix.settings_from(section, resolve=resolver(DATA))
    assert caught.value.key == key
    assert words in caught.value.message


def test_the_section_reads_from_a_configuration_file(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    write(tmp_path / "exports", demo(), "citrix-nbh-daas.json")
    config = tmp_path / "govkit.yaml"
    config.write_text(yaml.safe_dump({"citrix": {"site": "nbh-daas",
                                                 "export": "exports/citrix-nbh-daas.json"}}))
    loaded = load_config(config, environ={})
    ((kind, settings),) = loaded.sources
    assert kind.section == "citrix"
    assert settings == (citrix.SiteExport("nbh-daas",
                                          tmp_path / "exports" / "citrix-nbh-daas.json"),)
    config.write_text("citrix:\n  site: nbh-daas\n  export: exports/none.json\n")
    with pytest.raises(InputError) as caught:
        load_config(config, environ={})
    assert caught.value.field == "citrix.export" and caught.value.line == 3


def test_each_export_is_recorded_whole_with_its_name_and_digest(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path / "run")
    entry = citrix.collect([citrix.SiteExport("nbh-daas", DEMO)], writer, None)
    writer.write_index()
    (site,) = entry["sites"]
    digest = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    assert entry["type"] == "citrix"
    assert site == {"site": "nbh-daas", "file": "nbh-daas.json", "sha256": digest,
                    "policy_sets": 1, "delivery_groups": 3, "record": site["record"]}
    snapshot = Snapshot.open(tmp_path / "run")
    (call,) = snapshot.select("citrix", "ReadPolicyExport")
    assert call.account == "nbh-daas" and call.region == "global" and call.ok
    assert call.params == {"file": "nbh-daas.json", "sha256": digest, "site": "nbh-daas"}
    assert call.file == site["record"]
    assert snapshot.load(call).response["export"] == json.loads(DEMO.read_text("utf-8"))


def test_one_bad_export_stops_collection_before_anything_is_written(tmp_path: Path) -> None:
    bad = demo()
    bad["DeliveryGroups"][1]["SessionSupport"] = "Pooled"
    path = write(tmp_path, bad, "nbh-dr.json")
    writer = SnapshotWriter(tmp_path / "run")
    with pytest.raises(InputError) as caught:
        citrix.collect([citrix.SiteExport("nbh-daas", DEMO),
                        citrix.SiteExport("nbh-dr", path)], writer, None)
    assert caught.value.exit_code == EXIT_INPUT
    assert caught.value.path == str(path)
    assert caught.value.field == "DeliveryGroups.1.SessionSupport"
    assert caught.value.line is not None
    assert '"SessionSupport": "Pooled"' in path.read_text().splitlines()[caught.value.line - 1]
    assert writer.call_count == 0 and not (tmp_path / "run").exists()


def test_the_documented_script_is_the_one_the_module_shows() -> None:
    page = (REPO / "docs" / "sources" / "citrix.md").read_text("utf-8")
    documented = re.search(r"```powershell\n(param\(.*?)```", page, re.S)
    assert documented is not None
    doc = citrix.__doc__ or ""
    shown = doc[doc.index("    param("):doc.index("Collection reads")].rstrip()
    assert "\n".join(line[4:] for line in shown.splitlines()) == documented.group(1).rstrip()


def test_the_documented_configuration_examples_read(tmp_path: Path) -> None:
    page = (REPO / "docs" / "sources" / "citrix.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", page, re.S)
    assert len(blocks) == 2
    (tmp_path / "exports").mkdir()
    for name in ("citrix-nbh-daas.json", "citrix-nbh-dr.json"):
        write(tmp_path / "exports", demo(), name)
    for block in blocks:
        section = yaml.safe_load(block)["citrix"]
        assert citrix.settings_from(section, resolve=resolver(tmp_path))
