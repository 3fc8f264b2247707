"""``/accounting/financing``: applications across customers. Filters, sort and page live in the URL."""

from __future__ import annotations

from stapp.domain.errors import PermissionDenied
from stapp.services import application_lists as svc
from stapp.services import financing_setup
from stapp.state.base import AppState
from stapp.state.listing import ListPageMixin


class CompanyFinancingState(ListPageMixin, AppState):
    """The company Financing list (Company Accounting and Funding: View, with Consumer Financing set up)."""

    ROUTE = "/accounting/financing"
    EXPORT_ROUTE = "/api/export/financing.csv"
    MULTI = ("locations", "statuses", "stages", "reps")
    DATES = ("created_from", "created_to")
    CHANGES = ("application",)
    SORTS = svc.SORTS
    PAGE_SIZES = svc.COMPANY_PAGE_SIZES
    DENIED = "You do not have permission to view company Financing."

    selected: dict[str, list[str]] = {name: [] for name in MULTI}
    dates: dict[str, str] = {name: "" for name in DATES}
    options: dict[str, list[dict[str, str]]] = {name: [] for name in MULTI}
    size: str = "50"

    def _fetch(self, session, actor, params):  # noqa: ANN001, ANN202
        if not financing_setup.financing_available(session):
            raise PermissionDenied("Consumer Financing is not enabled with an active provider.")
        query = svc.parse_query(params, company=True)
        return svc.company_applications(session, actor, query), query

    def _options(self, session, actor):  # noqa: ANN001, ANN202
        return svc.company_filter_options(session, actor)
