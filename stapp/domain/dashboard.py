"""The accounting dashboard's rules: periods, rates, weeks. Plain Python, no framework."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

PERIODS = {"month": "This month", "30d": "Last 30 days", "quarter": "This quarter", "year": "This year",
           "custom": "Custom"}
DEFAULT_PERIOD = "month"
MAX_CUSTOM_YEARS = 3  # a longer custom range is cut to its last three years


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        return f"{PERIODS[self.key]}: {self.start.isoformat()} to {self.end.isoformat()}"


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if 1900 <= parsed.year <= 2200 else None


def resolve_period(params: Mapping[str, object], today: date) -> Period:
    """The period the URL asks for (``period``, and ``from``/``to`` when custom); anything else: this month.

    Periods end today (UTC): a month, quarter or year so far, or the last 30 days including today.
    """
    key = params.get("period")
    key = key if isinstance(key, str) and key in PERIODS else DEFAULT_PERIOD
    if key == "30d":
        return Period(key, today - timedelta(days=29), today)
    if key == "quarter":
        return Period(key, date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)
    if key == "year":
        return Period(key, date(today.year, 1, 1), today)
    if key == "custom":
        start, end = _day(params.get("from")), _day(params.get("to"))
        if start and end:
            if start > end:
                start, end = end, start
            earliest = date(end.year - MAX_CUSTOM_YEARS, end.month, 28 if (end.month, end.day) == (2, 29) else end.day)
            return Period(key, max(start, earliest), end)
        key = DEFAULT_PERIOD
    return Period(key, today.replace(day=1), today)


def rate(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a whole percentage ("62%"), or "—" when there is nothing to divide."""
    if whole <= 0:
        return "—"
    return f"{(part * 100 + whole // 2) // whole}%"  # integer arithmetic, half up


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks)."""
    return day - timedelta(days=day.weekday())


def by_week(days: Iterable[tuple[date, int, int]], period: Period) -> list[tuple[date, int, int]]:
    """Daily ``(day, requested, financed)`` cents summed per week of ``period``, every week present (zeros too)."""
    totals: dict[date, list[int]] = {}
    week = week_start(period.start)
    while week <= period.end:
        totals[week] = [0, 0]
        week += timedelta(days=7)
    for day, requested, financed in days:
        if period.start <= day <= period.end:
            bucket = totals[week_start(day)]
            bucket[0] += requested
            bucket[1] += financed
    return [(w, r, f) for w, (r, f) in totals.items()]
