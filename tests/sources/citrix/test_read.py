"""Reading an export: a malformed one is an InputError naming the file, the JSON path of the
value at fault and, where it can be found, its line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import EXIT_INPUT, InputError
from govkit.sources.citrix.read import read_export
from tests.sources.citrix import DEMO, demo, group, policy, write

LOCKDOWN = "Meridian Agents Lockdown"


def refused(tmp_path: Path, export: Any) -> InputError:
    path = write(tmp_path, export)
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.path == str(path) and caught.value.exit_code == EXIT_INPUT
    return caught.value


def test_the_sample_export_reads() -> None:
    read = read_export(DEMO)
    assert [s.name for s in read.export.policy_sets] == ["DefaultSitePolicies"]
    assert [p.name for p in read.export.policy_sets[0].policies] == [
        "Meridian Agents Lockdown", "Supervisors Plain Text Clipboard",
        "Billing Overflow Lockdown", "Hospital Staff Printing", "Unfiltered"]
    assert [g.name for g in read.export.groups] == ["Meridian Agents", "Billing Overflow",
                                                    "Scheduling Supervisors"]
    lockdown = read.export.policy_sets[0].policies[0]
    assert lockdown.settings["ClipboardRedirection"].value is False
    assert lockdown.settings["ServerIdleTimerInterval"].value == 15
    (only,) = lockdown.filters
    assert only.mode == "Allow" and only.group_id == read.export.groups[0].id


def test_a_byte_order_mark_is_fine_and_utf16_is_refused_with_advice(tmp_path: Path) -> None:
    text = DEMO.read_text("utf-8")
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_export(tmp_path / "bom.json").export.groups
    (tmp_path / "utf16.json").write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError) as caught:
        read_export(tmp_path / "utf16.json")
    assert "UTF-16" in str(caught.value) and "Set-Content -Encoding utf8" in str(caught.value)


@pytest.mark.parametrize(("text", "words", "line"), [
    ('{"PolicySets": [],\n "DeliveryGroups": [,]}', "not JSON", 2),
    ('{"PolicySets": [], "PolicySets": [], "DeliveryGroups": []}', "'PolicySets' appears twice",
     None),
    ('{"PolicySets": [], "DeliveryGroups": [{"Id": "a", "Name": "b", "Uid": NaN}]}',
     "NaN is not a JSON number", None),
    ('{"PolicySets": [], "DeliveryGroups": [{"Id": "a", "Name": "b", "Uid": 9007199254740993}]}',
     "too large", None),
    ("[]", "is not of type 'object'", 1),
])
def test_text_that_is_not_an_export_is_refused(tmp_path: Path, text: str, words: str,
                                               line: int | None) -> None:
    (tmp_path / "x.json").write_text(text, "utf-8")
    with pytest.raises(InputError) as caught:
        read_export(tmp_path / "x.json")
    assert words in str(caught.value)
    assert caught.value.line == line


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(export: dict[str, Any]) -> None:
        node: Any = export
        for part in path[:-1]:
            node = node[part]
        if value is _DROP:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return change


_DROP = object()
POLICY = ("PolicySets", 0, "Policies", 0)


@pytest.mark.parametrize(("change", "key", "words"), [
    (_set(("DeliveryGroups",), _DROP), "", "'DeliveryGroups' is a required property"),
    (_set((*POLICY, "Settings", 0, "SettingValue"), "Maybe"),
     "PolicySets.0.Policies.0.Settings.0.SettingValue",
     'ClipboardRedirection is a yes/no setting: its value must be "True" or "False", '
     'not "Maybe"'),
    (_set((*POLICY, "Settings", 8, "SettingValue"), None),
     "PolicySets.0.Policies.0.Settings.8.SettingValue", "has no value and does not use"),
    (_set((*POLICY, "Settings", 9, "SettingValue"), "15m"),
     "PolicySets.0.Policies.0.Settings.9.SettingValue", "a number of minutes"),
    (_set(("PolicySets", 0, "Policies", 1, "Settings", 2, "SettingValue"), "CF_TEXT"),
     "PolicySets.0.Policies.1.Settings.2.SettingValue", "written as a JSON array"),
    (_set(("PolicySets", 0, "Policies", 3, "Settings", 1, "SettingValue"), "Some"),
     "PolicySets.0.Policies.3.Settings.1.SettingValue",
     "ClientPrinterAutoCreation must be one of DoNotAutoCreate"),
    (_set((*POLICY, "Priority"), "1"), "PolicySets.0.Policies.0.Priority",
     "is not of type 'integer'"),
    (_set((*POLICY, "Priority"), 2), "PolicySets.0.Policies.1.Priority",
     "two policies of policy set 'DefaultSitePolicies' have priority 2"),
    (_set(("PolicySets", 0, "Policies", 4, "PolicyName"), LOCKDOWN),
     "PolicySets.0.Policies.4.PolicyName", "are named 'meridian agents lockdown'"),
    (_set((*POLICY, "IsEnabled"), _DROP), "PolicySets.0.Policies.0",
     "'IsEnabled' is a required property"),
    (_set((*POLICY, "Filters", 0, "FilterData"), '{"server":"x"}'),
     "PolicySets.0.Policies.0.Filters.0.FilterData", "the delivery group's id"),
    (_set(("PolicySets", 0, "PolicySetType"), "Everything"), "PolicySets.0.PolicySetType",
     "is not one of"),
    (_set(("DeliveryGroups", 1, "FullName"), "Meridian Agents"), "DeliveryGroups.1.Name",
     "are both named 'meridian agents'"),
    (_set(("DeliveryGroups", 0, "AdvancedAccessPolicies", 0, "IncludedUsers", 0), {"Sid": "S"}),
     "DeliveryGroups.0.AdvancedAccessPolicies.0.IncludedUsers.0", "no SamName"),
    (_set(("DeliveryGroups", 0, "AdvancedAccessPolicies", 0, "AllowedUsers"), "Everyone"),
     "DeliveryGroups.0.AdvancedAccessPolicies.0.AllowedUsers", "is not one of"),
])
def test_a_malformed_export_names_the_key_and_line(
        tmp_path: Path, change: Callable[[dict[str, Any]], None], key: str, words: str) -> None:
    export = demo()
    change(export)
    error = refused(tmp_path, export)
    assert (error.field or "") == key
    assert words in str(error)
    assert error.line is not None
    if key:
        last = key.rsplit(".", 1)[-1]
        lines = (tmp_path / "export.json").read_text().splitlines()
        assert last.isdigit() or f'"{last}"' in lines[error.line - 1]


def test_two_site_policy_sets_are_refused(tmp_path: Path) -> None:
    export = demo()
    second = json.loads(json.dumps(export["PolicySets"][0]))
    second.update(PolicySetGuid="5f9a7c4e-0000-4000-8000-000000000001", Name="Copy")
    export["PolicySets"].append(second)
    error = refused(tmp_path, export)
    assert error.field == "PolicySets.1.PolicySetType" and "two" in str(error)


def test_a_setting_twice_in_one_policy_is_refused(tmp_path: Path) -> None:
    export = demo()
    lockdown = policy(export, LOCKDOWN)
    lockdown["Settings"].append(dict(lockdown["Settings"][0], SettingValue="True"))
    error = refused(tmp_path, export)
    assert "sets ClipboardRedirection twice" in str(error)
    assert error.field == "PolicySets.0.Policies.0.Settings.14.SettingName"


def test_values_read_as_the_api_writes_them(tmp_path: Path) -> None:
    export = demo()
    settings = policy(export, LOCKDOWN)["Settings"]
    settings[0]["SettingValue"] = "0"          # the Terraform provider writes 1/0
    settings[1]["SettingValue"] = " false "
    settings[8]["SettingValue"] = "TRUE"
    settings[9].update(UseDefault=True, SettingValue=None)  # the API ignores the value then
    group(export, "Billing Overflow").pop("SessionSupport")
    # one name in two admin folders: FullName tells the groups apart
    group(export, "Scheduling Supervisors").update(Name="Meridian Agents",
                                                   FullName="Leads\\Meridian Agents")
    read = read_export(write(tmp_path, export)).export
    values = read.policy_sets[0].policies[0].settings
    assert values["ClipboardRedirection"].value is False
    assert values["ClientDriveRedirection"].value is False
    assert values["EnableServerIdleTimer"].value is True
    assert values["ServerIdleTimerInterval"].value == 1440
    assert values["ServerIdleTimerInterval"].use_default
    assert read.groups[1].session_support is None
    assert [g.key for g in read.groups] == ["Meridian Agents", "Billing Overflow",
                                            "Leads\\Meridian Agents"]
