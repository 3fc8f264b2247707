"""Make the real browser behave like a hostile one: rewrite the next event it sends.

Reflex calls ``window.__reflex_otel.onEventSend(event)`` just before it emits an event on the
websocket. An init script installs that hook so a test can replace the next event's handler name
and payload, as anyone with the browser's devtools could.
"""

from __future__ import annotations

import importlib

from playwright.sync_api import Page

_HOOK = """
window.__reflex_otel = window.__reflex_otel || {};
window.__reflex_otel.onEventSend = (event) => {
  const next = window.__stappTamper;
  if (next && !event.name.endsWith('.hydrate') && !event.name.includes('update_vars_internal')) {
    window.__stappTamper = null;
    event.name = next.name;
    event.payload = next.payload;
  }
};
"""


def handler_name(dotted_state: str, handler: str) -> str:
    module_name, _, cls_name = dotted_state.rpartition(".")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return f"{cls.get_full_name()}.{handler}"


def call_handler_on_next_event(page: Page, dotted_state: str, handler: str, payload: dict) -> None:
    """The next event the page sends becomes ``handler`` of ``dotted_state`` with ``payload``."""
    page.evaluate(_HOOK)
    page.evaluate("([name, payload]) => { window.__stappTamper = {name, payload}; }", [handler_name(dotted_state, handler), payload])
