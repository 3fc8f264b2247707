"""A stapp process to be killed: prepare one application, print it, then submit it and wait for the answer.

Run by ``test_faults.py`` as ``python -m tests.faults.crash_child LAST_NAME DRAFT_KEY`` with
``STAPP_DATABASE_URL`` and ``STAPP_PROVIDER_URL_DEVELOPMENT`` set; the test SIGKILLs it while the provider
has not answered yet. Its first stdout line is ``{"app_id": ..., "key": ...}``; ``submitted`` follows only
if it was not killed in time.
"""

from __future__ import annotations

import asyncio
import json
import sys

from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import Customer, Location, User
from stapp.services import applications as svc
from stapp.services.auth import Actor, load_grants


def main(last_name: str, draft_key: str) -> None:
    with read_session() as s:
        user = s.exec(select(User).where(User.email == "sales@example.com")).one()
        actor = Actor(user_id=user.id, name=user.name, email=user.email, grants=load_grants(s, user.id))
        austin = s.exec(select(Location).where(Location.name == "Austin")).one()
        customer_id = s.exec(
            select(Customer.id).where(Customer.location_id == austin.id).order_by(Customer.id.desc())
        ).first()
    form = {
        "first_name": "Kai", "last_name": last_name, "email": "kai@example.com", "phone": "512-555-0199",
        "date_of_birth": "1979-03-09", "ssn": "123-45-6780", "address_line1": "9 Crash Ln", "city": "Austin",
        "state": "TX", "zip_code": "78701", "annual_income": "91000.00", "employer": "Acme Alarm Co",
        "amount_requested": "8000.00", "consent": True,
    }  # fmt: skip
    with write_session() as s:
        app_id, created = svc.prepare(s, actor, customer_id, form, draft_key)
    print(json.dumps({"app_id": app_id, "key": draft_key}), flush=True)
    asyncio.run(svc.submit(app_id, claimed=created))  # as the Financing tab sends what it has just saved
    print("submitted", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
