"""``session_hosts: FILE``: the session hosts' Group Policy time limits, as the documented
PowerShell command prints them, read beside ARM (live or exported), recorded whole with the
file's name and sha256, and given to each host pool whose session hosts it lists."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from govkit.config import load_config
from govkit.errors import InputError
from govkit.inventory.model import Ref
from govkit.sources import avd
from govkit.sources.avd import queries as q
from govkit.sources.avd.sessionhosts import COMMAND
from govkit.sources.avd.settings import settings_from
from govkit.sources.interface import ConfigProblem
from govkit.vdi import avd as windows
from tests.sources.avd import (
    CLINIC_SUBSCRIPTION, MERIDIAN_SUBSCRIPTION, TENANT_ID, Collected, collect_into,
    schema_errors, serving, settings_for)

DATA = Path(__file__).parents[2] / "data" / "avd"
DOC = Path(__file__).parents[3] / "docs" / "sources" / "avd-session-hosts.md"
EXPORT = {"export": "hostpools.json", "application_groups": "appgroups.json",
          "role_assignments": "role-assignments.json"}
KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"

# what Windows PowerShell 5.1 prints on each host (four-space indents, two spaces after the
# colon), the outputs joined into one array
SESSION_HOSTS = """[
    {
        "hostPool":  "hp-meridian-agents",
        "sessionHost":  "AVD-MER-0",
        "policy":  {
                       "MaxIdleTime":  600000,
                       "MaxDisconnectionTime":  1800000,
                       "MaxConnectionTime":  28800000
                   }
    },
    {
        "hostPool":  "hp-meridian-agents",
        "sessionHost":  "AVD-MER-1",
        "policy":  {
                       "MaxIdleTime":  900000,
                       "MaxDisconnectionTime":  3600000,
                       "MaxConnectionTime":  28800000
                   }
    },
    {
        "hostPool":  "hp-meridian-billing",
        "sessionHost":  "AVD-BIL-0",
        "policy":  {
                       "MaxIdleTime":  null,
                       "MaxDisconnectionTime":  3600000,
                       "MaxConnectionTime":  36000000
                   }
    }
]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "exports"
    shutil.copytree(DATA, copy)
    (copy / "session-hosts.json").write_text(SESSION_HOSTS, encoding="utf-8")
    return copy


def _exported(folder: Path, run_dir: Path, **section: Any) -> Collected:
    settings = settings_from({**EXPORT, "session_hosts": "session-hosts.json", **section},
                             resolve=lambda p: folder / p, environ={})
    return collect_into(run_dir, settings)


# -- configuration ---------------------------------------------------------------------------

def test_the_key_is_allowed_live_and_with_an_export() -> None:
    live = {"tenant_id": TENANT_ID, "client_id": "0d9f6a21", "client_secret_env": "S",
            "subscription_ids": [MERIDIAN_SUBSCRIPTION], "session_hosts": "avd/hosts.json"}
    assert schema_errors(live) == []
    assert schema_errors({**EXPORT, "session_hosts": "avd/hosts.json"}) == []
    assert schema_errors({**EXPORT, "session_hosts": ""})
    # the schema and the doc give the same command
    description = json.loads(avd.SCHEMA_FILE.read_text())["properties"]["session_hosts"]
    assert f"`{COMMAND}`" in description["description"]
    assert f"\n{COMMAND}\n" in DOC.read_text(encoding="utf-8")


def test_the_file_is_resolved_from_the_configuration_folder(folder: Path) -> None:
    config = folder.parent / "govkit.yaml"
    config.write_text("avd:\n  tenant_id: t\n  client_id: c\n  client_secret_env: S\n"
                      f"  subscription_ids: [{MERIDIAN_SUBSCRIPTION}]\n"
                      "  session_hosts: exports/session-hosts.json\n")
    [(_, settings)] = load_config(config, environ={"S": "x"}).sources
    assert settings.session_hosts_file == folder / "session-hosts.json"
    assert settings.export_file is None


def test_a_missing_file_is_a_config_problem_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigProblem) as raised:
        settings_from({"export": "hostpools.json", "session_hosts": "nowhere.json"},
                      resolve=lambda p: DATA / p, environ={})
    assert raised.value.key == "session_hosts" and "nowhere.json" in raised.value.message
    config = tmp_path / "govkit.yaml"
    shutil.copy(DATA / "hostpools.json", tmp_path / "hostpools.json")
    config.write_text("avd:\n  export: hostpools.json\n  session_hosts: hosts.json\n")
    with pytest.raises(InputError) as error:
        load_config(config, environ={})
    assert error.value.line == 3 and error.value.field == "avd.session_hosts"


# -- collection and recording ----------------------------------------------------------------

def test_the_export_is_recorded_whole_with_its_name_and_sha256(folder: Path,
                                                                tmp_path: Path) -> None:
    run = _exported(folder, tmp_path / "run")
    [record] = run.records("ReadSessionHostPolicies")
    raw = (folder / "session-hosts.json").read_bytes()
    assert record["service"] == "avd" and record["account"] == "hostpools"
    assert record["params"] == {"file": "session-hosts.json",
                                "sha256": hashlib.sha256(raw).hexdigest()}
    assert record["response"] == {"sessionHosts": json.loads(raw)}
    assert run.summary["session_hosts"] == "session-hosts.json"
    # the tenant's record is no subscription: only Meridian's is covered
    assert list(run.coverage()) == [MERIDIAN_SUBSCRIPTION]


def test_each_host_pool_gets_its_session_hosts_values_with_refs(folder: Path,
                                                                tmp_path: Path) -> None:
    pools = (run := _exported(folder, tmp_path / "run")).pools
    agents, billing = pools["hp-meridian-agents"], pools["hp-meridian-billing"]
    assert agents.attributes["SessionHosts"] == ["AVD-MER-0", "AVD-MER-1"]
    assert agents.attributes["MaxIdleTime"] == [
        {"SessionHost": "AVD-MER-0", "Milliseconds": 600000},
        {"SessionHost": "AVD-MER-1", "Milliseconds": 900000}]
    assert [r.pointer for r in agents.sources["MaxIdleTime"]] == [
        "/response/sessionHosts/0/policy/MaxIdleTime",
        "/response/sessionHosts/1/policy/MaxIdleTime"]
    for key in ("MaxIdleTime", "MaxDisconnectionTime", "MaxConnectionTime"):
        for reading, ref in zip(agents.attributes[key], agents.sources[key], strict=True):
            assert run.value_at(ref) == reading["Milliseconds"]
    assert billing.attributes["MaxIdleTime"] == [{"SessionHost": "AVD-BIL-0",
                                                  "Milliseconds": None}]


def test_the_windows_are_judged_on_the_weakest_host(folder: Path, tmp_path: Path) -> None:
    pools = _exported(folder, tmp_path / "run").pools
    found = {w.name: w for w in windows.windows({"azure.avd.host_pool": list(pools.values())})}
    agents, billing = found["hp-meridian-agents"], found["hp-meridian-billing"]
    assert [agents.attributes[k]["Minutes"] for k in
            ("IdleTimeout", "DisconnectTimeout", "MaxSession")] == [15, 60, 480]
    assert billing.attributes["IdleTimeout"] == {
        "Minutes": None, "Offered": True,
        "Setting": f"MaxIdleTime is not set on session host AVD-BIL-0 under {KEY}: no idle "
                   "time limit"}
    assert billing.sources["IdleTimeout"][0].pointer == \
        "/response/sessionHosts/2/policy/MaxIdleTime"
    assert billing.attributes["MaxSession"]["Minutes"] == 600


def test_live_collection_reads_the_same_file(folder: Path, tmp_path: Path) -> None:
    with serving() as server:
        run = collect_into(tmp_path / "run", settings_for(
            server, session_hosts_file=folder / "session-hosts.json"))
    [record] = run.records("ReadSessionHostPolicies")
    assert record["account"] == TENANT_ID
    assert sorted(run.coverage()) == sorted([MERIDIAN_SUBSCRIPTION, CLINIC_SUBSCRIPTION])
    pools = run.pools
    assert pools["hp-meridian-agents"].attributes["SessionHosts"] == ["AVD-MER-0", "AVD-MER-1"]
    # the clinic's host pools are not in the file
    failure = pools["hp-clinic-1"].failures["MaxIdleTime"]
    assert failure.code == "NotCollected"
    assert failure.message == (
        "the session-host export session-hosts.json lists no session host of host pool "
        "hp-clinic-1 (it lists host pools hp-meridian-agents, hp-meridian-billing)")
    assert failure.ref == Ref(record["file"], "/response/sessionHosts")


def test_without_the_file_the_limits_fail_naming_the_key(folder: Path, tmp_path: Path) -> None:
    settings = settings_from(EXPORT, resolve=lambda p: folder / p, environ={})
    run = collect_into(tmp_path / "run", settings)
    assert not run.records("ReadSessionHostPolicies") and "session_hosts" not in run.summary
    pool = run.pools["hp-meridian-agents"]
    for key in ("SessionHosts", "MaxIdleTime", "MaxDisconnectionTime", "MaxConnectionTime"):
        failure = pool.failures[key]
        assert failure.code == "NotCollected" and key not in pool.attributes
        assert "session_hosts in the avd section" in failure.explain()
        assert failure.pointer == "/response/body/value/0"  # the host pool


def test_one_hosts_output_on_its_own_is_read(folder: Path, tmp_path: Path) -> None:
    (folder / "session-hosts.json").write_text(json.dumps({
        "hostPool": "HP-MERIDIAN-BILLING", "sessionHost": "AVD-BIL-0",
        "policy": None}), encoding="utf-8-sig")  # PowerShell's Out-File may add a BOM
    pools = _exported(folder, tmp_path / "run").pools
    assert pools["hp-meridian-billing"].attributes["MaxConnectionTime"] == [
        {"SessionHost": "AVD-BIL-0", "Milliseconds": None}]
    assert pools["hp-meridian-billing"].sources["MaxConnectionTime"][0].pointer == \
        "/response/sessionHosts/0/policy"
    assert "MaxIdleTime" in pools["hp-meridian-agents"].failures


def test_a_value_that_is_not_milliseconds_fails_only_that_value(folder: Path,
                                                                 tmp_path: Path) -> None:
    items = json.loads(SESSION_HOSTS)
    items[1]["policy"]["MaxDisconnectionTime"] = "60 minutes"
    (folder / "session-hosts.json").write_text(json.dumps(items))
    agents = _exported(folder, tmp_path / "run").pools["hp-meridian-agents"]
    failure = agents.failures["MaxDisconnectionTime"]
    assert failure.code == "InvalidRegistryValue"
    assert failure.call == ('MaxDisconnectionTime "60 minutes" on session host AVD-MER-1 of '
                            "AVD host pool hp-meridian-agents")
    assert failure.pointer == "/response/sessionHosts/1/policy/MaxDisconnectionTime"
    assert agents.attributes["MaxIdleTime"][1]["Milliseconds"] == 900000


@pytest.mark.parametrize(("content", "problem", "where"), [
    ('[{"hostPool": "hp-meridian-agents",\n  "sessionHost": "AVD-MER-0" "policy": null}]',
     "invalid JSON", ":2:"),
    ('"AVD-MER-0"', "expected a JSON array of session hosts", ""),
    ('[{"hostPool": "hp-meridian-agents", "sessionHost": "AVD-MER-0", "policy": null}, 7]',
     "item 1 is not an object", "(field '[1]')"),
    ('[{"sessionHost": "AVD-MER-0", "policy": null}]', "item 0 has no hostPool",
     "(field '[0].hostPool')"),
    ('[{"hostPool": "hp-meridian-agents", "policy": null},'
     ' {"hostPool": "hp-meridian-agents", "sessionHost": "", "policy": null}]',
     "item 0 has no sessionHost", "(field '[0].sessionHost')"),
    ('[{"hostPool": "hp-meridian-agents", "sessionHost": "AVD-MER-0", "policy": null},'
     ' {"hostPool": " ", "sessionHost": "AVD-MER-1", "policy": null}]',
     "item 1 has no hostPool", "(field '[1].hostPool')"),
    ('[{"hostPool": "hp-meridian-agents", "sessionHost": "AVD-MER-0", "policy": "900000"}]',
     "item 0 (session host AVD-MER-0): policy must be the object", "(field '[0].policy')"),
    ('[{"hostPool": "hp-meridian-agents", "sessionHost": "AVD-MER-0"}]',
     "policy must be the object", "(field '[0].policy')")])
def test_a_malformed_file_stops_the_scan_naming_file_and_line_or_item(
        folder: Path, tmp_path: Path, content: str, problem: str, where: str) -> None:
    (folder / "session-hosts.json").write_text(content)
    with pytest.raises(InputError) as raised:
        _exported(folder, tmp_path / "run")
    message = str(raised.value)
    assert message.startswith(str(folder / "session-hosts.json")), message
    assert problem in message and where in message, message
    # checked before anything is recorded
    assert not list((tmp_path / "run").rglob(f"{q.LIST_HOST_POOLS}*.json"))


def test_a_malformed_file_stops_live_collection_before_any_request(folder: Path,
                                                                   tmp_path: Path) -> None:
    (folder / "session-hosts.json").write_text("[{")
    with serving() as server:
        with pytest.raises(InputError):
            collect_into(tmp_path / "run", settings_for(
                server, session_hosts_file=folder / "session-hosts.json"))
        assert not server.seen
