"""The one error type users see: a sentence for stderr and an exit status.

Raised anywhere in core/, store/ or io/; caught once, by the CLI's root group,
which prints it and exits. Nothing else prints errors.
"""

from __future__ import annotations


class CrmError(Exception):
    """Something the user can fix: bad input, an unknown record, a refused file."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CrmError):
    """A REF that names no record."""


class Ambiguous(CrmError):
    """A REF that names several records; `candidates` lets a terminal offer a choice."""

    def __init__(self, message: str, candidates: list[dict]) -> None:
        super().__init__(message)
        self.candidates = candidates
