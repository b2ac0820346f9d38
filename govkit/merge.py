"""Merge the shard runs of one scan into one run, evaluated once over the whole inventory.

A shard run (``govkit scan --shard I/N``) holds the calls of its partition and says which
partition it is, with a digest of what the scan was asked (``shard.scan`` in its manifest).
The merge takes a complete, non-overlapping set: the same N and digest, every index once, the
same policy files; then it copies every shard's records into one snapshot (the calls every
shard makes to plan its work, recorded by each, are kept once), writes one manifest, evaluates
once (cross-account and people checks need the whole inventory) and signs like any scan. A
shard may be a bundle archive, verified with ``--verify-key`` before anything is read from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import canonical
from govkit.bundle.errors import SigningError
from govkit.bundle.sign import sign_run
from govkit.bundle.signers import Signer
from govkit.errors import InputError
from govkit.run import (MANIFEST, Run, _make_folder, _point_latest, manifest_time, new_run_id,
                        read_manifest, write_results)
from govkit.snapshot import INDEX_FILE, CallEntry, Snapshot

# the calls each shard makes to decide its work, kept once
PLANNING_CALLS = frozenset({("ec2", "DescribeRegions"), ("organizations", "ListAccounts"),
                            ("hipaa-eligible", "ReadHipaaEligibleServices")})


@dataclass(frozen=True)
class ShardRun:
    source: Path  # what the user named: a run directory or an archive
    run_dir: Path
    manifest: dict[str, Any]

    @property
    def index(self) -> int:
        return int(self.manifest["shard"]["index"])


def merge(shards: Sequence[Path], out: Path, *, verify_key: Path | None = None,
          signer: Signer | None = None) -> Run:
    with contextlib.ExitStack() as stack:
        opened = [_open(path, verify_key, stack) for path in shards]
        _check_set(opened)
        return _merge(sorted(opened, key=lambda s: s.index), out, signer)


def _open(path: Path, verify_key: Path | None, stack: contextlib.ExitStack) -> ShardRun:
    if not path.exists():
        raise InputError(str(path), "no such shard run directory or bundle archive")
    run_dir = path
    if not path.is_dir():  # a bundle archive: unpacked, then verified like a directory
        from govkit.bundle.archive import is_archive
        from govkit.bundle.errors import BundleError
        from govkit.bundle.extract import safe_extract
        if not is_archive(path):
            raise InputError(str(path), "neither a run directory nor a .tar.gz bundle archive")
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="govkit-merge-")))
        try:
            run_dir = safe_extract(path, scratch / "run")
        except BundleError as exc:
            raise InputError(str(path), str(exc)) from None
    if verify_key is not None:
        _verify(path, run_dir, verify_key)
    manifest = read_manifest(run_dir)
    if "shard" not in manifest:
        raise InputError(str(path), "not a shard run: its manifest has no 'shard' (scan it "
                                    "with --shard I/N)")
    return ShardRun(path, run_dir, manifest)


def _verify(path: Path, run_dir: Path, key: Path) -> None:
    """Every file against the signed digests, before anything is read from the shard."""
    from govkit.bundle.keys import load_public
    from govkit.bundle.verify import KeyVerifier
    from govkit.bundle.verify_archive import verify_bundle
    report = verify_bundle(run_dir, KeyVerifier(load_public(key)))
    if not report.ok:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in report.checks if not c.ok)
        raise InputError(str(path), f"the shard does not verify with {key}: {failed}")


def _check_set(shards: Sequence[ShardRun]) -> None:
    """The same scan, every index once, nothing else."""
    if not shards:
        raise InputError("merge", "no shard runs given")
    first = shards[0]
    count, scan = first.manifest["shard"]["count"], first.manifest["shard"]["scan"]
    seen: dict[int, ShardRun] = {}
    for shard in shards:
        info = shard.manifest["shard"]
        if info["scan"] != scan or info["count"] != count:
            raise InputError(str(shard.source), f"shard {info['index']}/{info['count']} of a "
                             f"different scan than {first.source} (shard {first.index}/{count}):"
                             " the scans were asked different things (accounts, regions, "
                             "services, settings, policies, exceptions or evaluation time)")
        if shard.index in seen:
            raise InputError(str(shard.source), f"shard {shard.index}/{count} is given twice "
                             f"(also {seen[shard.index].source})")
        seen[shard.index] = shard
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise InputError("merge", f"incomplete set of {count} shards: missing "
                         f"{', '.join(f'{i}/{count}' for i in missing)}")
    policies = _tree_digests(first.run_dir / "policies")
    for shard in shards[1:]:
        if _tree_digests(shard.run_dir / "policies") != policies:
            raise InputError(str(shard.source), f"its policies differ from {first.source}'s")


def _tree_digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _merge(shards: Sequence[ShardRun], out: Path, signer: Signer | None) -> Run:
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out is a file, not a folder")
    now = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(now)
    created = _make_folder(out)
    partial = out / f".{run_id}.partial"
    try:
        entries = _copy_records(shards, partial)
        canonical.write_json(partial / INDEX_FILE,
                             {"calls": [e.to_json() for e in sorted(entries,
                                                                     key=lambda e: e.file)]})
        shutil.copytree(shards[0].run_dir / "policies", partial / "policies")
        manifest = _manifest(shards, run_id, len(entries))
        canonical.write_json(partial / MANIFEST, manifest)
        evaluation = write_results(partial)
        unsigned: SigningError | None = None
        if signer is not None:
            try:
                sign_run(partial, signer)
            except SigningError as exc:
                unsigned = exc
        final = out / run_id
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    _point_latest(out, run_id)
    if unsigned is not None:
        raise SigningError(f"{unsigned}. The merged run is complete but unsigned: {final}; "
                           "sign it with 'govkit bundle sign'")
    return Run(final, manifest, evaluation)


def _copy_records(shards: Sequence[ShardRun], partial: Path) -> list[CallEntry]:
    kept: dict[str, tuple[CallEntry, ShardRun]] = {}
    for shard in shards:
        for entry in Snapshot.open(shard.run_dir).entries:
            if entry.file in kept:
                if (entry.service, entry.operation) in PLANNING_CALLS:
                    continue
                other = kept[entry.file][1]
                raise InputError(str(shard.source), f"shards {other.index} and {shard.index} "
                                 f"both recorded {entry.file}: they overlap, so they are not "
                                 "partitions of one scan")
            target = partial / entry.file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shard.run_dir / entry.file, target)
            kept[entry.file] = (entry, shard)
    return [entry for entry, _ in kept.values()]


def _manifest(shards: Sequence[ShardRun], run_id: str, calls: int) -> dict[str, Any]:
    """Shard 1's manifest (it holds the sources collected once), with what all collected."""
    first = shards[0].manifest
    manifests = [s.manifest for s in shards]
    started = min(manifest_time(s.manifest, "started_at", s.run_dir) for s in shards)
    finished = max(manifest_time(s.manifest, "finished_at", s.run_dir) for s in shards)
    fixed = {m["evaluated_at"] for m in manifests}
    # shards asked for one evaluation time agree on it; else the merge evaluates when the
    # last shard finished collecting
    evaluated_at = fixed.pop() if len(fixed) == 1 else canonical.iso_utc(finished)
    sources = [dict(s) for s in first.get("sources") or []]
    aws = [next((s for s in m.get("sources") or [] if s.get("type") == "aws"), None)
           for m in manifests]
    if aws[0] is not None:
        merged = dict(aws[0])
        merged["api_calls"] = calls  # every record, as an unsharded scan counts them
        merged["skipped"] = sorted((dict(x) for a in aws if a for x in a.get("skipped") or []),
                                   key=lambda x: (x.get("account", ""), x.get("region", ""),
                                                  x.get("service", "")))
        sources = [merged if s.get("type") == "aws" else s for s in sources]
    manifest = {key: value for key, value in first.items() if key != "shard"}
    manifest.update({
        "run_id": run_id, "started_at": canonical.iso_utc(started),
        "finished_at": canonical.iso_utc(finished), "evaluated_at": evaluated_at,
        "accounts": sorted({a for m in manifests for a in m.get("accounts") or []}),
        "regions": sorted({r for m in manifests for r in m.get("regions") or []}),
        "sources": sources,
        "merged_from": [{"index": s.index, "count": s.manifest["shard"]["count"],
                         "run_id": s.manifest["run_id"],
                         "manifest_sha256": hashlib.sha256(
                             (s.run_dir / MANIFEST).read_bytes()).hexdigest()}
                        for s in shards]})
    return manifest
