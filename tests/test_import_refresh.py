"""An import refreshes its customers' derived columns set-based (store/due.py `refresh_imported`).

On SQLite, once an import has touched many customers, their last contact, next due date,
first open follow-up and agenda weight are computed a range of ids at a time through a
temporary table, and the customer indexes on those columns are dropped and built again when
the customers are a large share of the book. The book must end exactly as the per-chunk
`refresh_customers` leaves it (which `crm db check` also recomputes with). A large customers
import likewise drops the customer and stage-change indexes and builds them again at the end
(store/customer_import.py `Customers._maybe_drop_indexes`): the same book either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.config import Settings
from crmcli.store import due, importer
from tests.test_import_staged import dump  # the same whole-book comparison

pytestmark = pytest.mark.sqlite_only  # PostgreSQL always takes refresh_customers

CUSTOMERS = "name,tier,stage,every,since,last_contact"
CONTACTS = "customer,name,birthday"
HISTORY = "customer,contact,date,channel,note,next,next_note"


def files(tmp_path: Path) -> list[tuple[str, Path]]:
    customers = [CUSTOMERS]
    tiers, stages = ["gold", "silver", "iron", "lead", "金"], ["prospect", "client", "lost", "repeat"]
    for i in range(40):
        customers.append(f"Firm {i},{tiers[i % 5]},{stages[i % 4]},{'30d' if i % 6 == 0 else ''},"
                         f"2024-0{i % 9 + 1}-15,{'2026-10-0' + str(i % 9 + 1) if i % 3 else ''}")
    contacts = [CONTACTS]
    for i in range(30):
        born = ["1980-11-28", "--12-01", "", "--02-29"][i % 4]
        contacts.append(f"Firm {i % 35},Person {i},{born}")
    history = [HISTORY]
    for i in range(120):
        nxt = ["2026-12-03", "", "2026-06-01", "", ""][i % 5]
        history.append(f"Firm {i % 37},{'Person ' + str(i % 30) if i % 2 else ''},"
                       f"2026-{i % 11 + 1:02d}-{i % 27 + 1:02d},call,n{i},{nxt},"
                       f"{'call back' if nxt else ''}")
    history.append("New Firm,,2026-11-20,visit,first,,")  # a customer the history creates
    out = []
    for kind, lines in (("customers", customers), ("contacts", contacts), ("history", history)):
        path = tmp_path / f"{kind}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append((kind, path))
    return out


def build(crm, db: Path, paths: list[tuple[str, Path]]) -> list[dict]:
    counts = []
    for kind, path in paths[:2]:
        counts.append(crm.json("--db", str(db), "import", kind, str(path))["counts"])
    # Follow-ups, a stakeholder cadence and deals the refresh must weigh too.
    crm("--db", str(db), "log", "Firm 3", "--at", "2026-11-01", "--next", "2026-12-10")
    crm("--db", str(db), "contact", "edit", "Person 4", "--every", "20d")
    crm("--db", str(db), "deal", "add", "Firm 5", "Fleet", "--close", "2026-12-20")
    crm("--db", str(db), "deal", "add", "Firm 6", "Trucks", "--close", "2026-10-01")
    counts.append(crm.json("--db", str(db), "import", "history", str(paths[2][1]))["counts"])
    return counts


@pytest.mark.parametrize("share", [0, 4], ids=["indexes-kept", "indexes-rebuilt"])
def test_an_import_refreshes_set_based_as_customer_by_customer(crm, tmp_path, monkeypatch,
                                                               share) -> None:
    paths = files(tmp_path)
    monkeypatch.setattr(due, "BULK_TABLE_SHARE", share)
    with monkeypatch.context() as m:
        m.setattr(due, "BULK_RANGE", 7)  # several ranges, one of them short
        bulk = build(crm, tmp_path / "bulk.db", paths)
    plain = build(crm, tmp_path / "plain.db", paths)  # fewer customers than BULK_RANGE
    assert bulk == plain
    book = dump(tmp_path / "bulk.db")
    assert book == dump(tmp_path / "plain.db")  # the indexes too: dropped ones built again
    assert len(book["customer"]) == 41
    report = crm.json("--db", str(tmp_path / "bulk.db"), "db", "check")
    assert report["ok"] is True


def test_the_set_based_refresh_mends_every_derived_column(crm, tmp_path, monkeypatch,
                                                          book_db) -> None:
    """Wrong values on many customers are all put right, as refresh_customers would."""
    paths = files(tmp_path)
    for kind, path in paths:
        crm("import", kind, str(path))
    right = dump(Path(book_db.location))
    monkeypatch.setattr(due, "BULK_RANGE", 5)
    with book_db.transaction():
        book_db.run("UPDATE customer SET last_contact = '2020-01-01', next_due = NULL, "
                    "follow_up_on = '2020-02-02', agenda_weight = -1 WHERE id % 2 = 0")
        book_db.run("UPDATE customer SET last_contact = NULL WHERE id % 3 = 0")
        ids = [r["id"] for r in book_db.rows("SELECT id FROM customer")]
        due.refresh_imported(book_db, ids, Settings().cadences())  # the imports' cadences
    assert dump(Path(book_db.location)) == right


_run_init = importer.Run.__init__


def chunks_of_nine(self, db, options, summary, spec) -> None:
    options.chunk_size = 9
    _run_init(self, db, options, summary, spec)


@pytest.mark.parametrize("on_conflict", ["skip", "update"])
def test_a_large_customer_import_without_its_indexes_writes_the_same_book(
        crm, tmp_path, monkeypatch, on_conflict) -> None:
    """A customers import large against the book drops the customer and stage-change indexes
    (all but name_key's, which matching reads) and builds them again: the same book, the same
    indexes, the same counts; with --on-conflict update the indexes stay."""
    paths = files(tmp_path)
    again = tmp_path / "again.csv"  # a second file: repeats (a new tier for some) and new ones
    again.write_text(CUSTOMERS + "\nfirm 3,gold,client,,2024-04-15,\nFirm 50,silver,,,2025-01-01,\n"
                     "FIRM 50,gold,,,2025-01-01,\n", encoding="utf-8")
    results = {}
    dropped: list[str] = []
    real_drop = importer._drop_indexes

    def drop(db, table, keep=None):
        dropped.append(table)
        return real_drop(db, table, keep)

    for name, least in (("dropped", 0), ("kept", 10**9)):
        with monkeypatch.context() as m:
            m.setattr(importer, "_drop_indexes", drop)
            m.setattr(importer, "BULK_MIN_ROWS", least)
            m.setattr(importer.Run, "__init__", chunks_of_nine)  # indexes dropped after a chunk
            db = tmp_path / f"{name}.db"
            counts = [crm.json("--db", str(db), "import", "customers", str(path),
                               "--on-conflict", on_conflict)["counts"]
                      for path in (paths[0][1], again)]
        results[name] = (counts, dump(db))
    assert dropped == (["customer", "stage_change"] if on_conflict == "skip" else [])
    assert results["dropped"] == results["kept"]
    counts = results["dropped"][0]
    assert counts[0]["customers"]["created"] == 40 and counts[1]["customers"]["created"] == 1
    report = crm.json("--db", str(tmp_path / "dropped.db"), "db", "check")
    assert report["ok"] is True
