"""The app: registers pages, their load events and the HTTP routes. No logic lives here."""

import reflex as rx

# Imported at start: Reflex imports reflex.model (and alembic with it) on the first event with a dict argument,
# on the event loop, which otherwise stalls every session of a fresh worker for about 0.2 s.
import reflex.model  # noqa: F401

import stapp.db.models  # noqa: F401  (migrations see every table)
from stapp.api import build_api
from stapp.pages.admin_catalogs import catalogs_page
from stapp.pages.admin_financing import addons_page, integrations_page
from stapp.pages.admin_groups import groups_page
from stapp.pages.admin_users import users_page
from stapp.pages.audit_log import audit_log_page
from stapp.pages.company_financing import company_financing_page
from stapp.pages.customer import customer_page
from stapp.pages.customers import customers_page
from stapp.pages.dashboard import dashboard_page
from stapp.pages.financing import financing_page
from stapp.pages.funding import funding_page
from stapp.pages.funding_entries import funding_entries_page
from stapp.pages.login import login_page
from stapp.pages.order_reports import sales_tax_page, settlement_page
from stapp.pages.orders import orders_page
from stapp.services.scheduler import reconciler_loop
from stapp.state.admin import GroupsState, UsersState
from stapp.state.audit import AuditLogState, CustomerHistoryState
from stapp.state.base import AppState
from stapp.state.catalogs import CatalogsState
from stapp.state.company_financing import CompanyFinancingState
from stapp.state.customers import CustomersState, CustomerState
from stapp.state.dashboard import DashboardState
from stapp.state.financing import FinancingState
from stapp.state.financing_admin import AddOnsState, IntegrationsState
from stapp.state.funding import FundingState
from stapp.state.funding_entries import FundingEntriesState
from stapp.state.login import LoginState
from stapp.state.order_reports import SalesTaxState, SettlementState
from stapp.state.orders import OrdersState

app = rx.App(api_transformer=build_api())
app.register_lifespan_task(reconciler_loop)


def _page(component, route: str, title: str, load) -> None:  # noqa: ANN001
    """A signed-in page: the session is checked first, then the page loads its data."""
    app.add_page(component, route=route, title=f"{title} · stapp", on_load=[AppState.check_session, load])


app.add_page(login_page, route="/login", title="Sign in · stapp", on_load=LoginState.load)
_page(dashboard_page, "/", "Dashboard", DashboardState.load)
_page(customers_page, "/customers", "Customers", CustomersState.load)
app.add_page(
    customer_page,
    route="/customers/[id]",
    title="Customer · stapp",
    on_load=[AppState.check_session, CustomerState.load_customer, CustomerHistoryState.load_history],
)
_page(funding_page, "/customers/[id]/funding", "Funding", FundingState.load)
_page(funding_entries_page, "/accounting/funding-entries", "Funding Entries", FundingEntriesState.load)
_page(users_page, "/admin/users", "Users", UsersState.load)
_page(groups_page, "/admin/groups", "Groups", GroupsState.load)
_page(audit_log_page, "/admin/audit-log", "Audit Log", AuditLogState.load)
_page(catalogs_page, "/admin/funding-catalogs", "Funding Catalogs", CatalogsState.load)
_page(financing_page, "/customers/[id]/financing", "Financing", FinancingState.load)
_page(company_financing_page, "/accounting/financing", "Financing", CompanyFinancingState.load)
_page(orders_page, "/customers/[id]/orders", "Orders", OrdersState.load)
_page(settlement_page, "/accounting/settlement", "Settlement", SettlementState.load)
_page(sales_tax_page, "/accounting/sales-tax", "Report Sales Tax", SalesTaxState.load)
_page(addons_page, "/admin/add-ons", "Add-ons", AddOnsState.load)
_page(integrations_page, "/admin/integrations", "Integrations", IntegrationsState.load)
