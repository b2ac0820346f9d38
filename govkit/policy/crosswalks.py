"""Crosswalks from the control catalogue to other frameworks (NIST SP 800-53 Rev. 5, SOC 2).

One YAML file per framework in ``controls/crosswalks/``, validated against
govkit/schemas/crosswalk.schema.json. Each maps a catalogue control id to the framework's ids,
either as a plain list or as ``{ids, basis}`` where the entry needs a note; ``unmapped`` names
controls deliberately left without one, and why. Every key must be a control id of the
catalogue and every id must have the framework's form, or loading fails naming the file, line
and field. Each file records where its data came from and when (``source``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from govkit import schemas
from govkit.errors import InputError
from govkit.policy.loader import Catalogue, builtin_dir, load_catalogue
from govkit.policy.yamlfile import load_named, load_yaml

CROSSWALKS_FOLDER = "crosswalks"  # inside the built-in controls folder

# The form of each framework's ids. SP 800-53 ids as the publication prints them: AC-2 and
# CP-9(1), not the zero-padded AC-02 and CP-09(01) of NIST's CPRT and OSCAL exports.
ID_FORMS: dict[str, re.Pattern[str]] = {
    "nist-800-53r5": re.compile(r"^[A-Z]{2}-[1-9]\d*(\([1-9]\d*\))?$"),
    "soc2-tsc-2017": re.compile(r"^(CC\d\.\d+|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$"),
}


@dataclass(frozen=True)
class Crosswalk:
    id: str
    title: str
    catalogue: str
    framework: str
    framework_title: str
    source: Mapping[str, str]
    mappings: Mapping[str, tuple[str, ...]]  # catalogue control id -> framework ids
    bases: Mapping[str, str]  # control id -> the note on its entry, where there is one
    unmapped: Mapping[str, str]  # control id -> why it has no entry
    path: str
    basis: str = ""

    def ids_for(self, control_id: str) -> tuple[str, ...]:
        return self.mappings.get(control_id, ())


def load_crosswalk(path: Path, catalogue: Catalogue | None = None) -> Crosswalk:
    """Read and check a crosswalk; with ``catalogue``, every key must be one of its ids."""
    doc = load_named(path, schemas.load("crosswalk"), "crosswalk",
                     "id, framework, source, mappings")
    data = doc.data
    if catalogue is not None and data["catalogue"] != catalogue.id:
        raise InputError(doc.path, f"the crosswalk is for catalogue '{data['catalogue']}', "
                         f"not '{catalogue.id}'", line=doc.line_of(("catalogue",)),
                         field="catalogue")
    form = ID_FORMS[data["framework"]]
    known = catalogue.control_ids() if catalogue is not None else None
    mappings: dict[str, tuple[str, ...]] = {}
    bases: dict[str, str] = {}
    for control_id, entry in data["mappings"].items():
        where = ("mappings", control_id)
        _check_key(doc.path, doc.line_of(where), f"mappings.{control_id}", control_id, known)
        ids = entry["ids"] if isinstance(entry, dict) else entry
        inner = ("ids",) if isinstance(entry, dict) else ()
        for index, value in enumerate(ids):
            if not form.fullmatch(value):
                raise InputError(doc.path, f"'{value}' is not a {data['framework_title']} id "
                                 f"(expected the form {form.pattern})",
                                 line=doc.line_of((*where, *inner, index)),
                                 field=".".join(str(p) for p in (*where, *inner, index)))
        mappings[control_id] = tuple(ids)
        if isinstance(entry, dict):
            bases[control_id] = " ".join(str(entry["basis"]).split())
    unmapped = {str(k): " ".join(str(v).split()) for k, v in (data.get("unmapped") or {}).items()}
    for control_id in unmapped:
        where = ("unmapped", control_id)
        _check_key(doc.path, doc.line_of(where), f"unmapped.{control_id}", control_id, known)
        if control_id in mappings:
            raise InputError(doc.path, f"control {control_id} is both mapped and unmapped",
                             line=doc.line_of(where), field=f"unmapped.{control_id}")
    return Crosswalk(id=data["id"], title=data["title"], catalogue=data["catalogue"],
                     framework=data["framework"], framework_title=data["framework_title"],
                     source={k: " ".join(str(v).split()) for k, v in data["source"].items()},
                     mappings=mappings, bases=bases, unmapped=unmapped, path=doc.path,
                     basis=" ".join(str(data.get("basis", "")).split()))


def _check_key(path: str, line: int | None, field: str, control_id: str,
               known: set[str] | None) -> None:
    if known is not None and control_id not in known:
        raise InputError(path, f"'{control_id}' is not a control id of the catalogue",
                         line=line, field=field)


def crosswalk_files(folder: Path | None = None) -> list[Path]:
    folder = folder or builtin_dir("controls") / CROSSWALKS_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def load_crosswalks(catalogue: Catalogue, folder: Path | None = None
                    ) -> tuple[Crosswalk, ...]:
    """The crosswalks for ``catalogue`` in ``folder`` (default: those govkit ships), in
    framework order; files for another catalogue are skipped."""
    found = []
    for path in crosswalk_files(folder):
        data: Any = load_yaml(path).data
        if isinstance(data, dict) and data.get("catalogue") not in (None, catalogue.id):
            continue
        found.append(load_crosswalk(path, catalogue))
    frameworks = [c.framework for c in found]
    for crosswalk in found:
        if frameworks.count(crosswalk.framework) > 1:
            raise InputError(crosswalk.path, f"a second crosswalk to {crosswalk.framework} "
                             f"for catalogue {catalogue.id}", field="framework")
    return tuple(sorted(found, key=lambda c: c.framework))


@cache
def _builtin() -> tuple[Crosswalk, ...]:
    return load_crosswalks(load_catalogue(builtin_dir("controls") / "hipaa-security-rule.yaml"))


def crosswalk_ids(control_id: str, crosswalks: Sequence[Crosswalk] | None = None
                  ) -> dict[str, tuple[str, ...]]:
    """For one catalogue control id: each framework's ids (framework -> ids; empty where the
    crosswalk has none). ``crosswalks`` default to those govkit ships for its catalogue."""
    chosen = _builtin() if crosswalks is None else crosswalks
    return {c.framework: c.ids_for(control_id) for c in chosen}
