"""Money is integer cents. ``Decimal`` appears only while parsing input; one rounding rule lives here."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
AMOUNT_RE = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")  # ASCII digits only, no exponent
MAX_ABS = Decimal(10) ** 13  # far beyond any amount stapp accepts; keeps Decimal arithmetic bounded


class MoneyError(ValueError):
    """The text is not an amount of money."""


def parse_cents(text: object, *, min_cents: int | None = None, max_cents: int | None = None) -> int:
    """Parse user input such as ``"1,234.50"``, ``"-20"`` or ``"$5.00"`` into integer cents.

    Refuses more than two decimals (no silent rounding of what a user typed), non-numbers,
    and values outside the optional bounds.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise MoneyError("Enter an amount such as 1234.50.")
    raw = str(text).strip().replace(",", "").replace("$", "")
    if raw.startswith("-$"):
        raw = "-" + raw[2:]
    if not raw or len(raw) > 20 or not AMOUNT_RE.match(raw):
        raise MoneyError("Enter an amount such as 1234.50.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise MoneyError("Enter an amount such as 1234.50.") from exc
    if not value.is_finite() or abs(value) >= MAX_ABS:
        raise MoneyError("Enter an amount such as 1234.50.")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError("Use at most two decimal places.")
    cents = int(value.scaleb(2))
    if min_cents is not None and cents < min_cents:
        raise MoneyError(f"Must be at least {format_cents(min_cents)}.")
    if max_cents is not None and cents > max_cents:
        raise MoneyError(f"Must be at most {format_cents(max_cents)}.")
    return cents


def cents_to_decimal_string(cents: int) -> str:
    """``123450`` -> ``"1234.50"`` (the provider's wire format)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def decimal_string_to_cents(text: str) -> int:
    """Read a decimal string from the wire; refuses anything that is not exact to the cent."""
    return parse_cents(text)


def format_cents(cents: int) -> str:
    """``123450`` -> ``"$1,234.50"``; negatives as ``"-$1,234.50"``."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"


def percent_of(cents: int, basis_points: int) -> int:
    """``cents`` times a rate in basis points (825 = 8.25%), rounded half up to the cent."""
    value = (Decimal(cents) * Decimal(basis_points) / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)
