"""Parsing list filters, sort and page from a URL's query: unknown or malformed parts are dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
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
        return out

    def to_query_string(self) -> str:
        return urlencode(self.to_params())
