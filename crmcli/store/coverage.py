"""The SQL behind `crm report coverage`: company accounts resting on one person or no decision-maker.

An account is single-threaded (seed 000) when it has one stakeholder or none,
no decision-maker, or no decision-maker at `partner` level or closer. Rows come
back as tuples (customer_id, customer, tier, stakeholders, decision_makers,
only_name, only_role, dm_name, dm_rank, cents), ranked by tier, then lifetime
value; core/reports.py turns them into problems and advice.

Today (levels as they stand), each customer's stored coverage columns answer
(migrations 0008 and 0009, kept by triggers; store/stakeholder_coverage.py),
the names the advice quotes included: no stakeholder row is read. On SQLite
the flagged accounts are one walk of the index ix_customer_coverage, which
holds them in rank order with every column read here (no sort, no table
read); a test keeps the query and the index in step. For an earlier day
(`--on`), the level history answers: every account's stakeholders are probed,
each one's level on the day looked up.

`--json` on a SQLite book lists ~70,000 accounts of the 100,000-customer book;
there SQLite writes the JSON text itself (`coverage_json`), from the same
words as core/reports.py, so that no row becomes a Python object.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache

from crmcli.core import reports as words
from crmcli.core.vocabulary import LEVEL_ORDER, ROLES, TIERS
from crmcli.store.db import Database
from crmcli.store.reports import rank_by, rep_filter, rep_params, revenue_to, stage_on
from crmcli.store.stakeholder_coverage import level_rank

_COMPANIES = "c.kind = 'company' AND c.stage <> 'lost' AND c.since <= :on"
# An earlier day: not lost on that day (the stage history; a customer lost since then was still
# an account to cover, one won back since was not).
_COMPANIES_ON = f"c.kind = 'company' AND c.since <= :on AND coalesce({stage_on()}, c.stage) <> 'lost'"
PARTNER = LEVEL_ORDER.index("partner")
_NOBODY = 8  # coverage_json's number for an account with no stakeholder at all
_CLOSE = ", ".join(f"'{k}'" for k in LEVEL_ORDER[PARTNER:])
_TIER_RANK = rank_by("c.tier", TIERS.keys)
# Single-threaded, by the stored columns: one stakeholder or none, no decision-maker, or the
# closest one below partner.
_FLAGGED = (f"(c.stakeholder_count <= 1 OR c.decision_makers = 0 "
            f"OR {level_rank('c.decision_maker_level')} < {PARTNER})")


def coverage(db: Database, on: date, today: date, owner: str | None = None,
             limit: int | None = None) -> list[tuple]:
    """Single-threaded company accounts (all, or the first `limit`) in rank order, as the
    tuples of the module docstring; `dm_name` is the decision-maker with the deepest
    relationship when it is below partner, `dm_rank` that relationship's index in
    LEVEL_ORDER (-1: no level, or no decision-maker)."""
    params = rep_params(owner, on=on.isoformat())
    if limit is not None:
        params["limit"] = limit
    if on < today:
        sql = _dated_sql(db, on, today, rep_filter(owner))
    else:
        cents = revenue_to(db, on)  # asks the book once whether the stored totals answer
        sql = f"{_stored_sql(cents, _accounts(db, owner))} ORDER BY {_order(cents)}"
    if limit is not None:
        sql += " LIMIT :limit"
    if db.dialect == "sqlite":
        return db.tuples(sql, params)
    return [(*r[:3], int(r[3]), int(r[4]), *r[5:8], int(r[8]), int(r[9])) for r in db.tuples(sql, params)]


def coverage_shown(db: Database, on: date, today: date, limit: int,
                   owner: str | None = None) -> tuple[list[tuple], int]:
    """The first `limit` single-threaded accounts in rank order, and how many there are."""
    if on < today:
        sql = f"SELECT count(*) FROM customer c WHERE {_COMPANIES_ON}{rep_filter(owner)} AND {_single_threaded(on, today)}"
    else:
        sql = f"SELECT count(*) {_accounts(db, owner)}"
    total = int(db.value(sql, rep_params(owner, on=on.isoformat())) or 0)
    return (coverage(db, on, today, owner=owner, limit=limit) if total else []), total


def coverage_json(db: Database, on: date, today: date, owner: str | None = None) -> list[bytes] | None:
    """The whole report as compact UTF-8 JSON (the list core/reports.py's coverage_report
    makes of `coverage`'s tuples), written by SQLite, in pieces to write one after another
    (the brackets apart: no copy of a 17 MB list to add them); None where only Python writes
    it: on a server, or for an earlier day."""
    if db.dialect != "sqlite" or on < today:
        return None
    cents = revenue_to(db, on)
    # One JSON object per account, chosen by the account's problems as one number (one
    # stakeholder 4, no decision-maker 2, one below partner 1; nobody at all 8), each with its
    # problems and advice words spelled out: SQLite works out the number once per account, and
    # pastes in fixed words instead of joining them per account. The objects are joined by
    # group_concat in the subquery's order (json_group_array would also read each object again).
    code = (f"CASE WHEN c.stakeholder_count = 0 THEN {_NOBODY} ELSE "
            f"CASE WHEN c.stakeholder_count = 1 THEN 4 ELSE 0 END + CASE WHEN c.decision_makers = 0 THEN 2 "
            f"WHEN {level_rank('c.decision_maker_level')} < {PARTNER} THEN 1 ELSE 0 END END")
    entries = " ".join(f"WHEN {number} THEN {_entry(cents, problems, advice)}"
                       for number, (problems, advice) in _advice().items())
    sql = f"""
        SELECT CAST(group_concat(f.entry) AS BLOB)
        FROM (SELECT CASE {code} {entries} END AS entry {_accounts(db, owner)} ORDER BY {_order(cents)}) f
    """
    text = db.value(sql, rep_params(owner, on=on.isoformat()))
    return [b"[", text, b"]"] if text else [b"[]"]


def _entry(cents: str, problems: list[str], advice: str) -> str:
    """SQL: account c's JSON object, with these problems and this advice (SQL text)."""
    return (f"json_object('customer_id', c.id, 'customer', c.name, 'tier', c.tier, "
            f"'stakeholders', c.stakeholder_count, 'problems', json({_text(_compact(problems))}), "
            f"'advice', {advice}, 'value', {cents} / 100.0)")


def _advice_sql(template: str) -> str:
    """SQL text of advice `template` (core/reports.py's words, fields in braces): {sole} and
    {dm} the stored names, {role} and {level} the words of the stored role and level, spelled
    out for each word of the vocabulary (a fixed phrase pasted in, not built per account)."""
    parts = re.split(r"\{(sole|dm)\}", template)  # phrase, name, phrase, name, …, phrase
    names = {"sole": "c.sole_stakeholder_name", "dm": "c.decision_maker_name"}
    return " || ".join(names[p] if i % 2 else _phrase(p) for i, p in enumerate(parts) if i % 2 or p)


def _phrase(text: str) -> str:
    """SQL of a fixed phrase holding at most one {role} or {level}: a CASE over the stored word."""
    assert not ("{role}" in text and "{level}" in text), text  # the words would need a CASE in a CASE
    if "{role}" in text:  # a role outside the vocabulary reads as itself, as in core/reports.py
        return ("CASE c.sole_stakeholder_role " + " ".join(
            f"WHEN {_text(r)} THEN {_text(text.replace('{role}', r))}" for r in ROLES.keys)
            + f" ELSE {_words(text, role=f'coalesce(c.sole_stakeholder_role, {_text(words.NO_ROLE)})')} END")
    if "{level}" in text:  # below partner: a level outside the ladder reads as none, as in core
        return ("CASE c.decision_maker_level " + " ".join(
            f"WHEN {_text(k)} THEN {_text(text.replace('{level}', k))}" for k in LEVEL_ORDER[:PARTNER])
            + f" ELSE {_text(text.replace('{level}', words.NO_LEVEL))} END")
    return _text(text)


@cache
def _advice() -> dict[int, tuple[list[str], str]]:
    """Problems and advice SQL by the number coverage_json gives an account (the rule of
    core.reports.coverage, written once per number)."""
    found = {}
    # Most frequent first on a big book: one decision-maker below partner, with or without
    # being the only stakeholder (no decision-maker and one below partner never go together).
    for key in ((False, False, True), (True, False, True), (False, True, False),
                (True, True, False), (True, False, False)):
        found[4 * key[0] + 2 * key[1] + key[2]] = (words.PROBLEMS[key], _advice_sql(words.ADVICE[key]))
    found[_NOBODY] = (words.NOBODY[0], _text(words.NOBODY[1]))
    return found


def _stored_sql(cents: str, accounts: str) -> str:
    """The flagged accounts (`accounts`: _accounts) with their stored coverage columns (today's
    levels) and their lifetime value as `cents` (store.reports.revenue_to)."""
    rank = level_rank("c.decision_maker_level")
    return f"""
        SELECT c.id, c.name, c.tier, c.stakeholder_count AS n, c.decision_makers AS dms,
               c.sole_stakeholder_name AS only_name, c.sole_stakeholder_role AS only_role,
               CASE WHEN {rank} < {PARTNER} THEN c.decision_maker_name END AS dm_name, {rank} AS dm_rank,
               {cents} AS cents
        {accounts}"""


def _accounts(db: Database, owner: str | None) -> str:
    """SQL: FROM and WHERE of today's single-threaded company accounts (the rep's, when given),
    by the stored coverage columns: the condition of ix_customer_coverage."""
    return f"FROM customer c WHERE {_COMPANIES}{_theirs(db, owner)} AND {_FLAGGED}"


def _theirs(db: Database, owner: str | None) -> str:
    """One rep's accounts, on SQLite checked on each entry of the rank index (which holds the
    owner): the unary `+` keeps it from reading the rep's customers by the owner index and
    sorting them (PostgreSQL has no `+` for text, and no such index)."""
    return rep_filter(owner, "+c" if db.dialect == "sqlite" else "c")


def _order(cents: str) -> str:
    """The rank: tier, value, name, id. With the stored totals (`cents` is c.purchase_cents)
    it is the order of ix_customer_coverage (migration 0009), which SQLite then walks."""
    return f"{_TIER_RANK}, {cents} DESC, c.name_key, c.id"


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _words(template: str, **columns: str) -> str:
    """SQL text of one of core/reports.py's templates, its {fields} read from columns."""
    parts = re.split(r"\{(\w+)\}", template)  # literal, field, literal, field, …, literal
    return " || ".join(columns[p] if i % 2 else _text(p) for i, p in enumerate(parts) if i % 2 or p)


# -- an earlier day: the level history ------------------------------------------------------

def _level(on: date, today: date) -> str:
    """The level of stakeholder `st` on the day: the latest dated on or before it; before any,
    the level they came onto the book with (a stakeholder is counted on every day, so the
    level the rep gave when adding them holds before its date too; one set later with `--at`
    does not); with no level history at all, their level."""
    if on >= today:
        return "st.level"
    # imported here: store.stakeholders brings in the agenda's modules, which today's report
    # (and its JSON on a big book) has no use for
    from crmcli.store.stakeholders import ADDED, IMPORTED

    return ("coalesce((SELECT lc.level FROM level_change lc WHERE lc.stakeholder_id = st.id "
            "AND lc.at <= :on ORDER BY lc.at DESC, lc.id DESC LIMIT 1), "
            f"(SELECT CASE WHEN lc.note IN ({_text(ADDED)}, {_text(IMPORTED)}) AND lc.created_at = st.created_at "
            "THEN lc.level END FROM level_change lc WHERE lc.stakeholder_id = st.id ORDER BY lc.id LIMIT 1), "
            "CASE WHEN NOT EXISTS "
            "(SELECT 1 FROM level_change lc2 WHERE lc2.stakeholder_id = st.id) THEN st.level END)")


def _single_threaded(on: date, today: date) -> str:
    """Customer c rests on one stakeholder or none, or has no decision-maker at partner or closer."""
    return (f"((SELECT count(*) FROM stakeholder s1 WHERE s1.customer_id = c.id) <= 1 "
            f"OR NOT EXISTS (SELECT 1 FROM stakeholder st WHERE st.customer_id = c.id "
            f"AND st.role = 'decision-maker' AND {_level(on, today)} IN ({_CLOSE})))")


# A customer's stakeholders in one number, from one probe of their index: how many (× SPAN²),
# how many decision-makers (× SPAN) and the deepest decision-maker level's rank + 1 (0: none).
SPAN = 1 << 16


def _dated_sql(db: Database, on: date, today: date, only_c: str) -> str:
    """The flagged accounts with each stakeholder's level on the day, in rank order. Per
    company account its stakeholders are one index probe, and names are read only for the
    accounts whose advice names someone."""
    rank = rank_by(_level(on, today), LEVEL_ORDER)
    dm = "st.role = 'decision-maker'"
    return f"""
        WITH t AS MATERIALIZED (
            SELECT c.id, c.name, c.tier, c.name_key, {revenue_to(db, on)} AS cents,
                   (SELECT count(*) * {SPAN * SPAN} + count(CASE WHEN {dm} THEN 1 END) * {SPAN}
                           + coalesce(max(CASE WHEN {dm} THEN {rank} END), -1) + 1
                    FROM stakeholder st WHERE st.customer_id = c.id) AS k
            FROM customer c WHERE {_COMPANIES_ON}{only_c}),
        f AS MATERIALIZED (
            SELECT id, name, tier, name_key, cents, k / {SPAN * SPAN} AS n, (k / {SPAN}) % {SPAN} AS dms,
                   k % {SPAN} - 1 AS dm_rank
            FROM t WHERE k / {SPAN * SPAN} <= 1 OR (k / {SPAN}) % {SPAN} = 0 OR k % {SPAN} - 1 < {PARTNER})
        SELECT id, name, tier, n, dms,
               CASE WHEN n = 1 THEN (SELECT st.name FROM stakeholder st WHERE st.customer_id = f.id) END AS only_name,
               CASE WHEN n = 1 THEN (SELECT st.role FROM stakeholder st WHERE st.customer_id = f.id) END AS only_role,
               CASE WHEN dms > 0 AND dm_rank < {PARTNER} THEN (SELECT st.name FROM stakeholder st
                   WHERE st.customer_id = f.id AND {dm} AND {rank} = f.dm_rank
                   ORDER BY st.name DESC LIMIT 1) END AS dm_name,
               dm_rank, cents
        FROM f
        ORDER BY {rank_by('tier', TIERS.keys)}, cents DESC, name_key, id
    """
