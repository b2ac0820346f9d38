"""The glass-window matrix from the results alone: for each vendor in the register, each VDI
window its agents can open, and each way out of the session (PASS, FAIL or ERROR), as the
``vendor-windows-sealed`` results record it in their facts; with each vendor's BAA verdict."""

from __future__ import annotations

from dataclasses import dataclass

from govkit.results import Evaluation, Status
from govkit.vdi.window import CHANNELS

SEALED, BAA = "vendor_windows_sealed", "baa_in_force"
SHORT = {"ClipboardOut": "copy out", "ClipboardIn": "paste in", "Download": "download",
         "Upload": "upload", "Printing": "print", "DriveRedirection": "drives",
         "UsbRedirection": "USB"}


@dataclass(frozen=True)
class MatrixRow:
    vendor: str
    baa: str  # the BAA rule's status, or "-" when it was not judged
    window: str
    controls: tuple[str, ...]  # one status per channel, in CHANNELS order


def glass_window_matrix(evaluation: Evaluation) -> list[MatrixRow]:
    """Empty when the run read no register or no vendor reaches a window."""
    kinds = {rule_id: summary.get("check") for rule_id, summary in evaluation.rules.items()}
    baa = {r.resource_id: r.status.value for r in evaluation.results
           if kinds.get(r.rule_id) == BAA}
    rows: list[MatrixRow] = []
    for result in evaluation.results:
        if kinds.get(result.rule_id) != SEALED or result.status is Status.NOT_APPLICABLE:
            continue
        matrix = (result.facts or {}).get("matrix") or {}
        for window, controls in sorted(matrix.items()):
            rows.append(MatrixRow(result.resource_name or result.resource_id,
                                  baa.get(result.resource_id, "-"), window,
                                  tuple(str(controls.get(c, "-")) for c in CHANNELS)))
    return rows
