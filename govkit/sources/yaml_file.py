"""A YAML file the user keeps (the role matrix, the vendor register) as a source: validated
against its schema (errors name the file, line and field), then recorded whole into the
snapshot with its name and sha256, so the evidence holds the file the scan judged against."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from govkit.policy.yamlfile import YamlDocument, load_yaml, validate
from govkit.snapshot import GLOBAL_REGION, SnapshotWriter
from govkit.sources.interface import ConfigProblem


def existing_file(section: str, resolve: Callable[[str], Path], what: str) -> Path:
    path = resolve(section)
    if not path.is_file():
        raise ConfigProblem("", f"no such {what} file: {path}")
    return path


def record_yaml(path: Path, schema: Path, writer: SnapshotWriter, *, service: str,
                operation: str, key: str,
                check: Callable[[YamlDocument], None] | None = None) -> YamlDocument:
    """Read, validate (and ``check``) the file, then record it under ``response.<key>``."""
    began, started = time.perf_counter(), dt.datetime.now(dt.timezone.utc)
    doc = load_yaml(path)
    validate(doc, json.loads(schema.read_text("utf-8")))
    if check is not None:
        check(doc)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    writer.record(account=service, region=GLOBAL_REGION, service=service, operation=operation,
                  params={"file": path.name, "sha256": digest},
                  started_at=started, duration_ms=int((time.perf_counter() - began) * 1000),
                  response={key: doc.data})
    return doc
