"""A list page whose filters, sort and page live in the URL (a Reflex state mixin).

The subclass says which filters exist and how to fetch; this mixin keeps the URL, the state and the
rows in step. Every handler validates its arguments: they come from the browser.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx

from stapp.db import changes
from stapp.db.engine import read_session
from stapp.domain.errors import AppError, PermissionDenied
from stapp.domain.listing import ListQuery


def replace_url_script(route: str, url: str) -> str:
    """Put the page's filters in the address bar, unless the user has already left the page: an answer that
    arrives after a navigation (a slow load, another worker) must not rewrite the next page's URL."""
    here = "(window.location.pathname.replace(/\\/+$/, '') || '/')"  # the built app serves "/route/"
    return f"if ({here} === {json.dumps(route)}) window.history.replaceState(null, '', {json.dumps(url)})"


class ListPageMixin(rx.State, mixin=True):
    """Rows, totals and the filter controls of a URL-driven list."""

    rows: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    summary: dict[str, str] = {}
    denied: str = ""
    params: dict[str, str] = {}
    selected: dict[str, list[str]] = {}
    dates: dict[str, str] = {}
    sort: str = "created"
    direction: str = "desc"
    size: str = "25"
    options: dict[str, list[dict[str, str]]] = {}
    _first: str = ""  # cursor tokens of the first and last rows shown (server only): Previous / Next seek
    _last: str = ""
    _seen: str = ""  # the change counters when the rows were read (server only), see ``poll``

    ROUTE: ClassVar[str] = ""
    EXPORT_ROUTE: ClassVar[str] = ""
    MULTI: ClassVar[tuple[str, ...]] = ()
    DATES: ClassVar[tuple[str, ...]] = ()
    SORTS: ClassVar[dict[str, str]] = {}
    PAGE_SIZES: ClassVar[tuple[int, ...]] = ()
    DENIED: ClassVar[str] = "You do not have permission to view this list."
    CHANGES: ClassVar[tuple[str, ...]] = ()  # the change counters (stapp/db/changes.py) this list depends on

    @rx.var
    def export_url(self) -> str:
        return f"{self.EXPORT_ROUTE}?{urlencode(self.params)}"

    def _fetch(self, session, actor, params: dict[str, str]) -> tuple[Any, ListQuery]:  # noqa: ANN001
        """Return ``(page result, the query used)``; implemented by the page."""
        raise NotImplementedError

    def _options(self, session, actor) -> dict[str, list[dict[str, str]]]:  # noqa: ANN001
        """The filter controls' choices; implemented by the page."""
        raise NotImplementedError

    def _apply(self, params: dict[str, str], *, options: bool = False):
        """Read the page for ``params``; with ``options`` (opening the page) also the filters' choices, which a
        filter change or a poll leaves as they are instead of reading and sending them again."""
        with read_session() as session:
            actor = self._actor(session)
            seen = changes.read(session, *self.CHANGES)  # before the rows: a change after it shows next poll
            try:
                result, query = self._fetch(session, actor, params)
                if options:
                    self.options = self._options(session, actor)
            except PermissionDenied as exc:
                self.denied, self.rows = exc.message or self.DENIED, []
                return None
        self.denied, self._seen = "", seen
        self.rows = result.rows
        self.total, self.page, self.pages, self.summary = result.total, result.page, result.pages, result.summary
        self._first, self._last = getattr(result, "first", ""), getattr(result, "last", "")
        query = ListQuery(filters=query.filters, sort=query.sort, direction=query.direction, page=result.page,
                          size=query.size, after=query.after if result.page == query.page else "",
                          before=query.before if result.page == query.page else "")
        self.params = query.to_params()
        f = query.filters
        self.selected = {name: [str(v) for v in f.get(name, ())] for name in self.MULTI}
        self.dates = {name: f[name].isoformat() if isinstance(f.get(name), date) else "" for name in self.DATES}
        self.sort, self.direction, self.size = query.sort, query.direction, str(query.size)
        url = f"{self.ROUTE}?{query.to_query_string()}"
        return rx.call_script(replace_url_script(self.ROUTE, url))

    def _change(self, **changes: str):
        params = {k: v for k, v in self.params.items() if k not in ("after", "before")}  # a cursor fits one page
        for key, value in changes.items():
            if value:
                params[key] = value
            else:
                params.pop(key, None)
        if "page" not in changes:
            params["page"] = "1"
        try:
            return self._apply(params)
        except AppError as exc:
            return self._fail(exc)

    @rx.event
    def load(self):
        raw = self.router.url.query_parameters
        params = {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
        try:
            return self._apply(params, options=True)
        except AppError as exc:
            return self._fail(exc)

    @rx.event
    def poll(self, _value: object = None):
        """Every two seconds while the list is open: re-read the same page only when a record it depends on
        changed (by anyone, on any worker), so totals and rows stay live."""
        if not self.params or self.denied:
            return None
        try:
            with read_session() as session:
                self._actor(session)
                if changes.read(session, *self.CHANGES) == self._seen:
                    return None
            self._apply(dict(self.params))
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def toggle(self, name: str, value: str):
        """Add or remove ``value`` in the multi-select filter ``name``."""
        if not isinstance(name, str) or name not in self.MULTI or not isinstance(value, str) or len(value) > 40:
            return None
        current = list(self.selected.get(name, []))
        current = [v for v in current if v != value] if value in current else [*current, value]
        return self._change(**{name: ",".join(current)})

    @rx.event
    def set_date(self, name: str, value: str):
        if not isinstance(name, str) or name not in self.DATES or not isinstance(value, str) or len(value) > 10:
            return None
        return self._change(**{name: value})

    @rx.event
    def set_sort(self, value: str):
        if not isinstance(value, str) or value not in self.SORTS:
            return None
        return self._change(sort=value)

    @rx.event
    def set_direction(self, value: str):
        if not isinstance(value, str) or value not in ("asc", "desc"):
            return None
        return self._change(dir=value)

    @rx.event
    def set_size(self, value: str):
        if not isinstance(value, str) or value not in {str(s) for s in self.PAGE_SIZES}:
            return None
        return self._change(size=value)

    @rx.event
    def go_to_page(self, page: int):
        if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= self.pages:
            return None
        if page == self.page + 1 and self._last:
            return self._change(page=str(page), after=self._last)
        if page == self.page - 1 and self._first:
            return self._change(page=str(page), before=self._first)
        return self._change(page=str(page))

    @rx.event
    def clear_filters(self):
        try:
            return self._apply({"sort": self.sort, "dir": self.direction, "size": self.size})
        except AppError as exc:
            return self._fail(exc)
