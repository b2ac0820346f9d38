"""``govkit policies controls``: every control of the catalogue (and of a profile), with its
requirement, the rules that evidence it, its NIST SP 800-53 Rev. 5 and SOC 2 crosswalk ids, and
what an auditor asks for where no rule covers it."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from govkit.errors import EXIT_OK, UsageError
from govkit.policy import crosswalks, loader, profiles
from govkit.policy.crosswalks import Crosswalk
from govkit.policy.loader import Control, PolicySet

FORMATS = ("table", "json")
SHORT_NAMES = {"nist-800-53r5": "NIST 800-53r5", "soc2-tsc-2017": "SOC 2"}


def _evidencing(control: Control, policy_set: PolicySet) -> list[str]:
    """The catalogue's rules for the control, and any rule of ``--policies`` claiming it."""
    claimed = {r.id for r in policy_set.rules if control.id in r.controls}
    return sorted(set(control.rules) | claimed)


def control_rows(policy_set: PolicySet, profile: profiles.Profile | None,
                 walks: Sequence[Crosswalk]) -> list[dict[str, Any]]:
    """One row per control: the catalogue's, then the profile's."""
    rows = []
    own = policy_set.catalogue.control_ids()
    for control in profiles.with_controls(policy_set.catalogue, profile).controls:
        notes = {w.framework: w.bases.get(control.id) or w.unmapped.get(control.id)
                 for w in walks}
        row: dict[str, Any] = {
            "id": control.id, "citation": control.citation, "title": control.title,
            "requirement": control.requirement,
            "from": policy_set.catalogue.id if control.id in own else
            profile.id if profile is not None else "",
            "rules": _evidencing(control, policy_set),
            "crosswalks": {w.framework: list(w.ids_for(control.id)) for w in walks},
            "manual_evidence": " ".join(control.manual_evidence.split())}
        if any(notes.values()):
            row["crosswalk_notes"] = {k: v for k, v in notes.items() if v}
        if profile is not None and control.id in profile.notes:
            row["note"] = " ".join(profile.notes[control.id].split())
        rows.append(row)
    return rows


def _document(policy_set: PolicySet, profile: profiles.Profile | None,
              walks: Sequence[Crosswalk], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "catalogue": {"id": policy_set.catalogue.id, "title": policy_set.catalogue.title},
        "profile": None if profile is None else {
            "id": profile.id, "title": profile.title, "status": " ".join(profile.status.split()),
            "source": dict(profile.source)},
        "crosswalks": [{"id": w.id, "framework": w.framework, "title": w.framework_title,
                        "source": dict(w.source), "basis": w.basis} for w in walks],
        "controls": rows}


def _table(document: dict[str, Any], walks: Sequence[Crosswalk]) -> Table:
    profile = document["profile"]
    title = f"{document['catalogue']['title']}: {len(document['controls'])} controls"
    if profile is not None:
        title += f", with profile {profile['id']} ({profile['status']})"
    table = Table(title=title)
    table.add_column("control", overflow="fold")
    table.add_column("requirement")
    table.add_column("rules", overflow="fold", min_width=42)
    for walk in walks:
        table.add_column(SHORT_NAMES.get(walk.framework, walk.framework), overflow="fold")
    table.add_column("manual evidence (controls with no rule)", overflow="fold")
    for row in document["controls"]:
        table.add_row(f"{row['id']}\n{row['title']}", row["requirement"],
                      "\n".join(row["rules"]) or "-",
                      *(", ".join(row["crosswalks"][w.framework]) or "-" for w in walks),
                      "" if row["rules"] else row["manual_evidence"])
    return table


def controls_command(
    profile: Annotated[str | None, typer.Option(
        "--profile", "--policy-profile", help="Add a profile's controls: the id of one govkit "
        "ships (hipaa-nprm-2025) or a profile file.")] = None,
    policies: Annotated[list[Path] | None, typer.Option(
        "--policies", help="Extra policy folder (<area>/<rule-id>.yaml); repeatable: its "
                           "rules count towards the controls they claim.")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json (on stdout).")]
    = "table",
) -> None:
    """List each control with its requirement, the rules that evidence it, its NIST SP 800-53
    Rev. 5 and SOC 2 crosswalk ids, and the manual evidence for controls no rule covers."""
    if output not in FORMATS:
        raise UsageError(f"--format must be {' or '.join(FORMATS)}, not '{output}'")
    policy_set = loader.load_policy_set(tuple(policies or ()))
    chosen = None if profile is None else \
        profiles.load_profile(profiles.find_profile(profile), policy_set)
    walks = crosswalks.load_crosswalks(policy_set.catalogue)
    document = _document(policy_set, chosen, walks, control_rows(policy_set, chosen, walks))
    if output == "json":
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
    else:
        console = Console()
        if not console.is_terminal:
            console = Console(width=200)
        console.print(_table(document, walks))
    raise typer.Exit(EXIT_OK)


def register(policies_app: Any) -> None:
    """Add ``controls`` to the ``govkit policies`` sub-command group."""
    policies_app.command("controls")(controls_command)
