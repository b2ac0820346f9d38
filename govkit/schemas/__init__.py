"""JSON Schemas shipped with govkit (rules, exceptions, manifest, results), and the catalogue
of resource types and their fields (resource-types.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """The JSON Schema ``<name>.schema.json``."""
    return load_data(f"{name}.schema.json")


@cache
def load_data(filename: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(filename).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
