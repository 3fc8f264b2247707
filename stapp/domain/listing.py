"""Parsing list filters, sort and page from a URL's query: unknown or malformed parts are dropped."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlencode

MAX_LIST_ITEMS = 200


def query_date(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name, "")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def query_ids(params: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = params.get(name, "")
    if not isinstance(raw, str):
        return ()
    out = []
    for part in raw.split(",")[:MAX_LIST_ITEMS]:
        part = part.strip()
        if part.isdigit() and 0 < len(part) <= 12:
            out.append(int(part))
    return tuple(sorted(set(out)))


def query_choices(params: Mapping[str, str], name: str, allowed: Iterable[str]) -> tuple[str, ...]:
    raw = params.get(name, "")
    if not isinstance(raw, str):
        return ()
    allowed_set = set(allowed)
    return tuple(sorted({p.strip() for p in raw.split(",") if p.strip() in allowed_set}))


def query_choice(params: Mapping[str, str], name: str, allowed: Iterable[str], default: str) -> str:
    raw = params.get(name, "")
    return raw if isinstance(raw, str) and raw in set(allowed) else default


def query_int(params: Mapping[str, str], name: str, default: int, *, allowed: Iterable[int] | None = None,
              minimum: int = 1, maximum: int = 1_000_000) -> int:
    raw = params.get(name, "")
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 9:
        return default
    value = int(raw)
    if allowed is not None and value not in set(allowed):
        return default
    return value if minimum <= value <= maximum else default


@dataclass(frozen=True)
class ListQuery:
    """What a list page shows: filters plus sort, direction, page and page size."""

    filters: dict[str, object] = field(default_factory=dict)
    sort: str = "id"
    direction: str = "desc"
    page: int = 1
    size: int = 25
    after: str = ""  # a cursor token: this page starts right after that row (Next)
    before: str = ""  # ... or ends right before it (Previous)

    def to_params(self) -> dict[str, str]:
        """The URL form of this query, omitting defaults and empty filters."""
        out: dict[str, str] = {}
        for key, value in self.filters.items():
            if value in (None, (), ""):
                continue
            if isinstance(value, tuple):
                out[key] = ",".join(str(v) for v in value)
            elif isinstance(value, date):
                out[key] = value.isoformat()
            else:
                out[key] = str(value)
        out.update(sort=self.sort, dir=self.direction, page=str(self.page), size=str(self.size))
        if self.after:
            out["after"] = self.after
        elif self.before:
            out["before"] = self.before
        return out

    def to_query_string(self) -> str:
        return urlencode(self.to_params())


# --- keyset pagination cursors --------------------------------------------------------------------------
# Previous and Next carry the sort key and id of the row at the page's edge, so the next page is found by
# an index seek instead of skipping (OFFSET) every row before it. A token is only a position, never a
# permission: the query it feeds keeps every filter and location rule, and a token that does not fit the
# query (other sort, direction, page or key type) is ignored.

MAX_TOKEN = 400
CURSOR_KINDS = ("int", "str", "date", "datetime")


@dataclass(frozen=True)
class Cursor:
    """The sort key value (``None`` for a NULL key) and id of the row at a page's edge."""

    sort: str
    direction: str
    page: int
    value: int | str | date | datetime | None
    ident: int

    def token(self) -> str:
        value = self.value
        if isinstance(value, datetime):
            wire: object = ["datetime", value.astimezone(UTC).isoformat()]
        elif isinstance(value, date):
            wire = ["date", value.isoformat()]
        elif isinstance(value, bool) or value is None:
            wire = None
        elif isinstance(value, int):
            wire = ["int", value]
        else:
            wire = ["str", str(value)]
        raw = json.dumps([self.sort, self.direction, self.page, wire, self.ident], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(token: object, *, sort: str, direction: str, page: int, kind: str) -> Cursor | None:
    """The cursor in ``token`` when it belongs to this sort, direction and page and holds a ``kind`` key."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        t_sort, t_dir, t_page, wire, ident = data
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if (t_sort, t_dir, t_page) != (sort, direction, page) or type(ident) is not int or not 0 < ident <= 2**62:
        return None
    if wire is None:
        return Cursor(sort, direction, page, None, ident)
    if not isinstance(wire, list) or len(wire) != 2 or wire[0] != kind:
        return None
    tag, value = wire
    try:
        if tag == "int" and type(value) is int and abs(value) <= 2**62:
            return Cursor(sort, direction, page, value, ident)
        if tag == "str" and isinstance(value, str) and len(value) <= 255:
            return Cursor(sort, direction, page, value, ident)
        if tag == "date" and isinstance(value, str):
            return Cursor(sort, direction, page, date.fromisoformat(value), ident)
        if tag == "datetime" and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            return Cursor(sort, direction, page, moment, ident) if moment.tzinfo is not None else None
    except ValueError:
        return None
    return None


def query_token(params: Mapping[str, str], name: str) -> str:
    raw = params.get(name, "")
    return raw if isinstance(raw, str) and 0 < len(raw) <= MAX_TOKEN else ""


# --- date ranges over a maintained aggregate -----------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def next_year(day: date) -> date:
    """The first day of the year after ``day``'s."""
    return date(day.year + 1, 1, 1)


def split_periods(start: date | None, end: date | None) -> list[tuple[str, date | None, date | None]]:
    """Cover the inclusive day range ``start..end`` (``None``: open) with whole years, then whole months, then
    days: ``(grain, first, last)`` with grain ``y``, ``m`` or ``d`` and the first and last period starts
    (January 1st, the 1st of a month, a day), ``None`` where the range is open. An empty range gives ``[]``.
    """
    months, days = split_by_month(start, end)
    parts: list[tuple[str, date | None, date | None]] = [("d", a, b) for a, b in days]
    if months is None:
        return parts
    lo, hi = months
    first_year = None if lo is None else (lo if lo.month == 1 else next_year(lo))
    last_year = None if hi is None else (date(hi.year, 1, 1) if hi.month == 12 else date(hi.year - 1, 1, 1))
    if first_year is not None and last_year is not None and first_year > last_year:
        return [("m", lo, hi), *parts]  # no whole year inside
    parts.insert(0, ("y", first_year, last_year))
    if lo is not None and lo.month != 1:
        parts.append(("m", lo, date(lo.year, 12, 1)))
    if hi is not None and hi.month != 12:
        parts.append(("m", date(hi.year, 1, 1), hi))
    return parts


def split_by_month(start: date | None, end: date | None) -> tuple[tuple[date | None, date | None] | None,
                                                                 list[tuple[date, date]]]:
    """Cover the inclusive day range ``start..end`` (``None``: open) with whole months plus edge days.

    Returns ``(months, days)``: ``months`` is ``(first month, last month)`` as first-of-month dates (``None``
    ends are open) or ``None`` when no whole month fits; ``days`` are inclusive day ranges at the edges.
    An empty range gives ``(None, [])``.
    """
    if start is not None and end is not None and start > end:
        return None, []
    end_is_month_end = end is not None and next_month(end) == date.fromordinal(end.toordinal() + 1)
    lo = None if start is None else (start if start.day == 1 else next_month(start))
    hi = None if end is None else (_month_start(end) if end_is_month_end else _previous_month(end))
    if lo is not None and hi is not None and lo > hi:
        return None, [(start, end)]  # type: ignore[list-item]
    days: list[tuple[date, date]] = []
    if start is not None and lo is not None and start != lo:
        days.append((start, date.fromordinal(lo.toordinal() - 1)))
    if end is not None and not end_is_month_end:
        days.append((_month_start(end), end))
    return (lo, hi), days
