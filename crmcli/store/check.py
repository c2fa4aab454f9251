"""`crm db check`: is the file sound, and do crm's own invariants hold?

SQLite's `integrity_check` and `foreign_key_check` look at the file; crm's
invariants look at the derived columns: each customer's stored last-contact
and next-due dates must equal what the log (or an imported last contact,
when later) and the cadence say, each stakeholder's last contact must be
their latest logged contact, each customer's purchase totals must add up its
purchases, each customer's stakeholder counts, closest decision-maker and sole
stakeholder (with the names the coverage advice quotes) must be its
stakeholders', each stage change's stored previous stage and its days must
match the stage history, and no stakeholder may lack its customer.

The expected values are computed by the very code that maintains them
(store/due.py, store/purchase_totals.py, store/stage_moves.py,
store/stakeholder_coverage.py): inside a
transaction the derived columns are recomputed, compared with a snapshot of
the stored ones, and then rolled back, or, with `fix`, committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmcli.store import purchase_totals, stage_moves, stakeholder_coverage
from crmcli.store.db import Database
from crmcli.store.due import refresh_customers, refresh_stakeholder_contact

SHOWN_IDS = 10  # ids named in a problem's detail; the count says the rest


@dataclass
class Finding:
    check: str
    problems: int = 0
    fixed: int = 0
    detail: list[str] = field(default_factory=list)
    rows: list[tuple[str, int]] = field(default_factory=list)  # (table, id) of derived values fixed

    @property
    def remaining(self) -> int:
        return self.problems - self.fixed

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "problems": self.problems, "fixed": self.fixed,
                "ok": self.remaining == 0, "detail": self.detail}


class _Rollback(Exception):
    """Raised to undo the trial recomputation of a check without --fix."""


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def file_checks(db: Database) -> list[Finding]:
    """SQLite's own checks of the file (nothing to run on a PostgreSQL server)."""
    if db.dialect != "sqlite":
        return []
    integrity = Finding("integrity")
    messages = [r[next(iter(r))] for r in db.rows("PRAGMA integrity_check")]
    if messages != ["ok"]:
        integrity.problems = len(messages)
        integrity.detail = messages[:SHOWN_IDS]
    keys = Finding("foreign keys")
    broken = db.rows("PRAGMA foreign_key_check")
    if broken:
        keys.problems = len(broken)
        keys.detail = [f"{r['table']} row {r['rowid']} points at a missing {r['parent']}"
                       for r in broken[:SHOWN_IDS]]
    return [integrity, keys]


def orphans(db: Database) -> Finding:
    finding = Finding("contacts without a customer")
    ids = [r["id"] for r in db.rows(
        "SELECT id FROM stakeholder WHERE customer_id IS NULL "
        "OR customer_id NOT IN (SELECT id FROM customer) ORDER BY id")]
    if ids:
        finding.problems = len(ids)
        finding.detail = [f"stakeholder {_ids(ids)} belong to no customer"]
    return finding


# The derived columns: (table, column, what a rep calls them).
DERIVED = (
    ("stakeholder", "last_contact", "contact last-contact dates"),
    ("customer", "last_contact", "customer last-contact dates"),
    ("customer", "next_due", "customer next-due dates"),
    ("customer", "follow_up_on", "customer open follow-up dates"),
    ("customer", "agenda_weight", "customer agenda weights"),
    ("customer", "purchase_cents", "customer purchase totals"),
    ("customer", "purchase_count", "customer purchase counts"),
    ("customer", "last_purchase", "customer last-purchase dates"),
    ("customer", "stakeholder_count", "customer stakeholder counts"),
    ("customer", "decision_makers", "customer decision-maker counts"),
    ("customer", "decision_maker_id", "customer closest decision-makers"),
    ("customer", "decision_maker_level", "customer closest decision-makers' levels"),
    ("customer", "decision_maker_name", "customer closest decision-makers' names"),
    ("customer", "sole_stakeholder_id", "customer sole stakeholders"),
    ("customer", "sole_stakeholder_name", "customer sole stakeholders' names"),
    ("customer", "sole_stakeholder_role", "customer sole stakeholders' roles"),
    ("stage_change", "from_stage", "stage changes' previous stages"),
    ("stage_change", "from_days", "stage changes' days in the previous stage"),
)


def derived_dates(db: Database, cadences: dict[str, int], fix: bool) -> list[Finding]:
    """Recompute every derived date; report (and with `fix`, keep) the ones that differ.

    The stored values are kept aside in temporary tables, so the comparison is
    one SQL join per column, whatever the size of the book.
    """
    findings = [Finding(label) for _, _, label in DERIVED]
    try:
        with db.transaction():
            db.run("CREATE TEMPORARY TABLE crm_check_stakeholder AS SELECT id, last_contact FROM stakeholder")
            db.run("CREATE TEMPORARY TABLE crm_check_customer AS "
                   "SELECT id, last_contact, next_due, follow_up_on, agenda_weight, purchase_cents, purchase_count, "
                   "last_purchase, " + ", ".join(stakeholder_coverage.COLUMNS) + " FROM customer")
            db.run("CREATE TEMPORARY TABLE crm_check_stage_change AS SELECT id, from_stage, from_days FROM stage_change")
            stage_moves.refresh(db)
            purchase_totals.refresh(db)
            stakeholder_coverage.refresh(db)
            refresh_stakeholder_contact(db, [r["id"] for r in db.rows("SELECT id FROM stakeholder")])
            refresh_customers(db, [r["id"] for r in db.rows("SELECT id FROM customer")], cadences)
            differs = "IS NOT" if db.dialect == "sqlite" else "IS DISTINCT FROM"  # NULL-safe
            for (table, column, _), f in zip(DERIVED, findings):
                wrong = [r["id"] for r in db.rows(
                    f"SELECT t.id FROM {table} t JOIN crm_check_{table} b ON b.id = t.id "
                    f"WHERE t.{column} {differs} b.{column} ORDER BY t.id")]
                f.problems = len(wrong)
                if wrong:
                    source = ("the stage history says" if table == "stage_change" else "the purchases say"
                              if column.startswith(("purchase", "last_purchase")) else "its stakeholders say"
                              if column in stakeholder_coverage.COLUMNS else "the log and cadence say")
                    f.detail = [f"{table} {_ids(wrong)}: the stored {column.replace('_', ' ')} "
                                f"differs from what {source}"]
                if fix:
                    f.fixed = len(wrong)
                    f.rows = [(table, i) for i in wrong]
            db.run("DROP TABLE crm_check_stakeholder")
            db.run("DROP TABLE crm_check_customer")
            db.run("DROP TABLE crm_check_stage_change")
            if not fix:
                raise _Rollback
    except _Rollback:
        pass
    return findings


def rows_changed(findings: list[Finding]) -> int:
    """Rows rewritten by a fix (a customer whose two dates were wrong counts once)."""
    return len({r for f in findings for r in f.rows})


def check(db: Database, cadences: dict[str, int], fix: bool = False) -> list[Finding]:
    """All checks; with `fix`, the derived dates are recomputed in one transaction."""
    return [*file_checks(db), orphans(db), *derived_dates(db, cadences, fix)]
