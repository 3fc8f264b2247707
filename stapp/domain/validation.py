"""Field validators shared by every form. Each returns the clean value or records an error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stapp.domain.errors import ValidationFailed

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
ZIP_RE = re.compile(r"^\d{5}$")
STATE_RE = re.compile(r"^[A-Z]{2}$")
PHONE_RE = re.compile(r"^[0-9()+.\- ]{10,20}$")
MAX_ANY_TEXT = 10_000  # long text fields (notes) are bounded too


@dataclass
class Form:
    """Collects clean values and errors for one submitted form of untrusted data."""

    data: Mapping[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    clean: dict[str, Any] = field(default_factory=dict)

    def raw(self, name: str) -> str:
        value = self.data.get(name, "") if isinstance(self.data, Mapping) else ""
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.errors[name] = "Invalid value."
            return ""
        return str(value).strip()

    def text(self, name: str, label: str, *, required: bool = False, max_len: int = 255) -> str:
        value = self.raw(name)
        if name in self.errors:
            return ""
        if required and not value:
            self.errors[name] = f"{label} is required."
        elif len(value) > max_len:
            self.errors[name] = f"{label} must be at most {max_len} characters."
        self.clean[name] = value
        return value

    def email(self, name: str, label: str = "Email", *, required: bool = True) -> str:
        value = self.text(name, label, required=required, max_len=254).lower()
        if value and name not in self.errors and not EMAIL_RE.match(value):
            self.errors[name] = "Enter a valid email address."
        self.clean[name] = value
        return value

    def phone(self, name: str, label: str = "Phone", *, required: bool = False) -> str:
        value = self.text(name, label, required=required, max_len=20)
        digits = sum(ch in "0123456789" for ch in value)
        if value and name not in self.errors and (not PHONE_RE.match(value) or not 10 <= digits <= 15):
            self.errors[name] = "Enter a phone number with 10 to 15 digits."
        return value

    def zip_code(self, name: str, label: str = "ZIP", *, required: bool = True) -> str:
        value = self.text(name, label, required=required, max_len=5)
        if value and name not in self.errors and not ZIP_RE.match(value):
            self.errors[name] = "ZIP must be 5 digits."
        return value

    def state(self, name: str, label: str = "State", *, required: bool = True) -> str:
        value = self.text(name, label, required=required, max_len=2).upper()
        if value and name not in self.errors and not STATE_RE.match(value):
            self.errors[name] = "State must be a two-letter code, such as TX."
        self.clean[name] = value
        return value

    def checkbox(self, name: str) -> bool:
        value = self.data.get(name) if isinstance(self.data, Mapping) else None
        checked = value in (True, "on", "true", "1", 1)
        self.clean[name] = checked
        return checked

    def choice(self, name: str, label: str, options: Mapping[str, Any], *, required: bool = True) -> Any:
        value = self.raw(name)
        if name in self.errors:
            return None
        if not value:
            if required:
                self.errors[name] = f"{label} is required."
            self.clean[name] = None
            return None
        if value not in options:
            self.errors[name] = f"Choose a valid {label.lower()}."
            self.clean[name] = None
            return None
        self.clean[name] = options[value]
        return options[value]

    def date(self, name: str, label: str, *, required: bool = False) -> date | None:
        value = self.raw(name)
        if name in self.errors:
            return None
        if not value:
            if required:
                self.errors[name] = f"{label} is required."
            self.clean[name] = None
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.errors[name] = f"{label} must be a valid date."
            self.clean[name] = None
            return None
        if not (1900 <= parsed.year <= 2200):
            self.errors[name] = f"{label} must be a valid date."
            parsed = None
        self.clean[name] = parsed
        return parsed

    def check(self) -> dict[str, Any]:
        """Raise ``ValidationFailed`` with every error, or return the clean values."""
        if self.errors:
            raise ValidationFailed(self.errors)
        return self.clean


def validate_customer(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the New Customer / Edit Customer form (location is checked by the service)."""
    form = Form(data if isinstance(data, Mapping) else {})
    form.text("first_name", "First name", required=True, max_len=50)
    form.text("last_name", "Last name", required=True, max_len=50)
    form.email("email", required=False)
    form.phone("phone")
    form.text("address_line1", "Address line 1", required=True, max_len=100)
    form.text("address_line2", "Address line 2", max_len=100)
    form.text("city", "City", required=True, max_len=50)
    form.state("state")
    form.zip_code("zip_code")
    form.text("location_id", "Location", required=True, max_len=12)
    clean = form.check()
    return clean


def parse_id(value: object) -> int:
    """An id from the browser: a positive whole number, or ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError("Invalid id.")
    if isinstance(value, int):
        ident = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 12:
        ident = int(value.strip())
    else:
        raise ValueError("Invalid id.")
    if ident <= 0 or ident > 2**62:
        raise ValueError("Invalid id.")
    return ident


def is_row_id(value: object) -> bool:
    """Whether a value from the browser is an int row id as the server sent it (never a bool: True == 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 2**62
