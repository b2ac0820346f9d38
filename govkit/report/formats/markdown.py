"""``markdown``: the run in GitHub-flavoured Markdown, for a pull request or a ticket.

The same story as the HTML report, shortened: summary and provenance, counts, the worst
failures (with the first record each was judged on), control coverage, the glass-window
matrix and the access-removal population. Every value of the run written into a table cell
is escaped, so a pipe, a newline or a bit of markup in a message cannot break the table.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2

from govkit.report.formats import Artifact, Format, Options
from govkit.report.source import ReportInput
from govkit.report.view import (
    CHANNEL_LABELS, SEVERITIES, build_view, environment, file_stem)

TEMPLATE = "report.md.j2"
WORST = 50  # failures listed
LISTED = 10  # errors, failed calls and late leavers listed before "and N more"
MESSAGE_CHARS = 500  # of a message in a table cell
RULES_LISTED = 5  # rules named per control

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def text(value: Any, limit: int | None = None) -> str:
    """``value`` as Markdown text that renders as written: markup characters escaped, an
    entity-like "&" kept literal, newlines as <br> (a table cell holds one line), and, with
    ``limit``, cut to that many characters."""
    raw = "" if value is None else str(value)
    if limit is not None and len(raw) > limit:
        raw = raw[:limit].rstrip() + " ..."
    escaped = _ENTITY.sub("&amp;", _SPECIAL.sub(r"\\\1", raw))
    return _NEWLINE.sub("<br>", escaped)


def code(value: Any) -> str:
    """``value`` as an inline code span that may stand in a table cell: a fence longer than
    any run of backticks inside, pipes escaped (GitHub reads ``\\|`` in a cell as a pipe, even
    in code), newlines as spaces."""
    raw = _NEWLINE.sub(" ", "" if value is None else str(value)).replace("|", "\\|")
    if not raw:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", raw)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = environment(html=False).overlay()
    env.filters["md"] = text
    env.filters["code"] = code
    return env


def render(report: ReportInput, options: Options) -> list[Artifact]:
    view = build_view(report, records_per_finding=0)
    document = _environment().get_template(TEMPLATE).render(
        view=view, worst=view.worst(WORST), channels=CHANNEL_LABELS, severities=SEVERITIES,
        listed=LISTED, message_chars=MESSAGE_CHARS, rules_listed=RULES_LISTED,
        errors=[f for f in view.findings if f.result.status.value == "ERROR"],
        late=[p for p in view.leavers if p.status != "PASS"])
    return [Artifact(f"{file_stem(view.run_id)}.md", document.encode("utf-8"),
                     "text/markdown")]


FORMAT = Format("markdown", "GitHub-flavoured Markdown for a pull request or ticket: summary, "
                "worst findings, control coverage, glass windows and access removal", render)
