"""Profiles: opt-in rule parameters and extra controls, such as a proposed rule's.

A profile is one YAML file (``controls/profiles/<id>.yaml`` for those govkit ships, or any file
an organisation writes), validated against govkit/schemas/profile.schema.json and then against
the rules a scan loads: every rule id, parameter name and value is checked, and a mistake names
the file, line and field. A profile never adds or changes rules. It gives:

- ``parameters``: rule id -> parameter -> value, applied under any explicit ``--param`` (the
  flag wins). The merged values are what the run's manifest records in ``settings.parameters``,
  beside ``settings.profile`` (the profile's id), so a replay needs nothing else.
- ``controls``: extra controls, each naming the existing rules that evidence it (or, with none,
  the manual evidence an auditor asks for). Their ids are ``<profile id>:<section>``, so they
  never collide with the catalogue's.

A run made with a profile keeps the profile file unchanged at ``policies/profiles/<id>.yaml``,
beside the catalogue in ``policies/controls/``. The catalogue file itself is stored as it is:
its rule lists must agree with the rules' own ``controls`` (the loader checks both ways), and
the rules do not claim the profile's controls. Evaluation reads neither file, so the run
replays byte for byte; reports read both with :func:`run_catalogue`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import canonical, schemas
from govkit.errors import InputError, UsageError
from govkit.policy.evaluate import Settings
from govkit.policy.loader import Catalogue, Control, PolicySet, builtin_dir, load_policy_set
from govkit.policy.parameters import problem_with
from govkit.policy.yamlfile import YamlDocument, load_named

PROFILES_FOLDER = "profiles"  # inside the built-in controls folder
RUN_PROFILES_DIR = "policies/profiles"  # inside a run directory
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    status: str
    source: Mapping[str, str]
    parameters: Mapping[str, Mapping[str, Any]]
    controls: tuple[Control, ...]
    notes: Mapping[str, str]  # control id -> caveat about its citation
    path: str
    text: bytes
    description: str = ""


def builtin_profiles() -> dict[str, Path]:
    """The profiles govkit ships, by id."""
    folder = builtin_dir("controls") / PROFILES_FOLDER
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml")) if not p.name.startswith(".")}


def find_profile(reference: str, *, base: Path | None = None) -> Path:
    """The file of a profile given by id (one govkit ships) or by path (relative paths from
    ``base``, default the working folder)."""
    shipped = builtin_profiles()
    if _ID.fullmatch(reference) and reference in shipped:
        return shipped[reference]
    path = Path(reference).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_file():
        return path
    known = ", ".join(sorted(shipped)) or "none"
    raise UsageError(f"no profile '{reference}': give the id of one govkit ships ({known}) or "
                     "the path of a profile file")


def load_profile(path: Path, policies: PolicySet) -> Profile:
    """Read and check a profile against ``policies`` (the rules and catalogue of the scan)."""
    doc = load_named(path, schemas.load("profile"), "profile",
                     "id, title, status, source, parameters, controls")
    data = doc.data
    parameters = _parameters(doc, policies)
    controls, notes = _controls(doc, policies)
    return Profile(id=data["id"], title=data["title"], status=data["status"].strip(),
                   source=dict(data["source"]), parameters=parameters, controls=controls,
                   notes=notes, path=doc.path, text=path.read_bytes(),
                   description=str(data.get("description", "")).strip())


def _parameters(doc: YamlDocument, policies: PolicySet) -> dict[str, dict[str, Any]]:
    rules = policies.by_id()
    checked: dict[str, dict[str, Any]] = {}
    for rule_id, values in (doc.data.get("parameters") or {}).items():
        where = ("parameters", rule_id)
        rule = rules.get(rule_id)
        if rule is None:
            raise InputError(doc.path, f"unknown rule '{rule_id}'", line=doc.line_of(where),
                             field=f"parameters.{rule_id}")
        for name, value in values.items():
            field = f"parameters.{rule_id}.{name}"
            declared = rule.declarations.get(name)
            if declared is None:
                known = ", ".join(sorted(rule.declarations)) or "none"
                raise InputError(doc.path, f"rule '{rule_id}' has no parameter '{name}' (its "
                                 f"parameters: {known})", line=doc.line_of((*where, name)),
                                 field=field)
            problem = problem_with(declared, value)
            if problem is not None:
                raise InputError(doc.path, f"parameter '{name}' of rule '{rule_id}': {problem}",
                                 line=doc.line_of((*where, name)), field=field)
        checked[rule_id] = dict(values)
    return checked


def _controls(doc: YamlDocument, policies: PolicySet
              ) -> tuple[tuple[Control, ...], dict[str, str]]:
    rule_ids = set(policies.by_id())
    catalogue_ids = policies.catalogue.control_ids()
    prefix = f"{doc.data['id']}:"
    controls: list[Control] = []
    notes: dict[str, str] = {}
    for position, item in enumerate(doc.data.get("controls") or []):
        where = ("controls", position)
        control_id = item["id"]
        if not control_id.startswith(prefix):
            raise InputError(doc.path, f"control id '{control_id}' must start with '{prefix}' "
                             "(the profile's id), so it cannot be taken for a control of the "
                             "catalogue", line=doc.line_of((*where, "id")),
                             field=f"controls.{position}.id")
        if control_id in catalogue_ids:
            raise InputError(doc.path, f"control '{control_id}' is already a control of the "
                             f"catalogue {policies.catalogue.id}",
                             line=doc.line_of((*where, "id")), field=f"controls.{position}.id")
        if any(c.id == control_id for c in controls):
            raise InputError(doc.path, f"control '{control_id}' is listed twice",
                             line=doc.line_of((*where, "id")), field=f"controls.{position}.id")
        rules = item.get("rules") or []
        for index, rule_id in enumerate(rules):
            if rule_id not in rule_ids:
                raise InputError(doc.path, f"control {control_id} lists unknown rule "
                                 f"'{rule_id}'", line=doc.line_of((*where, "rules", index)),
                                 field=f"controls.{position}.rules.{index}")
        if not rules and not item.get("manual_evidence"):
            raise InputError(doc.path, f"control {control_id} lists no rules, so it needs "
                             "'manual_evidence' (what an auditor should ask for)",
                             line=doc.line_of(where), field=f"controls.{position}")
        controls.append(Control(id=control_id, citation=item["citation"], title=item["title"],
                                requirement=item["requirement"], rules=tuple(rules),
                                manual_evidence=str(item.get("manual_evidence", "")).strip()))
        if item.get("note"):
            notes[control_id] = str(item["note"]).strip()
    return tuple(controls), notes


def apply(profile: Profile, settings: Settings) -> Settings:
    """``settings`` with the profile's parameters under its own (explicit ``--param`` values
    win, one parameter at a time) and the profile recorded."""
    merged: dict[str, dict[str, Any]] = {rule: dict(values)
                                         for rule, values in profile.parameters.items()}
    for rule_id, values in settings.parameters.items():
        merged.setdefault(rule_id, {}).update(values)
    return dataclasses.replace(settings, parameters=merged, profile=profile.id,
                               profile_file=profile.path)


def with_controls(catalogue: Catalogue, profile: Profile | None) -> Catalogue:
    """The catalogue with the profile's controls after its own (its id, title, file and bytes
    stay the catalogue's: the profile's are in ``profile.path`` and ``profile.text``)."""
    if profile is None:
        return catalogue
    return dataclasses.replace(catalogue, controls=catalogue.controls + profile.controls)


def store(run_dir: Path, settings: Settings, policies: PolicySet) -> None:
    """Keep the profile a run was made with in the run (``policies/profiles/<id>.yaml``),
    re-checked against the run's rules; nothing when the run used none."""
    if settings.profile is None:
        return
    path = Path(settings.profile_file) if settings.profile_file else \
        find_profile(settings.profile)
    profile = load_profile(path, policies)
    if profile.id != settings.profile:
        raise UsageError(f"the settings name profile '{settings.profile}', but {path} is "
                         f"profile '{profile.id}'")
    missing = sorted(f"{rule_id}.{name}" for rule_id, values in profile.parameters.items()
                     for name in values if name not in settings.parameters.get(rule_id, {}))
    if missing:
        raise UsageError(f"the settings name profile '{profile.id}' but lack its parameters "
                         f"{', '.join(missing)}; build them with govkit.policy.profiles.apply")
    canonical.write_atomic(run_dir / RUN_PROFILES_DIR / f"{profile.id}.yaml", profile.text)


def run_profile(run_dir: Path) -> Profile | None:
    """The profile a run was made with, read from the run (None for a run made without)."""
    from govkit.run import CONTROLS_DIR, RULES_DIR, read_manifest, settings_from
    profile_id = settings_from(read_manifest(run_dir)).profile
    if profile_id is None:
        return None
    path = run_dir / RUN_PROFILES_DIR / f"{profile_id}.yaml"
    if not path.is_file():
        raise InputError(str(run_dir), f"the run was made with profile '{profile_id}' but "
                         f"does not hold {RUN_PROFILES_DIR}/{profile_id}.yaml")
    catalogues = sorted((run_dir / CONTROLS_DIR).glob("*.yaml"))
    if not catalogues:
        raise InputError(str(run_dir / CONTROLS_DIR), "no control catalogue in the run")
    policies = load_policy_set([run_dir / RULES_DIR], include_builtin=False,
                               catalogue_path=catalogues[0])
    return load_profile(path, policies)


def run_catalogue(run_dir: Path) -> Catalogue | None:
    """The catalogue a run's reports should show: the one stored with its policies, with the
    controls of the profile it was made with, if any (None for a run that kept no
    catalogue)."""
    from govkit.policy.loader import load_catalogue
    from govkit.run import CONTROLS_DIR
    catalogues = sorted((run_dir / CONTROLS_DIR).glob("*.yaml"))
    if not catalogues:
        return None
    return with_controls(load_catalogue(catalogues[0]), run_profile(run_dir))
