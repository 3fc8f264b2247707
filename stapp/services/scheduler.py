"""Periodic work that must run once across all backend workers: a lease row in the database decides who."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from stapp.db import statistics, tally
from stapp.db.engine import get_engine, write_session
from stapp.db.models import Lease
from stapp.db.types import utcnow
from stapp.services import applications, order_finance
from stapp.settings import get_settings

log = logging.getLogger("stapp.scheduler")
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def acquire(name: str, ttl: timedelta, *, holder: str = HOLDER) -> bool:
    """Take or renew the lease ``name``; True when this process holds it now."""
    now = utcnow()
    try:
        with write_session() as session:
            lease = session.exec(select(Lease).where(Lease.name == name).with_for_update()).first()
            if lease is None:
                session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
                return True
            if lease.holder != holder and lease.expires_at > now:
                return False
            lease.holder, lease.expires_at = holder, now + ttl
            session.add(lease)
            return True
    except IntegrityError:
        return False  # another worker inserted it first


async def reconciler_loop() -> None:
    """Resolve Outcome Unknown applications and poll decisions still moving (the webhook fallback)."""
    interval = get_settings().reconcile_seconds
    while True:
        try:
            if await asyncio.to_thread(acquire, "reconciler", timedelta(seconds=interval * 3)):
                await applications.reconcile_due()
                await order_finance.follow_up()
                await order_finance.end_of_day()
                analyzed = await asyncio.to_thread(statistics.refresh, get_engine())
                if analyzed:
                    log.info("planner statistics refreshed for %s", ", ".join(analyzed))
                rebalanced = await asyncio.to_thread(tally.rebalance, get_engine())
                if rebalanced:
                    log.info("band tallies rebalanced: %s", ", ".join(rebalanced))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (keep the loop alive; the error is logged with its traceback)
            log.exception("reconciler pass failed")
        await asyncio.sleep(interval)
