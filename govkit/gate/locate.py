"""Where a planned resource is declared: the ``.tf`` file and line of its ``resource`` block.

The configuration is parsed with python-hcl2 (its syntax tree keeps line numbers). A resource
inside a module is looked for in the module's folder, found from the module call's ``source``
as the plan records it; a module fetched from a registry or Git has no folder here, so its
resources are located at the ``module`` block that calls it, in the nearest local module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.sources.terraform.plan import Plan, PlannedResource


@dataclass(frozen=True)
class Location:
    file: Path
    line: int
    end_line: int


class Locator:
    """Finds declarations under ``root`` (the folder ``terraform plan`` ran in)."""

    def __init__(self, plan: Plan, root: Path) -> None:
        if not root.is_dir():
            raise InputError(str(root), "--terraform-dir is not a folder")
        self.plan, self.root = plan, root
        self._folders: dict[Path, Mapping[tuple[str, ...], Location]] = {}

    def locate(self, resource: PlannedResource) -> Location | None:
        folder, config = self.root, self.plan.configuration.get("root_module")
        caller: Location | None = None
        for name in resource.module_path:
            calls = config.get("module_calls") if isinstance(config, Mapping) else None
            call = calls.get(name) if isinstance(calls, Mapping) else None
            caller = self._blocks(folder).get(("module", name)) or caller
            source = call.get("source") if isinstance(call, Mapping) else None
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                return caller  # a registry or Git module: where it is called
            folder = (folder / source).resolve()
            config = call.get("module") if isinstance(call, Mapping) else None
        kind = "data" if resource.mode == "data" else "resource"
        return self._blocks(folder).get((kind, resource.type, resource.name)) or caller

    def _blocks(self, folder: Path) -> Mapping[tuple[str, ...], Location]:
        found = self._folders.get(folder)
        if found is None:
            found = {}
            for path in sorted(folder.glob("*.tf")) if folder.is_dir() else []:
                found.update(_declarations(path))
            self._folders[folder] = found
        return found


def _declarations(path: Path) -> dict[tuple[str, ...], Location]:
    import hcl2
    from lark.exceptions import LarkError
    try:
        text = path.read_text(encoding="utf-8")
        tree = hcl2.parses_to_tree(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the Terraform file: {exc}") from None
    except LarkError as exc:
        line = getattr(exc, "line", None)
        raise InputError(str(path), f"not valid HCL: {str(exc).splitlines()[0]}",
                         line=line if isinstance(line, int) else None) from None
    found: dict[tuple[str, ...], Location] = {}
    body = tree.children[0] if tree.children else None
    for block in getattr(body, "children", ()):
        if getattr(block, "data", None) != "block":
            continue
        labels = [_text(child) for child in block.children[:3]]
        words = tuple(label for label in labels if label is not None)
        if words and words[0] in ("resource", "data") and len(words) >= 3:
            key: tuple[str, ...] = words[:3]
        elif words and words[0] == "module" and len(words) >= 2:
            key = words[:2]
        else:
            continue
        found.setdefault(key, Location(path, block.meta.line, block.meta.end_line))
    return found


def _text(node: Any) -> str | None:
    """A block label: an identifier or a plain string."""
    data = getattr(node, "data", None)
    if data == "identifier":
        return str(node.children[0])
    if data == "string":
        return "".join(str(token) for part in node.children
                       if getattr(part, "data", None) == "string_part"
                       for token in part.children)
    return None


def relative(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (the working folder) with forward slashes, as SARIF and
    GitHub expect; absolute when it lies elsewhere."""
    base = (base or Path.cwd()).resolve()
    try:
        text = os.path.relpath(path.resolve(), base)
    except ValueError:
        return path.resolve().as_posix()
    return Path(text).as_posix() if not text.startswith("..") else path.resolve().as_posix()
