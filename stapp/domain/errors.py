"""Errors a user can cause. Each is an expected outcome with a clear message, never a crash."""

from __future__ import annotations


class AppError(Exception):
    """Base of every expected, user-facing failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotSignedIn(AppError):
    """No valid session: the browser must sign in again."""

    def __init__(self, message: str = "Please sign in to continue.") -> None:
        super().__init__(message)


class PermissionDenied(AppError):
    """The signed-in user lacks the permission (or the location) the action needs."""


class NotFound(AppError):
    """The record does not exist, or the user may not see it (the two are not told apart)."""


class ValidationFailed(AppError):
    """Input was rejected; ``errors`` maps each field name to its message."""

    def __init__(self, errors: dict[str, str], message: str = "Please correct the highlighted fields.") -> None:
        super().__init__(message)
        self.errors = dict(errors)
