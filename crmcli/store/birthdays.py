"""Stakeholders' birthdays, for the calendar export (`crm due --ics`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmcli.store.db import Database, Row


def birthdays(db: Database, *, tier: str | None = None, owner: str | None = None,
              extra_where: str | None = None, extra_params: dict[str, Any] | None = None
              ) -> Iterator[Row]:
    """Every stakeholder with a birthday: id, name, birthday, customer, customer_kind.

    `extra_where` is a condition on the customer `c` (a saved segment's, as the agenda uses).
    """
    where = ["s.birthday IS NOT NULL", "s.birthday <> ''"]
    params: dict[str, Any] = dict(extra_params or {})
    if extra_where:
        where.append(f"({extra_where})")
    if tier:
        where.append("c.tier = :tier")
        params["tier"] = tier
    if owner is not None:
        where.append("c.owner = :owner")
        params["owner"] = owner
    return db.iter_rows(
        "SELECT s.id, s.name, s.birthday, c.name AS customer, c.kind AS customer_kind "
        f"FROM stakeholder s JOIN customer c ON c.id = s.customer_id WHERE {' AND '.join(where)} "
        "ORDER BY s.id", params,
    )
