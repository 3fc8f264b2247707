"""``/accounting/funding-entries``: every funding across customers. Filters, sort and page live in the URL."""

from __future__ import annotations

from stapp.services import funding_entries as svc
from stapp.state.base import AppState
from stapp.state.listing import ListPageMixin


class FundingEntriesState(ListPageMixin, AppState):
    """The company-wide Funding Entries list."""

    ROUTE = "/accounting/funding-entries"
    EXPORT_ROUTE = "/api/export/funding-entries.csv"
    MULTI = ("funders", "statuses", "outcomes", "locations", "holdbacks", "ages")
    DATES = ("created_from", "created_to", "expected_from", "expected_to")
    CHANGES = ("funding",)
    SORTS = svc.SORTS
    PAGE_SIZES = svc.PAGE_SIZES
    DENIED = "You do not have permission to view Funding Entries."

    selected: dict[str, list[str]] = {name: [] for name in MULTI}
    dates: dict[str, str] = {name: "" for name in DATES}
    options: dict[str, list[dict[str, str]]] = {name: [] for name in MULTI}

    def _fetch(self, session, actor, params):  # noqa: ANN001, ANN202
        query = svc.parse_query(params)
        return svc.list_entries(session, actor, query), query

    def _options(self, session, actor):  # noqa: ANN001, ANN202
        return svc.filter_options(session, actor)
