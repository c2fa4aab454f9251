"""Each customer's purchases in three numbers, stored on the customer (migration 0007).

`customer.purchase_cents` (lifetime revenue), `purchase_count` and
`last_purchase` (the latest purchase date) are what the value report's RFM
scoring, the win-back bands and coverage's ranking by value read of every
buying customer. Summing 500,000 purchases for them on each report costs
more than the rest of the report; stored, they are one index read
(`ix_customer_purchases`).

They are derived, like customer.next_due: every writer of purchase calls
`refresh` for the customers whose purchases it changed, inside its
transaction (a purchase recorded, imported or re-imported with another
amount, moved by a merge, deleted by an undo, copied from another book).
`crm db check` recomputes them all and compares. Reports use them only when
they answer the question asked: no purchase dated after the report's day
(`stored_answers`); otherwise they sum the purchases as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from crmcli.store.db import Database, id_chunks

_SET = (
    "UPDATE customer SET (purchase_cents, purchase_count, last_purchase) = "
    "(SELECT coalesce(sum(p.amount_cents), 0), count(*), max(p.date) FROM purchase p "
    "WHERE p.customer_id = customer.id)"
)


def refresh(db: Database, customer_ids: Iterable[int] | None = None) -> None:
    """Recompute the three columns of these customers (None: of the whole book). Runs inside
    the caller's transaction."""
    if customer_ids is None:
        db.run(_SET)
        return
    for ids in id_chunks(customer_ids):
        _refresh(db, ids)


def _refresh(db: Database, ids: list[int]) -> None:
    marks, params = db.in_list("c", ids)
    db.run(f"{_SET} WHERE id IN {marks}", params)


def stored_answers(db: Database, on: str) -> bool:
    """Whether the stored totals are the totals of the purchases up to `on` (ISO date): no
    purchase is dated after it (one probe of the index on purchase.date)."""
    latest = db.value("SELECT max(date) FROM purchase")
    return latest is None or str(latest) <= on
