"""Reading the times sources and runs write: ISO-8601 text with ``Z`` or an offset."""

from __future__ import annotations

import datetime as dt
from typing import Any


def parse_instant(value: Any) -> dt.datetime | None:
    """An ISO-8601 time as an aware datetime (UTC when the text names no offset); None for
    anything that is not such a text, so a caller decides what a missing time means."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
