"""Finding likely duplicate customers and stakeholders, without comparing all pairs.

Records are *blocked*: only records that share a normalised key are compared
(the folded name, the phone's last digits, the email address or its company
domain; for names, also neighbours in sorted order, which catches one name
containing the other at its start or end). A block larger than MAX_BLOCK is
not a signal (two hundred customers on one domain are not one company) and
is skipped. Pairs a rep marked "not duplicates" (table not_duplicate) are
never offered again.

Stakeholders carry stored keys (name_key, email_key, phone_digits), so their
blocks are found by SQL (GROUP BY … HAVING count(*) > 1). A customer's key
strips company suffixes, which SQL cannot do portably, so customers are
streamed once (id, name, phone, email) and blocked in Python dicts.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from crmcli.core import matching
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row

MAX_BLOCK = 50  # members of one key compared pairwise at most
NEIGHBOURS = 3  # sorted neighbours looked at for "one name contains the other"


@contextmanager
def _no_gc() -> Iterator[None]:
    """Hundreds of thousands of small dicts, none cyclic: the cycle collector only slows it down."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _dismissed(db: Database, kind: str) -> set[tuple[int, int]]:
    return {(r["a_id"], r["b_id"]) for r in db.rows(
        "SELECT a_id, b_id FROM not_duplicate WHERE kind = :k", {"k": kind})}


def _block_pairs(blocks: Iterable[list[int]]) -> set[tuple[int, int]]:
    """Each block as a star: its first record paired with each other one.

    Records sharing a key all belong in one group; pairing each with the
    first is enough to group them and say why, without n² pairs. A pair that
    shares more than one key is still scored on all of them.
    """
    pairs: set[tuple[int, int]] = set()
    for ids in blocks:
        if 1 < len(ids) <= MAX_BLOCK:
            first, *rest = sorted(set(ids))
            pairs.update((first, b) for b in rest)
    return pairs


def _neighbour_pairs(keys: dict[int, str], reverse: bool) -> set[tuple[int, int]]:
    """Pairs of names next to each other when sorted (or sorted backwards).

    "acme" sorts right before "acmetrading", and "华东物流" backwards sits next to
    "上海华东物流" backwards; a few neighbours each way catch one name holding the
    other at its start or end in O(n log n).
    """
    order = sorted(keys, key=lambda i: (keys[i][::-1] if reverse else keys[i]))
    pairs: set[tuple[int, int]] = set()
    for pos, a in enumerate(order):
        for b in order[pos + 1: pos + 1 + NEIGHBOURS]:
            if matching.contains(keys[a], keys[b]):
                pairs.add((min(a, b), max(a, b)))
    return pairs


def _groups(matches: list[matching.Match]) -> list[list[matching.Match]]:
    """Connected pairs in one group (A~B and B~C: A, B and C are shown together)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in matches:
        parent[find(m.a)] = find(m.b)
    grouped: dict[int, list[matching.Match]] = defaultdict(list)
    for m in matches:
        grouped[find(m.a)].append(m)
    groups = [sorted(g, key=lambda m: (-m.score, m.a, m.b)) for g in grouped.values()]
    return sorted(groups, key=lambda g: (-g[0].score, min(m.a for m in g)))


def _candidate_matches(pairs: set[tuple[int, int]], keys: dict[int, dict],
                       score: Callable[[dict, dict], matching.Match | None],
                       dismissed: set[tuple[int, int]]) -> list[matching.Match]:
    out = []
    for a, b in pairs:
        if (a, b) in dismissed:
            continue
        m = score(keys[a], keys[b])
        if m is not None:
            out.append(m)
    return out


# -- customers ---------------------------------------------------------------
CUSTOMER_SHOWN = "id, name, city, phone, email, stage, tier, last_contact"


@dataclass
class Found:
    """Duplicate groups, best first: the first `limit` described, and the totals."""

    groups: list[dict[str, Any]]
    total_groups: int
    total_pairs: int


def customer_duplicates(db: Database, owner: str | None = None, limit: int | None = None) -> Found:
    """Groups of likely duplicate customers, best first, each with its scored pairs."""
    with _no_gc():
        return _customer_duplicates(db, owner, limit)


def _customer_duplicates(db: Database, owner: str | None, limit: int | None) -> Found:
    where, params = ("WHERE owner = :o", {"o": owner}) if owner is not None else ("", {})
    keys: dict[int, dict] = {}
    by: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in ("folded", "phone", "email", "domain")}
    for r in db.iter_rows(f"SELECT id, name, kind, phone, email FROM customer {where}", params):
        k = matching.customer_keys(r["id"], r["name"], r["phone"], r["email"], r["kind"])
        keys[r["id"]] = k
        for field, index in by.items():
            if k[field]:
                index[k[field]].append(r["id"])
    # A domain shared by many customers (a reseller's, a placeholder) says nothing.
    for ids in by["domain"].values():
        if len(ids) > MAX_BLOCK:
            for i in ids:
                keys[i]["domain"] = None
    pairs = set()
    for index in by.values():
        pairs |= _block_pairs(index.values())
    folded = {i: k["folded"] for i, k in keys.items() if k["folded"]}
    pairs |= _neighbour_pairs(folded, reverse=False)
    pairs |= _neighbour_pairs(folded, reverse=True)
    matches = _candidate_matches(pairs, keys, matching.score_customers, _dismissed(db, "customer"))
    return _describe(db, _groups(matches), "customer", CUSTOMER_SHOWN, limit)


# -- stakeholders ------------------------------------------------------------
# Each block: the SQL of its key and of "this record has one", on stakeholder columns
# prefixed by {p}. The phone key is the number's last digits, as matching.phone_key.
_TAIL = matching.PHONE_TAIL
_CONTACT_BLOCKS = (
    ("{p}email_key", "{p}email_key <> ''"),
    (f"CASE WHEN length({{p}}phone_digits) > {_TAIL} "
     f"THEN substr({{p}}phone_digits, length({{p}}phone_digits) - {_TAIL - 1}) "
     "ELSE {p}phone_digits END",
     f"length({{p}}phone_digits) >= {matching.PHONE_MIN_DIGITS}"),
    ("replace({p}name_key, ' ', '')", "{p}name_key <> ''"),
)
CONTACT_SHOWN = "s.id, s.name, s.customer_id, c.name AS customer, s.role, s.phone, s.email, s.last_contact"


def contact_duplicates(db: Database, owner: str | None = None, limit: int | None = None) -> Found:
    """Groups of stakeholders that look like one person (email, phone, name)."""
    scope = ("AND {p}customer_id IN (SELECT id FROM customer WHERE owner = :o)"
             if owner is not None else "")
    params = {"o": owner} if owner is not None else {}
    members: dict[int, Row] = {}
    blocks: list[list[int]] = []
    for key, usable in _CONTACT_BLOCKS:
        inner = dict(p="")
        outer = dict(p="s.")
        # Keys shared by 2..MAX_BLOCK stakeholders, found by the database; then their members.
        rows = db.rows(
            f"SELECT s.id, s.customer_id, s.name, s.phone, s.email, b.k FROM ("
            f"SELECT {key.format(**inner)} AS k FROM stakeholder "
            f"WHERE {usable.format(**inner)} {scope.format(**inner)} "
            f"GROUP BY {key.format(**inner)} HAVING count(*) BETWEEN 2 AND {MAX_BLOCK}"
            f") b JOIN stakeholder s ON {key.format(**outer)} = b.k "
            f"WHERE {usable.format(**outer)} {scope.format(**outer)}",
            params,
        )
        block: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            members[r["id"]] = r
            block[r["k"]].append(r["id"])
        blocks.extend(block.values())
    keys = {i: matching.contact_keys(i, r["customer_id"], r["name"], r["phone"], r["email"])
            for i, r in members.items()}
    matches = _candidate_matches(_block_pairs(blocks), keys, matching.score_contacts,
                                 _dismissed(db, "contact"))
    return _describe(db, _groups(matches), "contact", CONTACT_SHOWN, limit)


# -- shared ------------------------------------------------------------------
def _describe(db: Database, all_groups: list[list[matching.Match]], kind: str, shown: str,
              limit: int | None) -> Found:
    groups = all_groups[:limit] if limit else all_groups
    ids = sorted({i for g in groups for m in g for i in (m.a, m.b)})
    records: dict[int, Row] = {}
    table = "customer" if kind == "customer" else "stakeholder s JOIN customer c ON c.id = s.customer_id"
    col = "id" if kind == "customer" else "s.id"
    for start in range(0, len(ids), 500):
        marks, params = db.in_list("i", ids[start:start + 500])
        for r in db.rows(f"SELECT {shown} FROM {table} WHERE {col} IN {marks}", params):
            records[r["id"]] = r
    out = []
    for g in groups:
        member_ids = sorted({i for m in g for i in (m.a, m.b)})
        out.append({
            "score": g[0].score,
            "ids": member_ids,
            "records": [records[i] for i in member_ids],
            "pairs": [
                {"a": m.a, "b": m.b, "a_name": records[m.a]["name"], "b_name": records[m.b]["name"],
                 "score": m.score, "reasons": list(m.reasons)}
                for m in g
            ],
        })
    return Found(out, len(all_groups), sum(len(g) for g in all_groups))


def dismiss(db: Database, kind: str, a: int, b: int) -> None:
    """Remember that two records are not duplicates, so they are not offered again."""
    lo, hi = sorted((a, b))
    with db.transaction():
        if db.value("SELECT count(*) FROM not_duplicate WHERE kind = :k AND a_id = :a AND b_id = :b",
                    {"k": kind, "a": lo, "b": hi}):
            return
        db.insert("INSERT INTO not_duplicate (kind, a_id, b_id, created_at) VALUES (:k, :a, :b, :t)",
                  {"k": kind, "a": lo, "b": hi, "t": now_stamp()})


def forget(db: Database, kind: str, record_id: int) -> None:
    """Drop 'not duplicates' marks of a record that no longer exists (after a merge)."""
    db.run("DELETE FROM not_duplicate WHERE kind = :k AND (a_id = :i OR b_id = :i)",
           {"k": kind, "i": record_id})
