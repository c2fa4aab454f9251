"""An import of dated records (history, purchases) moves a customer's `since` back, as `crm log --at`
does: a customer contacted in March was on the book by March (store.customers.first_records_before_since)."""

from __future__ import annotations

from pathlib import Path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _since_and_stages(crm, name: str) -> tuple[str, list[tuple[str, str]]]:
    shown = crm.json("customer", "show", name)
    return shown["since"], [(s["stage"], s["at"]) for s in shown["stage_history"]]


def test_history_import_moves_since_and_the_starting_stage_back_to_the_first_contact(crm, tmp_path):
    crm("customer", "add", "Acme", "--since", "2026-10-01")
    crm("customer", "add", "Early Co", "--since", "2024-01-01")
    crm("stage", "Acme", "first-time", "--at", "2026-11-01")
    history = _write(tmp_path / "history.csv", "Customer,Date,Channel\nAcme,2025-06-01,call\n"
                     "Acme,2025-03-01,visit\nEarly Co,2025-02-01,call\n")
    out = crm("import", "history", str(history)).stdout
    assert "1 customer now on the book since their earliest record" in out
    assert _since_and_stages(crm, "Acme") == ("2025-03-01", [("prospect", "2025-03-01"), ("first-time", "2026-11-01")])
    assert _since_and_stages(crm, "Early Co")[0] == "2024-01-01"
    # The ladder's days in a stage follow: prospect lasted from 2025-03-01 to 2026-11-01.
    ladder = crm.json("report", "ladder", "--since", "2026-10-15")
    assert next(s for s in ladder["stages"] if s["stage"] == "prospect")["median_days"] == 610
    # Churn counts Acme among the customers on the book at the start of a period from 2025-06-01.
    assert crm.json("report", "churn", "--since", "2025-06-01")["at_start"] == 2


def test_undoing_the_import_puts_since_and_the_starting_stage_back(crm, tmp_path):
    crm("customer", "add", "Acme", "--since", "2026-10-01")
    history = _write(tmp_path / "history.csv", "Customer,Date,Channel\nAcme,2025-03-01,visit\n")
    crm("import", "history", str(history))
    crm("import", "undo", "1", "--yes")
    assert _since_and_stages(crm, "Acme") == ("2026-10-01", [("prospect", "2026-10-01")])
    assert crm.json("customer", "show", "Acme")["contacts_logged"] == 0


def test_purchase_import_moves_since_back_and_json_counts_the_customers(crm, tmp_path):
    crm("customer", "add", "Acme", "--since", "2026-10-01")
    crm("customer", "add", "Other", "--since", "2026-10-01")
    purchases = _write(tmp_path / "purchases.csv", "Customer,Date,Amount\nAcme,2025-05-05,100\nOther,2026-11-02,50\n")
    summary = crm.json("import", "purchases", str(purchases))
    assert summary["since_moved"] == 1
    # As `crm purchase add --at`: on the book by the purchase, which made it a first-time buyer then.
    assert _since_and_stages(crm, "Acme") == ("2025-05-05", [("prospect", "2025-05-05"), ("first-time", "2025-05-05")])
    assert _since_and_stages(crm, "Other") == ("2026-10-01", [("prospect", "2026-10-01"), ("first-time", "2026-11-02")])
    # Undo puts back both what moved Acme's `since` and its stage.
    crm("import", "undo", "1", "--yes")
    assert _since_and_stages(crm, "Acme") == ("2026-10-01", [("prospect", "2026-10-01")])
    assert crm.json("customer", "show", "Acme")["stage"] == "prospect"


def test_a_dry_run_moves_nothing(crm, tmp_path):
    crm("customer", "add", "Acme", "--since", "2026-10-01")
    history = _write(tmp_path / "history.csv", "Customer,Date,Channel\nAcme,2025-03-01,visit\n")
    out = crm("import", "history", str(history), "--dry-run").stdout
    assert "1 customer now on the book since" in out
    assert _since_and_stages(crm, "Acme")[0] == "2026-10-01"
