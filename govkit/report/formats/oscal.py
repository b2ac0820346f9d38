"""OSCAL 1.2.1 assessment results (JSON): one run, as GRC tools import it.

One file, ``<run_id>.oscal-ar.json``, valid against NIST's OSCAL 1.2.1 assessment-results
schema. What goes where:

- ``metadata``: the run id as the document version; ``published`` and ``last-modified`` are
  the run's evaluation time (never the clock); props for the period, the run's provenance
  (signed by whom, verified or not), the catalogue and the tool.
- ``import-ap``: OSCAL requires an assessment plan. A govkit run has none (it is collected from
  a scan configuration), so this points at the back-matter resource for the run's manifest,
  which records what was collected, from where and when, and its remarks say so.
- one ``results[]`` entry for the run: ``start`` and ``end`` are the collection times;
  ``reviewed-controls`` lists every control of the catalogue; ``local-definitions`` lists each
  judged resource as an inventory item, whose uuid depends on the resource only (account,
  region and resource id), so a resource has the same uuid in every run's document.
- ``observations``: one per result that judged a resource (every status but NOT_APPLICABLE),
  method ``TEST``, collected at the evaluation time. ``types`` is ``finding`` for FAIL and for
  ERROR (the rule could not get its data), ``finding`` and ``mitigation`` for WAIVED (a failure
  under a recorded exception) and ``control-objective`` for PASS; props give the result id
  (``govkit show RUN ID`` takes it), the rule, the status and, unless it passed, the rule's
  severity. The subject is the resource's inventory item. ``relevant-evidence`` names each
  snapshot file the result read a value from, relative to the run directory, with the JSON
  Pointer of the first value read from it as the fragment (a result with no record names
  every file it was judged on).
- ``findings``: one per control at least one judged result evidences, its target the control
  (``objective-id``, the control's token). ``satisfied`` only when every result of its rules
  passed. A FAIL makes it ``not-satisfied`` (reason ``fail``); so does an ERROR (reason
  ``other``: an unknown is not a pass) and a WAIVED result (reason ``other``: the rule is not
  met there; the risk is accepted, and the observation's remarks name the exception). Its
  related observations are those that decided it: the passes of a satisfied control, the
  other results of one that is not. OSCAL has no "not assessed" state, so a control no rule
  judged in this run has no finding: the result's ``remarks`` list those controls with the
  evidence to request instead, and each finding's remarks name what the automated rules do
  not cover.
- ``back-matter``: the run's manifest, results, catalogue and attestation, and every snapshot
  file an observation cites, each with its path (relative to the run directory) and SHA-256.

Control ids such as ``164.312(a)(2)(iv)`` are not OSCAL tokens: :func:`control_token` maps them
to ``hipaa-164.312-a-2-iv`` and :func:`control_id_of` maps back; each finding's target keeps
the id and the citation as props. Every uuid is a version 5 UUID under :data:`NAMESPACE`, named
from the run id and a stable key (result id, control id, file path), so the same run always
gives the same bytes; items follow the run's order of results. Observations, inventory items
and related observations are written as JSON text as they are made, never held as one
document tree: a run of 100,000 results renders in about 4 seconds to some 230 MiB.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from govkit.bundle.digests import sha256_file
from govkit.report.formats import Artifact, Format, Options
from govkit.results import RecordRef, Result, Status

if TYPE_CHECKING:
    from govkit.report.source import ReportInput

OSCAL_VERSION = "1.2.1"
# uuid5(NAMESPACE_URL, "https://govkit.dev/ns/oscal"). Never change it: every uuid of every
# document derives from it, and the same run must give the same uuids.
NAMESPACE = uuid.UUID("2f64e852-b130-5ac1-b847-e406e4e1ee74")
NS = "https://govkit.dev/ns/oscal"  # the namespace of govkit's own props
SUFFIX = ".oscal-ar.json"
MEDIA_TYPE = "application/json"

MANIFEST = "manifest.json"
RESULTS = "results/results.json"
ATTESTATIONS = "attestations"
MAX_FAILED_CALLS_SHOWN = 20
FLUSH_EVERY = 256  # streamed items held as text before they are encoded

# --- control ids as OSCAL tokens ------------------------------------------------------------

CFR_PREFIX = "hipaa-"  # a CFR paragraph: 164.312(a)(2)(iv) -> hipaa-164.312-a-2-iv
ESCAPED_PREFIX = "govkit-"  # any other id that is not already a token, escaped
_CFR = re.compile(r"(\d+\.\d+)((?:\([0-9A-Za-z]+\))*)")
_PARAGRAPH = re.compile(r"\(([0-9A-Za-z]+)\)")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")  # the ASCII part of OSCAL's token type
_ESCAPED = re.compile(r"_([0-9a-f]+)_")


def control_token(control_id: str) -> str:
    """The OSCAL token for a control id; :func:`control_id_of` reverses it.

    A CFR paragraph (``164.312(a)(2)(iv)``) becomes ``hipaa-`` and its section and paragraph
    labels joined by ``-`` (``hipaa-164.312-a-2-iv``). An id that is already a token is kept,
    unless it starts with one of the two prefixes; any other id becomes ``govkit-`` and the id
    with each character other than an ASCII letter, digit, ``.`` or ``-`` written as
    ``_<hex code point>_``.
    """
    match = _CFR.fullmatch(control_id)
    if match:
        return CFR_PREFIX + "-".join([match[1], *_PARAGRAPH.findall(match[2])])
    if _TOKEN.fullmatch(control_id) and not control_id.startswith((CFR_PREFIX, ESCAPED_PREFIX)):
        return control_id
    return ESCAPED_PREFIX + "".join(
        c if c.isascii() and (c.isalnum() or c in ".-") else f"_{ord(c):x}_"
        for c in control_id)


def control_id_of(token: str) -> str:
    """The control id a token of :func:`control_token` stands for."""
    if token.startswith(CFR_PREFIX):
        section, *paragraphs = token[len(CFR_PREFIX):].split("-")
        return section + "".join(f"({p})" for p in paragraphs)
    if token.startswith(ESCAPED_PREFIX):
        return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), token[len(ESCAPED_PREFIX):])
    return token


# --- text -----------------------------------------------------------------------------------

_NAMESPACE_BYTES = NAMESPACE.bytes


def _uuid(*parts: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, "\\n".join(parts)))``, three times as fast: a large run names
    a few hundred thousand things."""
    digest = hashlib.sha1(_NAMESPACE_BYTES + "\n".join(parts).encode("utf-8"),
                          usedforsecurity=False).hexdigest()
    return (f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-"
            f"{'89ab'[int(digest[16], 16) & 3]}{digest[17:20]}-{digest[20:32]}")


def _line(value: object) -> str:
    """One line with no leading or trailing space (OSCAL's string and markup-line types)."""
    return " ".join(str(value).split())


# what would turn recorded text into Markdown: backslashes, code spans, emphasis (an
# underscore only where it can open or close one), links and HTML
_MARKUP = re.compile(r"[\\`*\[\]<>]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_MARKUP_CHARACTERS = frozenset("\\`*[]<>_")


def _markup(value: object) -> str:
    """Recorded text (a message, a resource name) as one line of Markdown that reads as the
    text: OSCAL markup is Markdown. Text the rules and the catalogue were written with is
    Markdown already and goes in as it is (:func:`_line`)."""
    text = _line(value)
    if _MARKUP_CHARACTERS.isdisjoint(text):
        return text
    return _MARKUP.sub(lambda m: "\\" + m[0], text)


def _sentence(value: object) -> str:
    text = _line(value)
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": _line(value)}


def _props(*pairs: tuple[str, object]) -> list[dict[str, str]]:
    """govkit props, leaving out empty values (an OSCAL string may not be empty)."""
    return [_prop(name, value) for name, value in pairs if _line(value)]


def _href(path: str) -> str:
    """A path relative to the run directory, as a relative URI reference."""
    return quote(path, safe="/")


def _fragment(pointer: str) -> str:
    """A JSON Pointer as a URI fragment (RFC 6901, section 6)."""
    return quote(pointer, safe="/?:@!$&'()*+,;=")


def _media_type(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower()
    return {"json": "application/json", "yaml": "application/yaml", "yml": "application/yaml",
            "csv": "text/csv"}.get(suffix, "application/octet-stream")


# --- JSON, written a piece at a time --------------------------------------------------------

class _Items:
    """A JSON array written one item at a time, so the observations of a large run are never
    all held at once: ``write(item, indent)`` gives each item's JSON text, indented for its
    place (the newline and spaces of its line)."""

    def __init__(self, items: Iterable[Any], write: Callable[[Any, str], str]) -> None:
        self.items, self.write = items, write


class _Writer:
    """Text pieces, flushed to UTF-8 bytes after each streamed item."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.sink = io.BytesIO()

    def flush(self) -> None:
        self.sink.write("".join(self.parts).encode("utf-8"))
        self.parts.clear()


# the C encoder's string escaping (where built), all ASCII: a stray surrogate in a recorded
# message cannot then stop the file being written as UTF-8
_STRING = json.encoder.encode_basestring_ascii


def _pretty(value: Any, indent: str, writer: _Writer) -> None:
    """Append ``value`` exactly as ``json.dumps(value, indent=2, sort_keys=True)`` writes it
    (``indent``: the newline and spaces of its line), ``_Items`` an item at a time. The
    standard library's indenting encoder is pure Python too, and twice as slow."""
    out = writer.parts.append
    kind = type(value)
    if kind is str:
        out(_STRING(value))
    elif kind is dict:
        if not value:
            out("{}")
            return
        inner = indent + "  "
        separator = "{" + inner
        for key in sorted(value):
            item = value[key]
            if type(item) is str:
                out(separator + _STRING(key) + ": " + _STRING(item))
            else:
                out(separator + _STRING(key) + ": ")
                _pretty(item, inner, writer)
            separator = "," + inner
        out(indent + "}")
    elif kind is list:
        inner = indent + "  "
        separator = "[" + inner
        for item in value:
            if type(item) is str:
                out(separator + _STRING(item))
            else:
                out(separator)
                _pretty(item, inner, writer)
            separator = "," + inner
        out("[]" if separator[0] == "[" else indent + "]")
    elif kind is _Items:
        inner = indent + "  "
        separator = "[" + inner
        write = value.write
        for count, item in enumerate(value.items, 1):
            out(separator + write(item, inner))
            separator = "," + inner
            if not count % FLUSH_EVERY:
                writer.flush()
        out("[]" if separator[0] == "[" else indent + "]")
    else:
        out(json.dumps(value))


def _object(indent: str, *members: tuple[str, str]) -> str:
    """A JSON object's text from its members' keys and values' JSON text, given in key order,
    as ``_pretty`` writes it: the hot path of observations and inventory items."""
    inner = indent + '  "'
    return "{" + ",".join([f'{inner}{key}": {text}' for key, text in members]) + indent + "}"


def _array(indent: str, texts: Iterable[str]) -> str:
    """A non-empty JSON array's text from its items' JSON text (indented for ``indent`` and
    two more spaces), as ``_pretty`` writes it."""
    inner = indent + "  "
    return "[" + ",".join([inner + text for text in texts]) + indent + "]"


def _dump(document: Mapping[str, Any]) -> bytes:
    writer = _Writer()
    _pretty(dict(document), "\n", writer)
    writer.parts.append("\n")
    writer.flush()
    return writer.sink.getvalue()


# --- the run's controls ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Control:
    """One control of the catalogue (or, for a run that kept none, one the rules name)."""

    id: str
    citation: str
    title: str
    requirement: str
    manual_evidence: str


def _controls(report: ReportInput) -> list[_Control]:
    if report.catalogue is not None:
        return [_Control(c.id, c.citation, c.title, c.requirement, c.manual_evidence)
                for c in report.catalogue.controls]
    ids = {str(c) for summary in report.rules.values() for c in summary.get("controls") or ()}
    ids.update(c for r in report.evaluation.results for c in r.controls)
    return [_Control(c, c, c, "", "") for c in sorted(ids)]


def _catalogue_path(report: ReportInput) -> str | None:
    """The catalogue's file, relative to the run directory (where the run stores it)."""
    if report.catalogue is None:
        return None
    try:
        path = Path(report.catalogue.path).resolve()
        return path.relative_to(report.run_dir.resolve()).as_posix()
    except ValueError:
        return None


def _files_of(result: Result) -> list[tuple[str, list[RecordRef]]]:
    """The snapshot files an observation cites, with the records read from each: the files
    its records point into (the values it was judged on), in record order; for a result with
    no record, every file it was judged on. Each result's full list of files stays in
    results.json, which the back matter cites."""
    by_file: dict[str, list[RecordRef]] = {}
    for record in result.records:
        by_file.setdefault(record.file, []).append(record)
    if not by_file:
        return [(file, []) for file in dict.fromkeys(result.evidence)]
    return list(by_file.items())


def _subject_key(result: Result) -> str:
    """A judged resource: its account, region and id (an id may repeat across accounts)."""
    return f"{result.account}\n{result.region}\n{result.resource_id}"


def _observation_remarks(result: Result) -> str | None:
    if result.failure:
        failure = result.failure
        text = (f"Could not be judged: {failure.get('call', '')} {failure.get('operation', '')} "
                f"answered {failure.get('code', '')}")
        if failure.get("message"):
            text += f": {failure['message']}"
        return _markup(_sentence(text)) + " The evidence for this rule is incomplete."
    if result.exception:
        exception = result.exception
        return _markup(_sentence(
            f"Failed under a recorded exception: owner {exception.get('owner')}, ticket "
            f"{exception.get('ticket')}, expires {exception.get('expires')}: "
            f"{exception.get('reason')}"))
    return None


_TYPES = {Status.PASS: ["control-objective"], Status.FAIL: ["finding"],
          Status.ERROR: ["finding"], Status.WAIVED: ["finding", "mitigation"]}
_METHODS = ["TEST"]


def _counts_text(counts: Counter[Status]) -> str:
    return ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])


# --- the document ---------------------------------------------------------------------------

class _Document:
    """The document of one run. Observations and inventory items repeat the same few rules,
    statuses, files and pointers many times over, so those pieces are made once."""

    def __init__(self, report: ReportInput) -> None:
        self.report = report
        self.run_id = report.run_id
        self.collected = report.evaluated_at
        # in the run's order (results.json keeps its results sorted by rule and resource)
        self.judged = [r for r in report.evaluation.results
                       if r.status is not Status.NOT_APPLICABLE]
        self.observation_uuids = {r.id: _uuid(self.run_id, "observation", r.id)
                                  for r in self.judged}
        # each judged resource, first seen in that order, by its key: its uuid depends on the
        # resource only, so the same resource has the same uuid in every run's document
        self.subjects: dict[str, Result] = {}
        for result in self.judged:
            self.subjects.setdefault(_subject_key(result), result)
        self.subject_uuids = {key: _uuid("subject", key) for key in self.subjects}
        self.controls = _controls(report)
        self.collected_json = _STRING(self.collected)
        self._shared: dict[tuple[str, ...], str] = {}
        self._hrefs: dict[str, str] = {}
        self._fragments: dict[str, str] = {}

    def file_uuid(self, path: str) -> str:
        return _uuid(self.run_id, "file", path)

    def shared(self, indent: str, *parts: str) -> str:
        """The JSON text of a piece many items repeat (a prop, a method, a type list), made
        once for each place it is written at."""
        key = (indent, *parts)
        text = self._shared.get(key)
        if text is None:
            kind, *values = parts
            if kind == "prop":
                name, value = values
                text = _object(indent, ("name", _STRING(name)), ("ns", _STRING(NS)),
                               ("value", _STRING(_line(value))))
            else:  # a list of strings
                text = _array(indent, (_STRING(v) for v in values))
            self._shared[key] = text
        return text

    def href(self, path: str, pointer: str = "") -> str:
        href = self._hrefs.get(path)
        if href is None:
            href = self._hrefs[path] = _href(path)
        if not pointer:
            return href
        fragment = self._fragments.get(pointer)
        if fragment is None:
            fragment = self._fragments[pointer] = _fragment(pointer)
        return f"{href}#{fragment}"

    # observations, inventory items and related observations, written as JSON text: a run has
    # as many as it has results, and building each as a dict first would double the time

    def evidence(self, file: str, records: Sequence[RecordRef], indent: str) -> str:
        if not records:
            return _object(indent, ("description", '"Snapshot record the rule was judged on."'),
                           ("href", _STRING(self.href(file))))
        pointers = list(dict.fromkeys(r.pointer for r in records))
        attributes = dict.fromkeys("the listing" if r.attribute == "*" else r.attribute
                                   for r in records)
        text = "Holds " + ", ".join(_markup(a) for a in attributes)
        rows = sorted({r.row for r in records if r.row is not None})
        if rows:
            text += " (CSV line " + ", ".join(str(r) for r in rows) + ")"
        if len(pointers) > 1:
            text += f"; the fragment is the first of {len(pointers)} JSON Pointers read"
        return _object(indent, ("description", _STRING(text + ".")),
                       ("href", _STRING(self.href(file, pointers[0]))))

    def observation(self, result: Result, indent: str) -> str:
        """One observation's JSON text; its members in key order."""
        subject_uuid = self.subject_uuids[_subject_key(result)]
        resource = _markup(result.resource_name or result.resource_id) or result.id
        inner = indent + "  "
        items = inner + "  "
        props = [_object(items, ("name", '"result-id"'), ("ns", _STRING(NS)),
                         ("value", _STRING(result.id))),
                 self.shared(items, "prop", "rule", result.rule_id),
                 self.shared(items, "prop", "status", result.status.value)]
        if result.status is not Status.PASS:  # what a failure of the rule weighs
            props.append(self.shared(items, "prop", "severity", result.severity.label))
        members = [
            ("collected", self.collected_json),
            ("description", _STRING(_markup(result.message) or result.status.value)),
            ("methods", self.shared(inner, "list", *_METHODS)),
            ("props", _array(inner, props)),
        ]
        files = _files_of(result)
        if files:
            members.append(("relevant-evidence", _array(inner, (
                self.evidence(file, records, items) for file, records in files))))
        remarks = _observation_remarks(result)
        if remarks:
            members.append(("remarks", _STRING(remarks)))
        members += [
            ("subjects", _array(inner, [_object(
                items, ("subject-uuid", _STRING(subject_uuid)), ("title", _STRING(resource)),
                ("type", '"inventory-item"'))])),
            ("title", _STRING(f"{_markup(result.rule_id)}: {resource}")),
            ("types", self.shared(inner, "list", *_TYPES[result.status])),
            ("uuid", _STRING(self.observation_uuids[result.id])),
        ]
        return _object(indent, *members)

    def inventory_item(self, key: str, indent: str) -> str:
        """One judged resource's inventory item as JSON text; its members in key order."""
        subject_uuid, result = self.subject_uuids[key], self.subjects[key]
        name = result.resource_name or result.resource_id
        description = _markup(f"{result.resource_type} {name} in {result.account} "
                              f"({result.region})") or result.id
        items = indent + "    "
        props = [_object(items, ("name", '"asset-id"'),
                         ("value", _STRING(_line(result.resource_id) or result.id)))]
        if _line(result.resource_type):
            props.append(self.shared(items, "prop", "resource-type", result.resource_type))
        return _object(indent, ("description", _STRING(description)),
                       ("props", _array(indent + "  ", props)),
                       ("uuid", _STRING(subject_uuid)))

    def related_observation(self, result: Result, indent: str) -> str:
        return _object(indent, ("observation-uuid", _STRING(self.observation_uuids[result.id])))

    # findings

    def finding(self, control: _Control, judged: Sequence[Result]) -> dict[str, Any]:
        token = control_token(control.id)
        by_rule: dict[str, Counter[Status]] = defaultdict(Counter)
        for result in judged:
            by_rule[result.rule_id][result.status] += 1
        statuses = Counter(r.status for r in judged)
        if statuses[Status.FAIL]:
            state, reason = "not-satisfied", "fail"
            why = f"{statuses[Status.FAIL]} result(s) failed."
        elif statuses[Status.ERROR]:
            state, reason = "not-satisfied", "other"
            why = (f"{statuses[Status.ERROR]} result(s) could not be judged (ERROR): the "
                   "evidence is incomplete, and an unknown is not a pass.")
        elif statuses[Status.WAIVED]:
            state, reason = "not-satisfied", "other"
            why = (f"{statuses[Status.WAIVED]} result(s) failed under a recorded exception "
                   "(WAIVED): the risk is accepted, but the rule is not met there.")
        else:
            state, reason = "satisfied", "pass"
            why = f"All {statuses[Status.PASS]} result(s) passed."
        lines = [f"Judged by {len(by_rule)} automated rule(s) in run {_markup(self.run_id)}:",
                 ""]
        for rule_id in sorted(by_rule):
            summary = self.report.rules.get(rule_id) or {}
            line = f"- {_markup(rule_id)}"
            if summary.get("title"):
                line += f" ({_line(summary['title'])})"
            line += f": {_counts_text(by_rule[rule_id])}."
            failing = by_rule[rule_id][Status.FAIL] + by_rule[rule_id][Status.ERROR]
            if failing and summary.get("remediation"):
                line += f" Remediation: {_sentence(summary['remediation'])}"
            lines.append(line)
        finding: dict[str, Any] = {
            "uuid": _uuid(self.run_id, "finding", control.id),
            "title": _line(f"{control.citation}: {control.title}") or token,
            "description": "\n".join(lines),
            "props": _props(*(("rule", rule_id) for rule_id in sorted(by_rule))),
            "target": {
                "type": "objective-id", "target-id": token,
                "title": _line(control.title) or token,
                "props": _props(("control-id", control.id), ("citation", control.citation),
                                ("requirement", control.requirement)),
                "status": {"state": state, "reason": reason, "remarks": why},
            },
            "related-observations": _Items(
                [r for r in judged if (r.status is Status.PASS) == (state == "satisfied")],
                self.related_observation),
        }
        if control.manual_evidence:
            finding["remarks"] = ("The automated rules cover part of this control at most; "
                                  f"also request: {_sentence(control.manual_evidence)}")
        return finding

    def not_assessed(self, judged_by: Mapping[str, Sequence[Result]]) -> list[str]:
        """A Markdown list item for each control no result judged in this run."""
        rules_of: dict[str, set[str]] = defaultdict(set)
        for rule_id, summary in self.report.rules.items():
            for control_id in summary.get("controls") or ():
                rules_of[str(control_id)].add(rule_id)
        for result in self.report.evaluation.results:
            for control_id in result.controls:
                rules_of[control_id].add(result.rule_id)
        lines = []
        for control in self.controls:
            if judged_by.get(control.id):
                continue
            line = (f"- {control_token(control.id)} ({_line(control.citation)}, "
                    f"{_line(control.title)})")
            rules = sorted(rules_of.get(control.id, ()))
            if rules:
                line += f": its rules found nothing in scope ({', '.join(map(_markup, rules))})"
            if control.manual_evidence:
                line += f"; request: {_line(control.manual_evidence)}"
            lines.append(_sentence(line))
        return lines

    # the run

    def description(self) -> str:
        report = self.report
        sources = sorted({str(s.get("type")) for s in report.manifest.get("sources") or []
                          if isinstance(s, Mapping) and s.get("type")})
        period = f" for period {report.period}" if report.period else ""
        counts = ", ".join(f"{n} {s}" for s, n in report.evaluation.counts().items())
        return _markup(
            f"govkit run {self.run_id}{period}: {len(report.rules)} automated rule(s) judged "
            f"{len(self.judged)} result(s) from {', '.join(sources) or 'no source'} "
            f"(results: {counts}). Each observation is one rule's judgement of one resource; "
            "each finding is one control, judged from the observations of the rules that "
            f"evidence it. Provenance: {report.provenance.describe()}.")

    def remarks(self, judged_by: Mapping[str, Sequence[Result]]) -> str | None:
        parts = []
        failed = self.report.evaluation.failed_calls
        if failed:
            calls = sorted({f"{f.get('call', '')} {f.get('operation', '')} ({f.get('code', '')})"
                            for f in failed})
            shown = "; ".join(_markup(c) for c in calls[:MAX_FAILED_CALLS_SHOWN])
            more = len(calls) - MAX_FAILED_CALLS_SHOWN
            parts.append(f"The evidence is incomplete: {len(failed)} recorded call(s) failed: "
                         f"{shown}{f'; and {more} more' if more > 0 else ''}. A finding judged "
                         "satisfied may rest on part of the estate only.")
        not_assessed = self.not_assessed(judged_by)
        if not_assessed:
            parts.append("No automated rule judged these controls in this run, so they have no "
                         "finding (OSCAL has no \"not assessed\" state); request the evidence "
                         "named:\n\n" + "\n".join(not_assessed))
        return "\n\n".join(parts) or None

    def reviewed_controls(self) -> dict[str, Any]:
        catalogue = self.report.catalogue
        name = f"{catalogue.title} ({catalogue.id})" if catalogue else "the controls the rules name"
        reviewed: dict[str, Any] = {
            "description": (f"Every control of {_line(name)}. Control ids are OSCAL tokens: "
                            "hipaa-164.312-a-2-iv stands for 164.312(a)(2)(iv); each finding's "
                            "target props give the control's id and citation."),
            "control-selections": [
                {"include-controls": [{"control-id": control_token(c.id)}
                                      for c in self.controls]} if self.controls
                else {"include-all": {}}],
        }
        path = _catalogue_path(self.report)
        if catalogue is not None and path:
            reviewed["links"] = [{"href": f"#{self.file_uuid(path)}", "rel": "reference",
                                  "text": _line(catalogue.title) or catalogue.id}]
        return reviewed

    def result(self) -> dict[str, Any]:
        report = self.report
        judged_by: dict[str, list[Result]] = defaultdict(list)
        for judged in self.judged:
            for control_id in judged.controls:
                judged_by[control_id].append(judged)
        counts = report.evaluation.counts()
        result: dict[str, Any] = {
            "uuid": _uuid(self.run_id, "result"),
            "title": _markup(f"govkit run {self.run_id}"),
            "description": self.description(),
            "start": str(report.manifest.get("started_at") or self.collected),
            "end": str(report.manifest.get("finished_at") or self.collected),
            "props": _props(("run-id", self.run_id), ("period", report.period or ""),
                            *((f"{status.lower().replace('_', '-')}-count", str(count))
                              for status, count in counts.items()),
                            ("evidence-complete", str(not report.evaluation.incomplete).lower())),
            "reviewed-controls": self.reviewed_controls(),
        }
        if self.subjects:
            result["local-definitions"] = {"inventory-items": _Items(
                self.subjects, self.inventory_item)}
        if self.judged:
            result["observations"] = _Items(self.judged, self.observation)
        findings = [self.finding(c, judged_by[c.id]) for c in self.controls
                    if judged_by.get(c.id)]
        if findings:
            result["findings"] = findings
        remarks = self.remarks(judged_by)
        if remarks:
            result["remarks"] = remarks
        return result

    # back matter

    def run_files(self) -> list[tuple[str, str, str]]:
        """(path, title, description) of the files that describe the run itself."""
        report, run_id = self.report, self.run_id
        files = [
            (MANIFEST, f"govkit run {run_id} manifest",
             "The run's manifest: its sources, accounts, regions, period, settings and "
             "collection times. govkit collects a run from a scan configuration, not from an "
             "OSCAL assessment plan: this is what the results follow."),
            (RESULTS, f"govkit run {run_id} results",
             "The run's results as govkit recorded them, one per rule and resource, with every "
             "file each was judged on; an observation's result-id prop names one."),
        ]
        path = _catalogue_path(report)
        if report.catalogue is not None and path:
            files.append((path, f"Control catalogue {report.catalogue.title}",
                          f"The control catalogue ({_markup(report.catalogue.id)}) the run's "
                          "rules were checked against, as stored with the run."))
        folder = report.run_dir / ATTESTATIONS
        for attestation in sorted(folder.iterdir()) if folder.is_dir() else []:
            if attestation.is_file():
                files.append((f"{ATTESTATIONS}/{attestation.name}",
                              f"govkit run {run_id} attestation {attestation.name}",
                              "The signature over every evidence file of the run: "
                              f"{_markup(report.provenance.describe())}."))
        return files

    def resource(self, path: str, title: str, description: str) -> dict[str, Any]:
        link: dict[str, Any] = {"href": self.href(path), "media-type": _media_type(path)}
        resource: dict[str, Any] = {"uuid": self.file_uuid(path),
                                    "title": _markup(title) or self.href(path),
                                    "description": description, "rlinks": [link]}
        try:
            digest = sha256_file(self.report.record(path))
        except OSError:
            resource["remarks"] = "This file is missing from the run directory."
        else:
            link["hashes"] = [{"algorithm": "SHA-256", "value": digest}]
        return resource

    def back_matter(self) -> dict[str, Any]:
        run_files = self.run_files()
        listed = {path for path, _, _ in run_files}
        cited = sorted({file for r in self.judged for file, _ in _files_of(r)} - listed)
        return {"resources": [
            *(self.resource(*item) for item in run_files),
            *(self.resource(path, path, "A snapshot record of the run: one answer or export, "
                                        "as collected.") for path in cited)]}

    def document(self) -> dict[str, Any]:
        report, run_id = self.report, self.run_id
        manifest_uuid = self.file_uuid(MANIFEST)
        tool = report.manifest.get("tool") or {}
        metadata: dict[str, Any] = {
            "title": _markup(f"govkit assessment results {run_id}"),
            "published": self.collected,
            "last-modified": self.collected,
            "version": _line(run_id) or "unknown",
            "oscal-version": OSCAL_VERSION,
            "props": _props(("run-id", run_id), ("period", report.period or ""),
                            ("provenance", report.provenance.describe()),
                            ("catalogue", report.catalogue.id if report.catalogue else ""),
                            ("tool", " ".join(str(v) for v in tool.values())
                             if isinstance(tool, Mapping) else "")),
            "links": [{"href": f"#{manifest_uuid}", "rel": "reference",
                       "text": _markup(f"govkit run {run_id} manifest")}],
            "remarks": ("Made by govkit from the run's recorded results: nothing was collected "
                        "or judged again. Every relative href is relative to the run directory "
                        "(the root of the run's bundle archive), and every file cited is listed "
                        "in the back matter with its SHA-256."),
        }
        return {"assessment-results": {
            "uuid": _uuid(run_id, "assessment-results"),
            "metadata": metadata,
            "import-ap": {
                "href": f"#{manifest_uuid}",
                "remarks": ("There is no OSCAL assessment plan: govkit collects a run from a "
                            "scan configuration. This points at the run's manifest (in the back "
                            "matter), which records what was collected, from where and when."),
            },
            "results": [self.result()],
            "back-matter": self.back_matter(),
        }}


def build(report: ReportInput) -> dict[str, Any]:
    """The document as JSON-ready values; its observations, inventory items and related
    observations are ``_Items``, made only as they are written."""
    return _Document(report).document()


def render(report: ReportInput, options: Options) -> list[Artifact]:
    del options  # nothing the user asks changes this format
    return [Artifact(f"{report.run_id}{SUFFIX}", _dump(build(report)), MEDIA_TYPE)]


FORMAT = Format(name="oscal",
                description="OSCAL 1.2.1 assessment results (JSON) for GRC tools",
                render=render)
