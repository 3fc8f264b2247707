"""One mapping from a status to its badge colour, used everywhere a status shows."""

import reflex as rx

FUNDING_STATUS_COLORS = {
    "PENDING": "gray",
    "READY": "blue",
    "SUBMITTED": "indigo",
    "REVIEW": "amber",
    "COMPLETE": "green",
}


def funding_status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, *[(k, v) for k, v in FUNDING_STATUS_COLORS.items()], "gray"),
        variant="soft",
    )


def outcome_badge(outcome: rx.Var) -> rx.Component:
    """Outcomes show as a green badge, as the Funding document describes."""
    return rx.badge(outcome, color_scheme="green", variant="solid")

APPLICATION_STATUS_COLORS = {
    "Approved": "green",
    "Declined": "red",
    "Pre-Qualified": "cyan",
    "In Review": "amber",
    "Outcome Unknown": "orange",
    "Submitting": "blue",
    "Not Submitted": "gray",
}


def application_status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, *[(k, v) for k, v in APPLICATION_STATUS_COLORS.items()], "gray"),
        variant="soft",
    )
