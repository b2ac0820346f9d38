"""Profiles: the NPRM profile govkit ships loads and changes what a scan applies (the
deprovisioning SLA drops from 24 hours to one), an explicit --param still wins, a mistake in a
profile file names file, line and field, and a run made with a profile records it, keeps the
file and replays byte for byte, while runs made without one stay as they were."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from govkit.bundle import keys
from govkit.demo.idp.okta import OktaServer
from govkit.demo.idp.okta_directory import OktaDirectory, OktaUser
from govkit.errors import InputError, UsageError
from govkit.policy import profiles
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.loader import PolicySet, load_policy_set
from govkit.results import Result, Status
from govkit.run import period_of, replay_results, settings_from
from tests.people.factories import (
    account, agent, disable_event, joined, judged, listed, rosters_read, utc)
from tests.test_cli import govkit

NPRM = "hipaa-nprm-2025"
LATENCY = "offboarding-deprovisioning-latency"
DANIEL = "daniel.reyes@meridian-cs.example"


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policy_set()


@pytest.fixture(scope="module")
def nprm(policies: PolicySet) -> profiles.Profile:
    return profiles.load_profile(profiles.find_profile(NPRM), policies)


# --- the profile govkit ships ---------------------------------------------------------------

def test_the_nprm_profile_loads_with_the_proposed_clocks(nprm: profiles.Profile) -> None:
    assert nprm.id == NPRM and "not in force" in nprm.status.lower()
    assert nprm.source["citation"] == "90 FR 898"
    assert nprm.source["docket"] == "HHS-OCR-2024-0020"
    assert nprm.source["published"] == "2025-01-06"
    assert nprm.parameters[LATENCY] == {"sla_hours": 1}
    assert nprm.parameters["offboarding-vendor-notice-within-24-hours"] == {"hours": 24}
    assert nprm.parameters["vendor-safeguards-verified"] == {"max_days": 365}
    assert nprm.parameters["idp-user-mfa-enrolled"] == {"systems": ["okta", "entra", "google"]}


def test_its_controls_are_extra_controls_naming_existing_rules(
        nprm: profiles.Profile, policies: PolicySet) -> None:
    ids = [c.id for c in nprm.controls]
    assert f"{NPRM}:164.308(a)(9)(ii)(D)" in ids and f"{NPRM}:164.312(f)(2)(ii)" in ids
    assert not set(ids) & policies.catalogue.control_ids()
    rules = policies.by_id()
    for control in nprm.controls:
        assert control.id.startswith(f"{NPRM}:")
        assert set(control.rules) <= set(rules), control.id
        assert control.rules or control.manual_evidence, control.id
    notice = next(c for c in nprm.controls if c.id.endswith("(a)(9)(ii)(D)"))
    assert notice.rules == ("offboarding-vendor-notice-within-24-hours",)
    # extra controls only: the rules' own controls stay those of the rule in force
    assert not any(c.startswith(f"{NPRM}:") for r in policies.rules for c in r.controls)
    merged = profiles.with_controls(policies.catalogue, nprm)
    assert merged.controls[:len(policies.catalogue.controls)] == policies.catalogue.controls
    assert merged.id == policies.catalogue.id and merged.text == policies.catalogue.text


def test_an_organisations_profile_is_found_by_path(tmp_path: Path,
                                                    policies: PolicySet) -> None:
    (tmp_path / "profiles").mkdir()
    path, _ = write_profile(tmp_path / "profiles", "id: hipaa-nprm-2025", "id: acme-strict",
                            name="acme-strict")
    found = profiles.find_profile("profiles/acme-strict.yaml", base=tmp_path)
    assert found == path
    with pytest.raises(InputError, match="must start with 'acme-strict:'"):
        profiles.load_profile(found, policies)  # its controls still carry the NPRM's prefix


def test_an_unknown_profile_names_those_govkit_ships() -> None:
    with pytest.raises(UsageError, match=f"no profile 'hipaa-nprm-2099'.*{NPRM}"):
        profiles.find_profile("hipaa-nprm-2099")


# --- parameters: the profile under any explicit --param -------------------------------------

def test_the_profile_applies_under_explicit_parameters(nprm: profiles.Profile) -> None:
    explicit = Settings(parameters={LATENCY: {"sla_hours": 4},
                                    "iam-user-access-key-unused": {"max_unused_days": 30}})
    applied = profiles.apply(nprm, explicit)
    assert applied.parameters[LATENCY] == {"sla_hours": 4}  # the flag wins
    assert applied.parameters["iam-user-access-key-unused"] == {"max_unused_days": 30}
    assert applied.parameters["vendor-safeguards-verified"] == {"max_days": 365}
    assert applied.profile == NPRM
    assert profiles.apply(nprm, Settings()).parameters[LATENCY] == {"sla_hours": 1}


def latency(settings: Settings, disabled_after: dt.timedelta) -> Result:
    """The deprovisioning-latency result for one leaver, through the real evaluator with the
    rules parameterised as a replay does (run.evaluate_run)."""
    left = utc("2026-10-09T22:00:00Z")
    person = agent("M-1007", "Daniel Reyes", DANIEL, status="terminated",
                   terminated_at="2026-10-09T22:00:00Z")
    okta = account("okta", DANIEL, active=False, last_sign_in="2026-10-09T17:02:00Z",
                   disable_events=[disable_event(
                       (left + disabled_after).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "user.lifecycle.deactivate")])
    rule = next(r for r in load_policy_set().rules if r.id == LATENCY)
    rule = rule.with_parameters(settings.parameters.get(LATENCY, {}))
    inventory = joined([person, okta], [*rosters_read("hr.person", "vendor.agent"),
                                        *listed("okta")])
    [result] = judged(evaluate_all([rule], inventory, now=utc("2026-11-15T12:00:00Z"),
                                   settings=settings).results)
    return result


def test_the_profile_turns_a_three_hour_removal_into_a_finding(nprm: profiles.Profile) -> None:
    three_hours = dt.timedelta(hours=3)
    assert latency(Settings(), three_hours).status is Status.PASS
    late = latency(profiles.apply(nprm, Settings()), three_hours)
    assert late.status is Status.FAIL
    assert "limit 1 hours" in late.message and "3 hours after the termination" in late.message
    within = latency(profiles.apply(nprm, Settings()), dt.timedelta(minutes=40))
    assert within.status is Status.PASS
    explicit = profiles.apply(nprm, Settings(parameters={LATENCY: {"sla_hours": 4}}))
    assert latency(explicit, three_hours).status is Status.PASS


# --- what a run records ------------------------------------------------------------------------

def test_settings_record_the_profile_only_when_one_is_used(nprm: profiles.Profile) -> None:
    assert "profile" not in Settings().to_json()
    applied = profiles.apply(nprm, Settings())
    stored = applied.to_json()
    assert stored["profile"] == NPRM
    assert settings_from({"settings": stored}) == applied
    old = settings_from({"settings": Settings().to_json()})  # a manifest from before profiles
    assert old.profile is None and old == Settings()


def test_a_run_with_settings_naming_a_profile_but_not_its_parameters_is_refused(
        tmp_path: Path, policies: PolicySet) -> None:
    with pytest.raises(UsageError, match=r"lack its parameters .*sla_hours"):
        profiles.store(tmp_path, Settings(profile=NPRM), policies)
    assert not (tmp_path / profiles.RUN_PROFILES_DIR).exists()


# --- mistakes in a profile file --------------------------------------------------------------

SHIPPED = profiles.find_profile(NPRM).read_text("utf-8")


def write_profile(folder: Path, old: str, new: str, *, name: str = NPRM) -> tuple[Path, str]:
    assert old in SHIPPED, old
    text = SHIPPED.replace(old, new, 1)
    path = folder / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path, text


def line_of(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "at", "field", "words"), [
    ("offboarding-leaver-accounts-disabled:\n    grace_hours: 1",
     "offboarding-leaver-accounts-gone:\n    grace_hours: 1",
     "grace_hours: 1",  # a mapping's line is that of its first entry, as everywhere in govkit
     "parameters.offboarding-leaver-accounts-gone",
     "unknown rule 'offboarding-leaver-accounts-gone'"),
    ("sla_hours: 1", "sla_minutes: 60", "sla_minutes",
     "parameters.offboarding-deprovisioning-latency.sla_minutes",
     "rule 'offboarding-deprovisioning-latency' has no parameter 'sla_minutes' (its "
     "parameters: sla_hours, systems)"),
    ("max_days: 365", "max_days: a year", "max_days",
     "parameters.vendor-safeguards-verified.max_days",
     "expected a whole number from 1 to 1095, got 'a year'"),
    ("sla_hours: 1", "sla_hours: 1.5", "sla_hours",
     "parameters.offboarding-deprovisioning-latency.sla_hours", "got 1.5"),
    ("systems: [okta, entra, google]\n  idp-admin", "systems: [okta, jumpcloud]\n  idp-admin",
     "systems: [okta, jumpcloud]", "parameters.idp-user-mfa-enrolled.systems",
     "each one of okta, entra, google"),
    ("      - vendor-safeguards-verified\n", "      - vendor-safeguard-verified\n",
     "- vendor-safeguard-verified", "controls.2.rules.0",
     "lists unknown rule 'vendor-safeguard-verified'"),
    ('- id: "hipaa-nprm-2025:164.308(b)"', '- id: "164.308(b)"', '- id: "164.308(b)"',
     "controls.2.id", "does not match"),
    ('- id: "hipaa-nprm-2025:164.308(b)"', '- id: "acme:164.308(b)"', '- id: "acme:',
     "controls.2.id", "must start with 'hipaa-nprm-2025:'"),
    ("    requirement: required\n    rules:\n      - vendor-safeguards-verified",
     "    requirement: optional\n    rules:\n      - vendor-safeguards-verified",
     "requirement: optional", "controls.2.requirement", "'optional' is not one of"),
    ("description: >-", "rules: []\ndescription: >-", "rules: []", "rules",
     "unknown field 'rules'"),
])
def test_a_mistake_names_the_file_line_and_field(
        tmp_path: Path, policies: PolicySet, old: str, new: str, at: str, field: str,
        words: str) -> None:
    path, text = write_profile(tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        profiles.load_profile(path, policies)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), line_of(text, at), field), \
        str(error)
    assert words in str(error)
    assert str(error).startswith(f"{path}:{error.line}: ")


def test_the_id_must_match_the_file_name(tmp_path: Path, policies: PolicySet) -> None:
    path, _ = write_profile(tmp_path, "id: hipaa-nprm-2025", "id: hipaa-nprm-2025",
                            name="nprm")
    with pytest.raises(InputError) as caught:
        profiles.load_profile(path, policies)
    assert (caught.value.line, caught.value.field) == (1, "id")


def test_a_control_with_no_rule_needs_manual_evidence(tmp_path: Path,
                                                      policies: PolicySet) -> None:
    old = ("    requirement: required\n    manual_evidence: >-\n      Each system or account "
           "that cannot use MFA")
    path, text = write_profile(tmp_path, old, "    requirement: required\n    note: >-\n"
                               "      Each system or account that cannot use MFA")
    with pytest.raises(InputError) as caught:
        profiles.load_profile(path, policies)
    assert caught.value.field == "controls.6"
    assert caught.value.line == line_of(text, '- id: "hipaa-nprm-2025:164.312(f)(2)(iii)"')
    assert "needs 'manual_evidence'" in str(caught.value)


# --- a scan with the profile, end to end -----------------------------------------------------

ROSTER_HEADER = "agent_id,work_email,status,start_date,end_ts,notified_at,role\n"
OKTA_TOKEN = "00loopback-token"


def people_scan(folder: Path, *flags: str, config: str = "") -> tuple[dict[str, Any], Path]:
    """A scan of one Okta org (on loopback) and Meridian's roster, no AWS: Daniel Reyes left
    six hours ago and his Okta account was deactivated three hours after that."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    left = now - dt.timedelta(hours=6)
    daniel = OktaUser(id="00u000000000000000a7", login=DANIEL, employee_number="M-1007",
                      status="DEPROVISIONED", status_changed=left + dt.timedelta(hours=3),
                      last_login=left - dt.timedelta(hours=2))
    directory = OktaDirectory(users=[OktaUser(
        id="00u000000000000000a1", login="maria.santos@meridian-cs.example",
        employee_number="M-1001", last_login=now - dt.timedelta(hours=1)), daniel])
    directory.log(daniel, "user.lifecycle.deactivate", left + dt.timedelta(hours=3))
    folder.mkdir()
    (folder / "meridian.csv").write_text(
        ROSTER_HEADER + "M-1001,maria.santos@meridian-cs.example,active,2025-03-03,,,AGENT\n"
        f"M-1007,{DANIEL},terminated,2025-03-03,{left.isoformat()},"
        f"{(left + dt.timedelta(hours=1)).isoformat()},AGENT\n")
    with OktaServer(directory, token=OKTA_TOKEN) as okta:
        (folder / "govkit.yaml").write_text(
            f"timezone: UTC\n{config}okta: {{org_url: {okta.url}, tenant: northbridge.okta.com, "
            "token_env: OKTA_API_TOKEN}\n"
            "vendors:\n  - name: Meridian Contact Services\n    path: meridian.csv\n"
            "    columns: {person_id: agent_id, email: work_email, status: status, "
            "hired_at: start_date, terminated_at: end_ts, notified_at: notified_at, "
            "job: role}\n")
        process = govkit("scan", "--config", "govkit.yaml", "--out", "runs", "--format", "json",
                         "--fail-on", "none", "--period", period_of(left), *flags,
                         endpoint_url="http://127.0.0.1:9", cwd=folder,
                         extra_env={"OKTA_API_TOKEN": OKTA_TOKEN})
    assert process.returncode == 0, process.stderr
    [run] = (folder / "runs").glob("2*")
    return json.loads(process.stdout), run


def judged_latency(document: dict[str, Any]) -> dict[str, Any]:
    [result] = [r for r in document["results"]
                if r["rule_id"] == LATENCY and r["status"] in ("PASS", "FAIL")]
    return result


def test_a_scan_with_the_profile_applies_it_records_it_and_replays(tmp_path: Path) -> None:
    document, run = people_scan(tmp_path / "default")
    assert judged_latency(document)["status"] == "PASS"  # 3 hours, within the 24 in force
    manifest = json.loads((run / "manifest.json").read_bytes())
    assert "profile" not in manifest["settings"]
    assert not (run / profiles.RUN_PROFILES_DIR).exists()
    assert replay_results(run) == (run / "results" / "results.json").read_bytes()

    pair = keys.generate(tmp_path / "keys", keys.Algorithm.ECDSA_P256)
    document, run = people_scan(tmp_path / "nprm", "--policy-profile", NPRM,
                                "--sign-key", str(pair.private))
    result = judged_latency(document)
    assert result["status"] == "FAIL" and "limit 1 hours" in result["message"]
    manifest = json.loads((run / "manifest.json").read_bytes())
    assert manifest["settings"]["profile"] == NPRM
    assert manifest["settings"]["parameters"][LATENCY] == {"sla_hours": 1}
    stored = run / profiles.RUN_PROFILES_DIR / f"{NPRM}.yaml"
    assert stored.read_bytes() == profiles.find_profile(NPRM).read_bytes()
    assert [p.name for p in (run / "policies" / "controls").iterdir()] == \
        ["hipaa-security-rule.yaml"]
    assert replay_results(run) == (run / "results" / "results.json").read_bytes()
    verified = govkit("verify", str(run), "--key", str(pair.public), "--replay",
                      endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "byte for byte" in verified.stdout
    catalogue = profiles.run_catalogue(run)
    assert catalogue is not None
    assert f"{NPRM}:164.308(a)(9)(ii)(D)" in catalogue.control_ids()


def test_the_configuration_can_name_the_profile_and_an_explicit_param_still_wins(
        tmp_path: Path) -> None:
    document, run = people_scan(tmp_path / "configured",
                                "--param", f"{LATENCY}.sla_hours=4",
                                config=f"policy_profile: {NPRM}\n")
    assert judged_latency(document)["status"] == "PASS"
    manifest = json.loads((run / "manifest.json").read_bytes())
    assert manifest["settings"]["profile"] == NPRM
    assert manifest["settings"]["parameters"][LATENCY] == {"sla_hours": 4}
    assert manifest["settings"]["parameters"]["offboarding-leaver-accounts-disabled"] == \
        {"grace_hours": 1}
    assert replay_results(run) == (run / "results" / "results.json").read_bytes()


def test_a_bad_profile_stops_the_scan_before_anything_is_collected(tmp_path: Path) -> None:
    path, text = write_profile(tmp_path, "sla_hours: 1", "sla_hours: soon")
    process = govkit("scan", "--regions", "us-east-1", "--out", "runs",
                     "--policy-profile", str(path), endpoint_url="http://127.0.0.1:9",
                     cwd=tmp_path)
    assert process.returncode == 2, process.stderr
    assert f"{path}:{line_of(text, 'sla_hours: soon')}:" in process.stderr
    assert "parameters.offboarding-deprovisioning-latency.sla_hours" in process.stderr
    assert "Traceback" not in process.stderr
    assert not (tmp_path / "runs").exists()
