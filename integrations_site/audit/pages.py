"""Keyset pages of events, newest first, on (created_at, id): one query per page whatever the
depth, served by the audit_org_time index. The activity page and the API share it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .models import AuditEvent, AuditEventQuerySet

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    older: str | None  # cursor of the next page (older events), if any
    newer: str | None  # cursor of the previous page (newer events), if any


def cursor_of(event: AuditEvent) -> str:
    micros = (event.created_at - EPOCH) // MICROSECOND  # exact: no float on the way
    return f"{micros}.{event.pk}"


def parse_cursor(text: str) -> tuple[datetime, int] | None:
    """(created_at, id) from a cursor; None if it is not one (a page then starts anew)."""
    try:
        micros, event_id = (int(part) for part in text.split(".", 1))
        when = EPOCH + micros * MICROSECOND
    except (ValueError, OverflowError, OSError):
        return None
    return when, event_id


def keyset_page(
    events: AuditEventQuerySet, *, size: int, after: str = "", before: str = ""
) -> Page:
    """`after`: the page older than that cursor; `before`: the page newer than it."""
    older_than = parse_cursor(after) if after else None
    newer_than = parse_cursor(before) if before and not older_than else None
    if newer_than:
        found = list(events.newer_than(*newer_than).order_by("created_at", "id")[: size + 1])
        more = len(found) > size
        shown = found[:size][::-1]
        return Page(
            shown,
            older=cursor_of(shown[-1]) if shown else None,
            newer=cursor_of(shown[0]) if more and shown else None,
        )
    if older_than:
        events = events.older_than(*older_than)
    found = list(events.newest_first()[: size + 1])
    shown = found[:size]
    return Page(
        shown,
        older=cursor_of(shown[-1]) if len(found) > size else None,
        newer=cursor_of(shown[0]) if older_than and shown else None,
    )
