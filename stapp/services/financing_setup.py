"""The Consumer Financing add-on (Account Management) and provider setup (Integrations)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, exists, func
from sqlmodel import Session, select

from stapp.db import crypto
from stapp.db.engine import run
from stapp.db.models import AddOn, FinancePlan, FinanceProvider, User
from stapp.db.types import utcnow
from stapp.domain.errors import NotFound, PermissionDenied, ValidationFailed
from stapp.domain.financing import ADDON_CONSUMER_FINANCING, PROVIDER_NAME, validate_provider
from stapp.domain.orders import validate_plan
from stapp.domain.permissions import Permission
from stapp.domain.validation import Form, parse_id
from stapp.provider import errors as perr
from stapp.provider.client import ProviderClient, get_http_client
from stapp.services import audit
from stapp.services.auth import Actor
from stapp.services.authz import require
from stapp.settings import get_settings

PROVIDER_NOT_FOUND = "This provider does not exist."


def addon_status(session: Session) -> dict[str, Any]:
    row = session.get(AddOn, ADDON_CONSUMER_FINANCING)
    if row is None:
        return {"enabled": False, "changed_by": "", "changed_at": ""}
    user = session.get(User, row.changed_by_id) if row.changed_by_id else None
    return {
        "enabled": row.enabled,
        "changed_by": user.name if user else "",
        "changed_at": row.changed_at.strftime("%Y-%m-%d %H:%M UTC") if row.changed_at else "",
    }


def view_addon(session: Session, actor: Actor) -> dict[str, Any]:
    require(actor, Permission.ACCOUNT_MANAGEMENT_VIEW)
    return addon_status(session)


def set_addon(session: Session, actor: Actor, enabled: object) -> None:
    """Enable or disable Consumer Financing; who and when are recorded."""
    require(actor, Permission.ACCOUNT_MANAGEMENT_MODIFY)
    if not isinstance(enabled, bool):
        raise PermissionDenied("Invalid request.")
    row = session.get(AddOn, ADDON_CONSUMER_FINANCING) or AddOn(key=ADDON_CONSUMER_FINANCING)
    before = {"enabled": row.enabled}
    row.enabled, row.changed_by_id, row.changed_at = enabled, actor.user_id, utcnow()
    session.add(row)
    audit.record(session, actor=actor, action="addon.enabled" if enabled else "addon.disabled", entity="addon",
                 entity_id=ADDON_CONSUMER_FINANCING, before=before, after={"enabled": enabled})


def financing_enabled(session: Session) -> bool:
    row = session.get(AddOn, ADDON_CONSUMER_FINANCING)
    return bool(row and row.enabled)


def active_providers(session: Session) -> list[FinanceProvider]:
    return list(session.exec(select(FinanceProvider).where(FinanceProvider.active.is_(True)).order_by(FinanceProvider.id)))


# one statement, built once (engine.run): pages ask on every filter change
_AVAILABLE = select(and_(
    func.coalesce(select(AddOn.enabled).where(AddOn.key == ADDON_CONSUMER_FINANCING).scalar_subquery(), False),
    exists().where(FinanceProvider.active.is_(True)),
))


def financing_available(session: Session) -> bool:
    """New applications need the add-on enabled and an active provider."""
    return bool(run(session, _AVAILABLE).scalar_one())


def list_providers(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.INTEGRATIONS_VIEW)
    return [
        {
            "id": p.id,
            "provider": PROVIDER_NAME,
            "name": p.name,
            "environment": p.environment,
            "active": p.active,
            "last_test": (f"{p.last_test_result} ({p.last_test_at:%Y-%m-%d %H:%M} UTC)" if p.last_test_at else ""),
        }
        for p in session.exec(select(FinanceProvider).order_by(FinanceProvider.id))
    ]


def _get(session: Session, provider_id: object) -> FinanceProvider:
    try:
        provider = session.get(FinanceProvider, parse_id(provider_id))
    except ValueError:
        provider = None
    if provider is None:
        raise NotFound(PROVIDER_NOT_FOUND)
    return provider


def save_provider(session: Session, actor: Actor, provider_id: object, data: object) -> FinanceProvider:
    """Create (Integrations: Create) or edit (Integrations: Modify). A blank token keeps the saved one."""
    creating = provider_id in (None, "", 0)
    require(actor, Permission.INTEGRATIONS_CREATE if creating else Permission.INTEGRATIONS_MODIFY)
    provider = None if creating else _get(session, provider_id)
    clean = validate_provider(data if isinstance(data, dict) else {}, creating=creating)
    before = None if provider is None else audit.row_dict(provider, "name", "environment", "active")
    if provider is None:
        provider = FinanceProvider(name=clean["name"], environment=clean["environment"].value, token_ciphertext="")
    provider.name = clean["name"]
    provider.environment = clean["environment"].value
    provider.active = clean["active"]
    if clean["bearer_token"]:
        provider.token_ciphertext = crypto.encrypt(clean["bearer_token"])
    provider.updated_at = utcnow()
    session.add(provider)
    session.flush()
    audit.record(session, actor=actor, action="provider.created" if before is None else "provider.changed",
                 entity="provider", entity_id=provider.id, before=before,
                 after={**audit.row_dict(provider, "name", "environment", "active"),
                        "token_replaced": bool(clean["bearer_token"]) and before is not None})
    return provider


def client_for(provider: FinanceProvider) -> ProviderClient:
    """A client for the provider's Environment, with its decrypted token (kept out of reprs and logs)."""
    return client_with(provider.environment, provider.token_ciphertext)


def client_with(environment: str, token_ciphertext: str) -> ProviderClient:
    """``client_for`` from a provider's Environment and stored (encrypted) token, read without the model."""
    return ProviderClient(get_http_client(), get_settings().provider_url(environment), crypto.decrypt(token_ciphertext))


def provider_for_test(session: Session, actor: Actor, provider_id: object) -> FinanceProvider:
    """Test Connection needs Integrations: View plus Create or Modify."""
    require(actor, Permission.INTEGRATIONS_VIEW)
    if not (actor.grants.allows(Permission.INTEGRATIONS_MODIFY) or actor.grants.allows(Permission.INTEGRATIONS_CREATE)):
        raise PermissionDenied("You do not have permission to do this (Integrations: Modify).")
    return _get(session, provider_id)


async def test_connection(provider: FinanceProvider) -> tuple[bool, str]:
    """Call the provider with the saved token; a result in words a user understands."""
    try:
        result = await client_for(provider).ping()
    except perr.Unauthorized:
        return False, "Connection failed: the provider rejected the bearer token (unauthorized)."
    except perr.Unreachable:
        return False, "Connection failed: the provider could not be reached. Check the environment's address."
    except perr.TimedOut:
        return False, "Connection failed: the provider did not answer in time (timed out)."
    except perr.ProviderError as exc:
        return False, f"Connection failed: {exc.user_message}"
    except ValueError:
        return False, "Connection failed: the saved bearer token is not usable. Enter it again."
    return (True, "Connection successful.") if result.ok else (False, "Connection failed: the provider said not ok.")


def record_test(session: Session, provider_id: int, message: str, actor: Actor | None = None) -> None:
    provider = session.get(FinanceProvider, provider_id)
    if provider is not None:
        provider.last_test_at, provider.last_test_result = utcnow(), message[:200]
        session.add(provider)
        audit.record(session, actor=actor, action="provider.tested", entity="provider", entity_id=provider_id,
                     after={"result": message})


def provider_settings(session: Session, actor: Actor, provider_id: object) -> dict[str, Any]:
    require(actor, Permission.INTEGRATIONS_VIEW)
    p = _get(session, provider_id)
    return {"require_account_number": p.require_account_number, "revolving_settlement": p.revolving_settlement,
            "settlement_time": p.settlement_time}


def save_provider_settings(session: Session, actor: Actor, provider_id: object, data: object) -> None:
    """Finance Provider Settings: account numbers on authorizations, and how Revolving settles."""
    require(actor, Permission.INTEGRATIONS_MODIFY)
    provider = _get(session, provider_id)
    form = Form(data if isinstance(data, dict) else {})
    require_account = form.checkbox("require_account_number")
    mode = form.choice("revolving_settlement", "Revolving settlement", {"end_of_day": "end_of_day", "manual": "manual"})
    when = form.text("settlement_time", "End-of-day time", required=mode == "end_of_day", max_len=5)
    if when and "settlement_time" not in form.errors and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", when):
        form.errors["settlement_time"] = "Enter a time such as 23:00 (UTC)."
    form.check()
    provider.require_account_number, provider.revolving_settlement = require_account, mode
    before = audit.row_dict(provider, "require_account_number", "revolving_settlement", "settlement_time")
    provider.settlement_time = when or provider.settlement_time
    session.add(provider)
    audit.record(session, actor=actor, action="provider.settings_changed", entity="provider", entity_id=provider.id,
                 before=before,
                 after=audit.row_dict(provider, "require_account_number", "revolving_settlement", "settlement_time"))


def list_plans(session: Session, actor: Actor, provider_id: object) -> list[dict[str, Any]]:
    require(actor, Permission.INTEGRATIONS_VIEW)
    provider = _get(session, provider_id)
    return [
        {"id": p.id, "code": p.code, "description": p.description, "finance_type": p.finance_type,
         "max_deposit_pct": f"{p.max_deposit_bps / 100:.2f}", "active": p.active}
        for p in session.exec(select(FinancePlan).where(FinancePlan.provider_id == provider.id).order_by(FinancePlan.code))
    ]


def save_plan(session: Session, actor: Actor, provider_id: object, plan_id: object, data: object) -> FinancePlan:
    """Create or edit a Financing Payment Plan (code unique per provider)."""
    require(actor, Permission.INTEGRATIONS_MODIFY)
    provider = _get(session, provider_id)
    clean = validate_plan(data if isinstance(data, dict) else {})
    plan = None
    if plan_id not in (None, "", 0):
        try:
            plan = session.get(FinancePlan, parse_id(plan_id))
        except ValueError:
            plan = None
        if plan is None or plan.provider_id != provider.id:
            raise NotFound("This payment plan does not exist.")
    clash = session.exec(select(FinancePlan).where(FinancePlan.provider_id == provider.id,
                                                   FinancePlan.code == clean["code"])).first()
    if clash is not None and (plan is None or clash.id != plan.id):
        raise ValidationFailed({"code": f"Code {clean['code']} is already used by this provider."})
    plan = plan or FinancePlan(provider_id=provider.id, code=clean["code"], description="", finance_type="")
    plan.code, plan.description = clean["code"], clean["description"]
    plan.finance_type = clean["finance_type"].value
    plan.max_deposit_bps, plan.active = clean["max_deposit_bps"], clean["active"]
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="plan.saved", entity="finance_plan", entity_id=plan.id,
                 after=audit.row_dict(plan))
    return plan
