"""Today's date and the current timestamp, overridable for tests and demos (CRM_TODAY)."""

from __future__ import annotations

import os
from datetime import date, datetime


def today() -> date:
    fixed = os.environ.get("CRM_TODAY")
    if fixed:
        return date.fromisoformat(fixed)
    return date.today()


def now_stamp() -> str:
    return datetime.now().isoformat(timespec="seconds")
