"""The normalised inventory: typed, read-only resources with provenance.

Every attribute of a resource can be traced to the place inside the snapshot record it came
from (``sources``: a :class:`Ref`, file plus JSON Pointer), and every attribute whose call
failed is listed in ``failures``, so that a check reading it is reported as ERROR naming that
call. ``coverage`` says, per resource type, account and region, whether the listing call
succeeded: "no resources" is only NOT_APPLICABLE when it did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from sys import intern
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from govkit.snapshot import CallEntry

V = TypeVar("V")

# Failure codes govkit itself gives (no AWS call failed): their message is the explanation.
# The last two are a Terraform plan's (govkit.gate): a value known only after apply, and one
# decided outside the plan.
OWN_CODES = frozenset({"NotCollected", "NotInReport", "StaleCredentialReport",
                       "UnknownAfterApply", "NotInPlan",
                       # where AWS Config's data cannot be used (govkit.sources.aws.awsconfig)
                       "NoConfigurationRecorder", "ConfigRecorderStopped",
                       "ConfigRecorderFailed", "ConfigAggregatorSourceMissing",
                       "ConfigAggregatorSourceFailed"})


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


def json_pointer(*tokens: str | int) -> str:
    """An RFC 6901 JSON Pointer to ``tokens`` ("~" and "/" in a token escaped)."""
    parts = []
    for token in tokens:
        text = str(token)
        if "~" in text or "/" in text:  # rare: most tokens are keys and indexes
            text = text.replace("~", "~0").replace("/", "~1")
        parts.append(text)
    return "/" + "/".join(parts) if parts else ""


def present_path(node: Any, path: Sequence[str | int]) -> list[str | int]:
    """The longest start of ``path`` (keys and list indexes) that exists in ``node``: where a
    value was read, or, for an absent one, the parent it was read from ("not set")."""
    found: list[str | int] = []
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        found.append(part)
    return found


class Ref(NamedTuple):
    """Where a value came from: a snapshot file (relative to the run directory), a JSON
    Pointer (RFC 6901) to the value inside it ("" is the whole record) and, for a value that
    is one line of a CSV text at ``pointer`` (the IAM credential report), that line's number
    (1 is the header). A tuple: a normaliser makes tens of them per resource, and the join
    compares and hashes them by the million."""

    file: str
    pointer: str = ""
    row: int | None = None

    @classmethod
    def within(cls, file: str, base: str, tail: str, row: int | None = None) -> Ref:
        """The Ref of ``tail``, a pointer inside the value at pointer ``base``."""
        return cls(file, base + tail, row)


# what ResourceBuilder.set accepts as a source: a file (the whole record), one Ref, or several
# Refs, the main one first (a value derived from several records)
Source = str | Ref | Sequence[Ref]


def refs_of(source: Source) -> tuple[Ref, ...]:
    if type(source) is Ref:  # called by the million: the commonest kind first, exactly
        return (source,)
    if isinstance(source, str):
        return (Ref(source),)
    if isinstance(source, Ref):
        return (source,)
    if len(source) < 2:
        return source if type(source) is tuple else tuple(source)
    return tuple(dict.fromkeys(source))  # without repeats, first seen first


@dataclass(frozen=True, kw_only=True)
class CallFailure:
    """A call that failed, as a result message and evidence pointer name it."""

    call: str  # e.g. "s3:GetBucketEncryption (Bucket=x) in 111122223333/us-east-1"
    operation: str  # e.g. "s3:GetBucketEncryption"
    code: str
    message: str
    file: str
    # where in ``file`` the failure shows: the error message of a failed call; the whole
    # record ("") for a call that answered but left this value unknown
    pointer: str = ""

    @classmethod
    def from_entry(cls, entry: CallEntry, message: str | None = None) -> CallFailure:
        return cls(call=entry.describe(), operation=f"{entry.service}:{entry.operation}",
                   code=entry.error_code or "Unknown", message=message or "",
                   file=entry.file, pointer="" if entry.ok else "/error_message")

    @classmethod
    def not_collected(cls, service: str, operation: str, message: str, ref: Ref | None = None,
                      *, call: str | None = None) -> CallFailure:
        """A value no recorded answer gives (a request never made, a field not in the
        answer): ``ref`` is where that shows, when there is such a place."""
        return cls(call=call or f"{service}:{operation}", operation=f"{service}:{operation}",
                   code="NotCollected", message=message, file=ref.file if ref else "",
                   pointer=ref.pointer if ref else "")

    @property
    def ref(self) -> Ref | None:
        """The record that shows the failure, when there is one (not for calls never made)."""
        return Ref(self.file, self.pointer) if self.file else None

    def explain(self) -> str:
        """How a result names this failure: the call and its error code, and govkit's own
        explanation when no AWS call failed (a stale report, a call that was never made)."""
        if self.code in OWN_CODES and self.message:
            return f"{self.call}: {self.message}"
        return f"{self.call} failed with {self.code}"

    def to_json(self) -> dict[str, str]:
        return {"call": self.call, "operation": self.operation, "code": self.code,
                "message": self.message, "file": self.file}


@dataclass(kw_only=True)
class Resource:
    """One resource as checks see it. ``attributes`` is the document JMESPath keys read.
    Read-only: its mappings are read-only views, and nothing sets its fields once it is
    made (it is not a frozen dataclass, whose construction costs four times as much: the
    people join makes one for every account and person twice over)."""

    id: str
    type: str
    account: str
    region: str
    name: str
    tags: Mapping[str, str] = field(default_factory=_empty)
    attributes: Mapping[str, Any] = field(default_factory=_empty)
    sources: Mapping[str, tuple[Ref, ...]] = field(default_factory=_empty)
    failures: Mapping[str, CallFailure] = field(default_factory=_empty)
    notes: Mapping[str, str] = field(default_factory=_empty)

    def document(self) -> Mapping[str, Any]:
        return self.attributes

    def evidence(self) -> list[str]:
        """Snapshot files this resource was built from, sorted, without repeats."""
        return list(self.evidence_files)

    @cached_property
    def evidence_files(self) -> tuple[str, ...]:  # every result on the resource names them
        files = _files(self.sources) | {f.file for f in _entries(self.failures)}
        files.discard("")
        return tuple(sorted(files))

    def refs_for(self, fields: Collection[str]) -> list[tuple[str, Ref]]:
        """(attribute, ref) for each of ``fields`` that has a source, by attribute name, each
        attribute's main record first; "@" means every attribute."""
        return [(name, Ref(file, pointer, row)) for name, file, pointer, row in
                self.placed(fields)]

    def placed(self, fields: Collection[str]) -> list[tuple[str, str, str, int | None]]:
        """``refs_for`` flat: (attribute, file, pointer, row), as a result's records are."""
        sources = self.sources
        names = sorted(sources) if "@" in fields else sorted(fields)
        if type(sources) is Sources:
            return sources.placed(names)
        found: list[tuple[str, str, str, int | None]] = []
        for name in names:
            refs = sources.get(name)
            if refs:
                found += [(name, *ref) for ref in refs]
        return found

    def extended(self, values: Mapping[str, tuple[Any, Source]],
                 failures: Mapping[str, CallFailure] | None = None) -> Resource:
        """This resource with more attributes (key → (value, source)) and failures; tags,
        notes and unchanged failures are shared with it, not copied."""
        attributes = dict(self.attributes)
        sources = Sources.editing(self.sources)
        for key, (value, source) in values.items():
            attributes[key] = value
            sources.put(key, refs_of(source))
        failed = self.failures
        if failures:
            merged = dict(failed)
            for key, failure in failures.items():
                attributes.pop(key, None)
                sources.put(key, ())
                merged[key] = failure
            failed = MappingProxyType(merged)
        return Resource(id=self.id, type=self.type, account=self.account, region=self.region,
                        name=self.name, tags=self.tags, attributes=MappingProxyType(attributes),
                        sources=sources, failures=failed, notes=self.notes)

    def listed(self, keys: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
        """What a resource that lists this one shows of it: the values of ``keys`` it has,
        and, for each of them whose call failed, why it is unknown."""
        attributes, failures = self.attributes, self.failures
        keys = tuple(keys)
        return ({k: attributes[k] for k in keys if k in attributes and k not in failures},
                {k: failures[k].explain() for k in keys if k in failures})

    def lending(self, sources: Sequence[Lent], failures: Sequence[Lent] = ()) -> Resource:
        """This resource with the records (and failures) of the resources it lists lent to
        it, not copied: entry ``key`` of member ``i`` of list ``name`` is ``name[i].key``."""
        return Resource(id=self.id, type=self.type, account=self.account, region=self.region,
                        name=self.name, tags=self.tags, attributes=self.attributes,
                        sources=Linked(self.sources, [(n, [m.sources for m in ms], k)
                                                      for n, ms, k in sources]),
                        failures=Linked(self.failures, [(n, [m.failures for m in ms], k)
                                                        for n, ms, k in failures]),
                        notes=self.notes)

    def notes_on(self, fields: frozenset[str]) -> list[str]:
        """What a reader must know about the attributes ``fields`` (e.g. how old the
        credential report they came from is); "@" means every attribute."""
        if not self.notes:
            return []
        if "@" in fields:
            return sorted(set(self.notes.values()))
        return sorted({self.notes[f] for f in fields if f in self.notes})


class Sources(Mapping[str, tuple[Ref, ...]]):
    """A resource's sources, held as compactly as most of them allow.

    Most attributes come from inside the item the resource was read from (``/response/body/17``
    of a listing page, or a row of an export with its line), which the normaliser names.
    Those are kept as the rest of their pointer (``/profile/login``), interned, so every
    resource of a kind shares one copy of each, and their ``(Ref,)`` is made when asked for
    (a tuple of such rests for several pointers). A Ref, its pointer and the tuple around it
    cost 200 bytes an attribute, and a large identity estate has millions of attributes.
    Entries that point elsewhere are kept as given."""

    __slots__ = ("_file", "_row", "_base", "_entries")

    def __init__(self, file: str, row: int | None, base: str, entries: dict[str, Any]) -> None:
        # entries: attribute → a tail (str), several tails (tuple of str) or Refs (tuple)
        self._file, self._row, self._base = file, row, base
        self._entries = entries

    @classmethod
    def of(cls, sources: Mapping[str, tuple[Ref, ...]], item: Ref) -> Sources:
        """``sources`` (attribute → Refs) of a resource read from ``item``."""
        file, base, row = item
        made = cls(file, row, base, {})
        entries, cut = made._entries, len(base)
        for key, refs in sources.items():
            if len(refs) == 1:  # most are: one place, inside the item (put's work, inline)
                ref_file, pointer, ref_row = refs[0]
                if ref_file == file and ref_row == row and pointer.startswith(base):
                    entries[key] = intern(pointer[cut:])
                    continue
            made.put(key, refs)
        return made

    @classmethod
    def editing(cls, sources: Mapping[str, tuple[Ref, ...]]) -> Sources:
        """A copy of ``sources`` to ``put`` entries into (then read only, like any)."""
        if isinstance(sources, Sources):
            return cls(sources._file, sources._row, sources._base, dict(sources._entries))
        return cls("", None, _NO_ITEM, dict(sources))

    def put(self, key: str, refs: tuple[Ref, ...]) -> None:
        """Only while the resource is being made; no Refs: the attribute has no source."""
        if not refs:
            self._entries.pop(key, None)
            return
        file, row, base = self._file, self._row, self._base
        tails = []
        for ref_file, pointer, ref_row in refs:
            if ref_file != file or ref_row != row or not pointer.startswith(base):
                self._entries[key] = refs
                return
            tails.append(intern(pointer[len(base):]))
        self._entries[key] = tails[0] if len(tails) == 1 else tuple(tails)

    def get(self, key: str, default: Any = None) -> Any:
        found = self._entries.get(key)
        if found is None:
            return default
        if type(found) is str:
            return (_new_ref(Ref, (self._file, self._base + found, self._row)),)
        if type(found[0]) is str:
            file, base, row = self._file, self._base, self._row
            return tuple([_new_ref(Ref, (file, base + tail, row)) for tail in found])
        return found

    def placed(self, names: Iterable[str]) -> list[tuple[str, str, str, int | None]]:
        """(name, file, pointer, row) of each of ``names`` that has a source, in order."""
        entries, file, base, row = self._entries, self._file, self._base, self._row
        found: list[tuple[str, str, str, int | None]] = []
        for name in names:
            entry = entries.get(name)
            if entry is None:
                continue
            if type(entry) is str:
                found.append((name, file, base + entry, row))
            elif type(entry[0]) is str:
                found += [(name, file, base + tail, row) for tail in entry]
            else:
                found += [(name, *ref) for ref in entry]
        return found

    def __getitem__(self, key: str) -> tuple[Ref, ...]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def files(self, keys: Collection[str] | None = None) -> set[str]:
        """Every file the entries (of ``keys`` only, when given) point into."""
        found: set[str] = set()
        for key, refs in self._entries.items():
            if keys is not None and key not in keys:
                continue
            if type(refs) is str or type(refs[0]) is str:
                found.add(self._file)
            else:
                found.update(ref.file for ref in refs)
        return found


_new_ref = tuple.__new__
# the base of sources whose resource named no item: no pointer starts with it, so every entry
# is kept as given
_NO_ITEM = "\0"


def _files(sources: Mapping[str, tuple[Ref, ...]],
           keys: Collection[str] | None = None) -> set[str]:
    """The files ``sources`` (its entries of ``keys`` only, when given) point into."""
    if isinstance(sources, Sources):
        return sources.files(keys)
    if isinstance(sources, Linked):
        return set().union(*(_files(part, keys) for part, keys in sources.parts()))
    return {ref.file for key, refs in sources.items() if keys is None or key in keys
            for ref in refs}


# a list a resource lends from: its name, the resources listed, and the keys it shows of them
Lent = tuple[str, Sequence["Resource"], frozenset[str]]


class Linked(Mapping[str, V]):
    """A resource's own entries (sources or failures) and, without copying them, the entries
    of the resources it lists: entry ``key`` of member ``i`` of list ``name`` is
    ``name[i].key`` (a person's ``Accounts[2].DisabledAt``), for the keys the list shows."""

    __slots__ = ("_own", "_lists")

    def __init__(self, own: Mapping[str, V],
                 lists: Sequence[tuple[str, Sequence[Mapping[str, V]], frozenset[str]]]) -> None:
        self._own = own
        self._lists = tuple(lists)

    def _find(self, key: str) -> Any:
        """The entry at ``key``, or _MISSING (a miss is common: no exception for it)."""
        own = self._own.get(key, _MISSING)
        if own is not _MISSING or "[" not in key:
            return own
        name, _, rest = key.partition("[")
        position, close, field_name = rest.partition("].")
        if close and position.isdigit():
            for list_name, members, keys in self._lists:
                if list_name == name and field_name in keys and int(position) < len(members):
                    return members[int(position)].get(field_name, _MISSING)
        return _MISSING

    def __getitem__(self, key: str) -> V:
        found = self._find(key)
        if found is _MISSING:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not _MISSING

    def get(self, key: str, default: Any = None) -> Any:
        found = self._find(key)
        return default if found is _MISSING else found

    def parts(self) -> Iterator[tuple[Mapping[str, V], frozenset[str] | None]]:
        """The mappings this one joins, each with the keys it shows (None: all of them)."""
        yield self._own, None
        for _, members, keys in self._lists:
            for member in members:
                yield member, keys

    def entries(self) -> Iterator[V]:
        """Every entry, as ``values()`` gives them, without naming each key first."""
        for part, keys in self.parts():
            yield from (value for key, value in part.items() if keys is None or key in keys)

    def __iter__(self) -> Iterator[str]:
        yield from self._own
        for name, members, keys in self._lists:
            for position, member in enumerate(members):
                for key in member:
                    if key in keys:
                        yield f"{name}[{position}].{key}"

    def __len__(self) -> int:
        return len(self._own) + sum(1 for _, members, keys in self._lists
                                    for member in members for key in member if key in keys)

    def __bool__(self) -> bool:
        return bool(self._own) or any(key in keys for _, members, keys in self._lists
                                      for member in members for key in member)


_MISSING = object()


def _entries(entries: Mapping[str, V]) -> Iterable[V]:
    return entries.entries() if isinstance(entries, Linked) else entries.values()


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """Whether resources of ``type`` were listed in an account and region. For a type that
    groups several (``aws.resource``), ``member`` names the type whose listing it is."""

    type: str
    account: str
    region: str
    failure: CallFailure | None = None
    source: str | None = None
    member: str | None = None


class ResourceBuilder:
    """Collects a resource's attributes with their sources, then freezes it."""

    def __init__(self, *, id: str, type: str, account: str, region: str, name: str,
                 item: Ref | None = None) -> None:
        """``item``: where in the snapshot the resource itself is (an element of a listing,
        a row of an export), when most of its attributes are read from inside it; they are
        then held compactly (Sources)."""
        self.id, self.type, self.account, self.region, self.name = id, type, account, region, name
        self.item = item
        self.tags: dict[str, str] = {}
        self.attributes: dict[str, Any] = {}
        self.sources: dict[str, tuple[Ref, ...]] = {}
        self.failures: dict[str, CallFailure] = {}
        self.notes: dict[str, str] = {}

    def set(self, key: str, value: Any, source: Source) -> ResourceBuilder:
        """Set ``key`` from ``source``: a file (the whole record), a Ref, or several Refs,
        the main one first."""
        refs = refs_of(source)
        self.attributes[key] = value
        if refs:
            self.sources[key] = refs
        else:  # nothing to point at (the tests require a source for every attribute)
            self.sources.pop(key, None)
        return self

    def update(self, values: Mapping[str, Any], source: Source) -> ResourceBuilder:
        refs = refs_of(source)
        for key, value in values.items():
            self.set(key, value, refs)
        return self

    def fail(self, key: str, failure: CallFailure) -> ResourceBuilder:
        self.attributes.pop(key, None)
        self.sources.pop(key, None)
        self.failures[key] = failure
        return self

    def note(self, keys: Iterable[str], text: str) -> ResourceBuilder:
        """Attach ``text`` to each attribute in ``keys``; results that read them state it."""
        for key in keys:
            self.notes[key] = text
        return self

    def set_tags(self, tags: Mapping[str, str], source: Source) -> ResourceBuilder:
        self.tags = dict(tags)
        return self.set("Tags", dict(tags), source)

    def build(self) -> Resource:
        attributes = {"Id": self.id, "Name": self.name, "Account": self.account,
                      "Region": self.region, **self.attributes}
        failures = dict(self.failures)
        if "Tags" not in self.attributes and "Tags" not in failures:
            # never an empty default: a PHI-scoped rule would silently find nothing in scope
            failures["Tags"] = CallFailure(
                call=f"tags of {self.type}", operation="tags", code="NotCollected",
                message=f"govkit does not collect the tags of {self.type}", file="")
        return Resource(id=self.id, type=self.type, account=self.account, region=self.region,
                        name=self.name, tags=MappingProxyType(dict(self.tags)),
                        attributes=MappingProxyType(attributes),
                        sources=MappingProxyType(dict(self.sources)) if self.item is None
                        else Sources.of(self.sources, self.item),
                        failures=MappingProxyType(failures),
                        notes=MappingProxyType(dict(self.notes)))


@dataclass(frozen=True)
class Inventory:
    resources: tuple[Resource, ...]
    coverage: tuple[Coverage, ...]
    _by_type: Mapping[str, tuple[Resource, ...]] = field(default_factory=_empty, repr=False)

    @classmethod
    def of(cls, resources: Iterable[Resource], coverage: Iterable[Coverage],
           groups: Mapping[str, Iterable[Resource]] | None = None) -> Inventory:
        """``groups``: further types that name resources of several types (every account,
        whatever system it lives in, is also an ``identity.account``)."""
        ordered = tuple(sorted(resources, key=lambda r: (r.type, r.id)))
        grouped: dict[str, list[Resource]] = defaultdict(list)
        for resource in ordered:
            grouped[resource.type].append(resource)
        for name, members in (groups or {}).items():
            grouped[name] = sorted(members, key=lambda r: r.id)
        cover = tuple(sorted(set(coverage), key=lambda c: (c.type, c.account, c.region,
                                                            c.failure is None)))
        return cls(ordered, cover, MappingProxyType({k: tuple(v) for k, v in grouped.items()}))

    def of_type(self, resource_type: str) -> tuple[Resource, ...]:
        return self._by_type.get(resource_type, ())

    def coverage_of(self, resource_type: str) -> list[Coverage]:
        return [c for c in self.coverage if c.type == resource_type]
