"""Plain HTTP routes beside the Reflex app: CSV exports (session cookie) and the provider's webhooks (signature)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from stapp.db.engine import read_session
from stapp.db.types import utcnow
from stapp.domain.errors import NotSignedIn, PermissionDenied
from stapp.services import application_lists, applications, audit_log, auth, funding_entries, order_reports

MAX_WEBHOOK_BYTES = 256 * 1024


def _csv_export(name: str, parse: Callable, export: Callable, check: Callable) -> Callable:
    """An endpoint streaming exactly the filtered set of a list, for the signed-in user's permissions."""

    def _stream(params: dict[str, str], token: str) -> Iterator[str]:
        with read_session(streaming=True) as session:  # rows in batches: a server-side cursor on PostgreSQL
            actor = auth.resolve(session, token, touch=False)
            yield from export(session, actor, parse(params))

    def endpoint(request: Request) -> Response:
        token = request.cookies.get(auth.SESSION_COOKIE, "")
        params = {k: v for k, v in request.query_params.items()}
        with read_session() as session:
            try:
                check(session, auth.resolve(session, token, touch=False))
            except NotSignedIn:
                return PlainTextResponse("Please sign in.", status_code=401)
            except PermissionDenied as exc:
                return PlainTextResponse(exc.message, status_code=403)
        return StreamingResponse(
            _stream(params, token),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}-{utcnow():%Y%m%d-%H%M%S}.csv"',
                     "Cache-Control": "no-store"},
        )

    return endpoint


def _check_funding(session, actor) -> None:  # noqa: ANN001
    funding_entries.filter_options(session, actor)


def _check_financing(session, actor) -> None:  # noqa: ANN001
    application_lists.company_filter_options(session, actor)


async def provider_webhook(request: Request) -> Response:
    """``POST /api/provider/webhook``: a signed stage/status change from Smart Home Pay LOS."""
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "too large"}, status_code=413)
    # on the event loop, not in a threadpool: its few statements cost less than the hop (docs/decisions.md)
    status, message = applications.handle_webhook(dict(request.headers), body)
    return JSONResponse({"result": message}, status_code=status)


def _audit_export(request: Request) -> Response:
    """The audit log's CSV: its filter choices come from the data, so the query is parsed in a session."""
    with read_session() as session:
        query = audit_log.query_for(session, dict(request.query_params.items()))
    return _csv_export("audit-log", lambda _p: query, audit_log.export_csv, audit_log.options)(request)


def build_api() -> Starlette:
    return Starlette(
        routes=[
            Route(
                "/api/export/funding-entries.csv",
                _csv_export("funding-entries", funding_entries.parse_query, funding_entries.export_csv, _check_funding),
                methods=["GET"],
            ),
            Route(
                "/api/export/financing.csv",
                _csv_export(
                    "financing",
                    lambda p: application_lists.parse_query(p, company=True),
                    application_lists.export_csv,
                    _check_financing,
                ),
                methods=["GET"],
            ),
            Route(
                "/api/export/settlements.csv",
                _csv_export("settlements", order_reports.parse_settlement_query, order_reports.settlement_csv,
                            order_reports.settlement_options),
                methods=["GET"],
            ),
            Route(
                "/api/export/sales-tax.csv",
                _csv_export("sales-tax", order_reports.parse_tax_query, order_reports.sales_tax_csv,
                            order_reports.tax_options),
                methods=["GET"],
            ),
            Route("/api/export/audit-log.csv", _audit_export, methods=["GET"]),
            Route("/api/provider/webhook", provider_webhook, methods=["POST"]),
        ]
    )
