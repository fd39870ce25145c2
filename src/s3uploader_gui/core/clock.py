"""How far this computer's clock is from a server's, from a RequestTimeTooSkewed answer.

S3 refuses requests signed more than 15 minutes off; the user is told by how much and in
which direction, so that "turn on automatic time" is an answer they can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_AMZ_DATE = re.compile(r"^(\d{8}T\d{6}Z)$")


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        if _AMZ_DATE.match(value):
            return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # S3 times are UTC; a naive value must not break the subtraction with an aware one.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _parse_http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    import email.utils  # only when a clock is off: the email package is a dozen modules

    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _signing_clock_now() -> dt.datetime:
    """Now, by the clock botocore signs SigV4 requests with (the system clock)."""
    import botocore.auth

    now = getattr(botocore.auth, "get_current_datetime", None)
    value = now() if callable(now) else dt.datetime.now(dt.UTC)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.now(dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def clock_offset_seconds(error: dict[str, Any]) -> float | None:
    """Local clock minus server clock, from a RequestTimeTooSkewed error body."""
    request = _parse_time(error.get("RequestTime"))
    server = _parse_time(error.get("ServerTime"))
    if request is None or server is None:
        return None
    return (request - server).total_seconds()


def skew_offset(error: dict[str, Any], headers: Any) -> float | None:
    """Like ``clock_offset_seconds``, falling back to the HTTP ``Date`` header.

    AWS puts ``RequestTime`` and ``ServerTime`` in the error body. Servers that do not
    (SeaweedFS, MinIO) still send a ``Date`` header: compare it with this computer's
    clock (the one the request was signed with).
    """
    offset = clock_offset_seconds(error)
    if offset is not None or not isinstance(headers, dict):
        return offset
    server = _parse_time(error.get("ServerTime")) or _parse_http_date(
        headers.get("date") or headers.get("Date")
    )
    if server is None:
        return None
    request = _parse_time(error.get("RequestTime")) or _signing_clock_now()
    return (request - server).total_seconds()


def describe_offset(seconds: float) -> str:
    """'12 minutes ahead' / '3 hours behind' for a clock offset."""
    direction = "ahead of" if seconds > 0 else "behind"
    magnitude = abs(seconds)
    if magnitude >= 2 * 3600:
        amount = f"{magnitude / 3600:.0f} hours"
    elif magnitude >= 60:
        minutes = round(magnitude / 60)
        amount = f"{minutes} minute" + ("s" if minutes != 1 else "")
    else:
        amount = f"{magnitude:.0f} seconds"
    return f"{amount} {direction}"
