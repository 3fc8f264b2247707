"""Reflex alone: the events of a filter change and of a submission, with nothing behind them.

A filter change sets the same vars to the same values stapp's company Financing page sent for that change (read
from ``FLOOR_PAGES``, recorded by the bench from stapp's own websocket: the same delta on the wire) and replaces
the address bar's query, as stapp's page does. A submission shows "Submitting…", then a background task waits
the provider's latency and shows the decision and the customer's list, the events and deltas of stapp's Financing
tab. What this app costs under load is what Reflex itself costs on this machine: the floor under stapp's figures.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import reflex as rx

_PAGES: list[dict[str, Any]] = json.loads(Path(os.environ["FLOOR_PAGES"]).read_text()) if os.environ.get(
    "FLOOR_PAGES") else [{"rows": [{"id": i, "customer": f"Customer {i}"} for i in range(50)], "total": 50}]
_LATENCY = int(os.environ.get("FLOOR_LATENCY_MS", "200")) / 1000
_APPLICATION = {"id": 1, "customer": "Ada Lovelace", "status": "Approved", "amount_requested": "$4,000.00"}


class FloorState(rx.State):
    # the vars of stapp's list pages (stapp/state/listing.py), which a filter change sends
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
    size: str = "50"
    export_url: str = ""
    changes: int = 0
    # the Financing tab's (stapp/state/financing.py), which a submission sends
    form: dict[str, str] = {}
    draft_key: str = ""
    errors: dict[str, str] = {}
    submitting_id: int = 0
    decision: dict[str, str] = {}
    apps: list[dict[str, Any]] = []

    def _show(self, page: dict[str, Any]) -> None:
        for name, value in page.items():
            setattr(self, name, value)

    @rx.event
    def load(self):
        self._show(_PAGES[0])

    def _change(self):
        self.changes += 1
        self._show(_PAGES[self.changes % len(_PAGES)])
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps('/?' + str(self.params))})")

    @rx.event
    def toggle(self, name: str, value: str):
        return self._change()

    @rx.event
    def set_date(self, name: str, value: str):
        return self._change()

    @rx.event
    def open_form(self):
        self.form, self.draft_key = {"first_name": "Ada", "last_name": "Lovelace"}, "draft"
        self.errors, self.decision, self.submitting_id = {}, {}, 0

    @rx.event
    def submit(self, form_data: dict):
        if self.submitting_id or self.decision:
            return None
        self.errors, self.submitting_id = {}, 1
        return FloorState.run_submission

    @rx.event(background=True)
    async def run_submission(self):
        async with self:  # stapp checks the submission is still this page's
            pass
        await asyncio.sleep(_LATENCY)  # the provider answering
        async with self:
            self.submitting_id = 0
            self.decision = {"status": "Approved", "id": "1"}
            self.draft_key = "next"
            self.apps, self.total, self.page, self.pages = [_APPLICATION], 1, 1, 1


def index() -> rx.Component:
    return rx.text(FloorState.total)


app = rx.App()
app.add_page(index, route="/", on_load=FloorState.load)
