"""The SQL behind `crm report`: each report is a few aggregate queries over the book.

Nothing here loads a table into Python: queries return one row per stage and
number of days, per tier, per day and channel, per flagged or lost customer,
or (for value and RFM) one aggregated row per buying customer.

Speed on a big book (100,000 customers, 1,000,000 contacts, 500,000
purchases): an aggregate reads a covering index when one holds every column
it needs (revenue per customer: purchase (customer_id, date, amount_cents);
contacts per day: interaction (date, id, channel, purpose); schema 0004), and
otherwise the table whole, in file order (`whole_table`), since walking an
index that does not cover the query would add a random row lookup per row.
Per-customer values that one index answers (the stage on a day, the change
before a change, a customer's purchases) are scalar subqueries on that index.

"As of" a day (`--on`): purchases, contacts and stage changes dated after it
are ignored; on today the stored current stage and last contact are used.

A rep's book (`owner`, from Session.book_of; None = every rep's): customers are
those with `c.owner = :owner`, and purchases, contacts and stage changes count
only for those customers (`customer_id IN` the rep's customers, which the index
on customer (owner, …) lists). Without an owner the queries are unchanged.
"""

from __future__ import annotations

from datetime import date

from crmcli.core.vocabulary import LEVEL_ORDER, TIERS
from crmcli.store.db import Database, Row


def whole_table(dialect: str, table: str, alias: str = "") -> str:
    """`table [alias]` to be read whole: on SQLite, NOT INDEXED (a full scan, then a sort),
    which beats an index range covering most rows; PostgreSQL's planner chooses well."""
    named = f"{table} {alias}".strip()
    return f"{named} NOT INDEXED" if dialect == "sqlite" else named


def days_between(dialect: str, start: str, end: str) -> str:
    """Whole days from one ISO date expression to another."""
    if dialect == "postgresql":
        return f"(CAST({end} AS date) - CAST({start} AS date))"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def _mine(owner: str | None, column: str = "customer_id") -> str:
    """` AND column IN (the rep's customers)`, or nothing for the whole book."""
    return "" if owner is None else f" AND {column} IN (SELECT id FROM customer WHERE owner = :owner)"


def _of(owner: str | None, alias: str = "c") -> str:
    """` AND alias.owner = :owner`, or nothing for the whole book."""
    return "" if owner is None else f" AND {alias}.owner = :owner"


def _params(owner: str | None, **params) -> dict:
    return params if owner is None else {**params, "owner": owner}


def _rank(column: str, keys: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(keys))
    return f"(CASE {column} {whens} ELSE -1 END)"


def _stage_on(on_param: str = ":on") -> str:
    """The stage customer c stood at on a day (its latest stage change by then)."""
    return (f"(SELECT sc.stage FROM stage_change sc WHERE sc.customer_id = c.id AND sc.at <= {on_param} "
            "ORDER BY sc.at DESC, sc.id DESC LIMIT 1)")


def _revenue(db: Database, window: str = "date <= :on", *, details: bool = True,
             owner: str | None = None) -> str:
    """Per buying customer: revenue in cents (with `details`: purchases, last purchase date)."""
    more = ", count(*) AS purchases, max(date) AS last_purchase" if details else ""
    return (f"SELECT customer_id, sum(amount_cents) AS cents{more} "
            f"FROM purchase WHERE {window}{_mine(owner)} GROUP BY customer_id")  # index-only, no sort


# -- coverage -------------------------------------------------------------------------

_COMPANIES = "c.kind = 'company' AND c.stage <> 'lost' AND c.since <= :on"


def _level(on: date, today: date) -> str:
    """The level of stakeholder `st` on the day (its level history, when it has one)."""
    if on >= today:
        return "st.level"
    return ("coalesce((SELECT lc.level FROM level_change lc WHERE lc.stakeholder_id = st.id "
            "AND lc.at <= :on ORDER BY lc.at DESC, lc.id DESC LIMIT 1), CASE WHEN NOT EXISTS "
            "(SELECT 1 FROM level_change lc2 WHERE lc2.stakeholder_id = st.id) THEN st.level END)")


def _single_threaded(on: date, today: date) -> str:
    """Customer c rests on one stakeholder or none, or has no decision-maker at partner or closer."""
    close = ", ".join(f"'{k}'" for k in LEVEL_ORDER[LEVEL_ORDER.index("partner"):])
    return (f"((SELECT count(*) FROM stakeholder s1 WHERE s1.customer_id = c.id) <= 1 "
            f"OR NOT EXISTS (SELECT 1 FROM stakeholder st WHERE st.customer_id = c.id "
            f"AND st.role = 'decision-maker' AND {_level(on, today)} IN ({close})))")


def coverage_counts(db: Database, on: date, today: date, owner: str | None = None) -> dict[str, int]:
    """Single-threaded company accounts per tier (one index probe per customer)."""
    sql = (f"SELECT c.tier, count(*) AS n FROM customer c WHERE {_COMPANIES}{_of(owner)} "
           f"AND {_single_threaded(on, today)} GROUP BY c.tier")
    return {r["tier"]: int(r["n"]) for r in db.rows(sql, _params(owner, on=on.isoformat()))}


def coverage_top(db: Database, on: date, today: date, tier: str, limit: int,
                 owner: str | None = None) -> list[int]:
    """The ids of a tier's single-threaded accounts with the highest lifetime value."""
    sql = (f"SELECT c.id FROM customer c WHERE c.tier = :tier AND {_COMPANIES}{_of(owner)} "
           f"AND {_single_threaded(on, today)} ORDER BY coalesce((SELECT sum(p.amount_cents) "
           "FROM purchase p WHERE p.customer_id = c.id AND p.date <= :on), 0) DESC, c.name_key, c.id "
           "LIMIT :limit")
    params = _params(owner, on=on.isoformat(), tier=tier, limit=limit)
    return [r["id"] for r in db.rows(sql, params)]


def coverage(db: Database, on: date, today: date, ids: list[int] | None = None,
             owner: str | None = None) -> list[Row]:
    """Single-threaded company accounts (all, or those of `ids`) with what their coverage
    rests on; ranked by tier, then lifetime value.

    `dm_name`/`dm_level` name the deepest decision-maker relationship; `any_name` and
    `any_role` the stakeholder when there is only one.
    """
    params: dict = {"on": on.isoformat()}
    only_c = only_st = only_p = ""
    stakeholders, purchases = whole_table(db.dialect, "stakeholder", "st"), "purchase"
    if ids is not None:  # a few customers: their rows by index
        marks, more = db.in_list("id", ids or [0])
        params.update(more)
        only_c, only_st, only_p = (f" AND c.id IN {marks}", f" WHERE st.customer_id IN {marks}",
                                   f" AND customer_id IN {marks}")
        stakeholders = "stakeholder st"
    elif owner is not None:  # the rep's customers, their people and purchases
        params["owner"] = owner
        only_c, only_st, only_p = _of(owner), " WHERE 1 = 1" + _mine(owner, "st.customer_id"), _mine(owner)
    partner = LEVEL_ORDER.index("partner")
    rank = _rank("level", LEVEL_ORDER)
    sql = f"""
        WITH s AS (SELECT st.customer_id, st.name, st.role, {_level(on, today)} AS level
                   FROM {stakeholders}{only_st}),
        agg AS (
            SELECT customer_id, count(*) AS n,
                   sum(CASE WHEN role = 'decision-maker' THEN 1 ELSE 0 END) AS dms,
                   max(CASE WHEN role = 'decision-maker' THEN {rank} END) AS dm_rank,
                   max(CASE WHEN role = 'decision-maker'
                       THEN CAST({rank} + 1 AS TEXT) || '|' || name END) AS best_dm,
                   min(name) AS any_name, min(role) AS any_role
            FROM s GROUP BY customer_id),
        rev AS (SELECT customer_id, sum(amount_cents) AS cents FROM {purchases}
                WHERE date <= :on{only_p} GROUP BY customer_id)
        SELECT c.id AS customer_id, c.name AS customer, c.tier, coalesce(a.n, 0) AS stakeholders,
               coalesce(a.dms, 0) AS decision_makers, a.any_name, a.any_role, a.dm_rank, a.best_dm,
               coalesce(r.cents, 0) AS cents
        FROM customer c
        LEFT JOIN agg a ON a.customer_id = c.id
        LEFT JOIN rev r ON r.customer_id = c.id
        WHERE {_COMPANIES}{only_c}
          AND (a.n IS NULL OR a.n <= 1 OR a.dms = 0 OR a.dm_rank < {partner})
        ORDER BY {_rank('c.tier', TIERS.keys)}, coalesce(r.cents, 0) DESC, c.name_key, c.id
    """
    rows = db.rows(sql, params)
    for r in rows:
        best = r.pop("best_dm")
        r["dm_name"] = best.split("|", 1)[1] if best else None
        rank_ = r.pop("dm_rank")
        r["dm_level"] = LEVEL_ORDER[rank_] if rank_ is not None and rank_ >= 0 else None
    return rows


def coverage_shown(db: Database, on: date, today: date, limit: int,
                   owner: str | None = None) -> tuple[list[Row], int]:
    """The first `limit` single-threaded accounts in rank order, and how many there are:
    the top tiers are searched first, so a big book costs one index probe per customer."""
    counts = coverage_counts(db, on, today, owner)
    ids: list[int] = []
    for tier in TIERS.keys:
        if len(ids) >= limit:
            break
        if counts.get(tier):
            ids += coverage_top(db, on, today, tier, limit - len(ids), owner)
    return (coverage(db, on, today, ids) if ids else []), sum(counts.values())


# -- ladder -----------------------------------------------------------------------------

def stage_counts(db: Database, on: date, today: date, owner: str | None = None) -> dict[str, int]:
    """Customers per stage on the day."""
    if on >= today:
        sql = f"SELECT c.stage, count(*) AS n FROM customer c WHERE c.since <= :on{_of(owner)} GROUP BY c.stage"
    else:
        sql = (f"SELECT stage, count(*) AS n FROM (SELECT {_stage_on()} AS stage FROM customer c "
               f"WHERE c.since <= :on{_of(owner)}) t WHERE stage IS NOT NULL GROUP BY stage")
    return {r["stage"]: int(r["n"]) for r in db.rows(sql, _params(owner, on=on.isoformat()))}


def stage_moves(db: Database, since: date, on: date, owner: str | None = None) -> list[Row]:
    """(before, after, days, n): stage changes dated after `since` up to `on`, with the stage
    they ended and how many days it had lasted."""
    days = days_between(db.dialect, "substr(prev, 1, 10)", "at")
    sql = f"""
        WITH t AS MATERIALIZED (
            SELECT sc.stage, sc.at, (SELECT p.at || ' ' || p.stage FROM stage_change p
                WHERE p.customer_id = sc.customer_id AND p.at <= sc.at
                  AND (p.at < sc.at OR p.id < sc.id)
                ORDER BY p.at DESC, p.id DESC LIMIT 1) AS prev
            FROM stage_change sc WHERE sc.at > :since AND sc.at <= :on{_mine(owner, "sc.customer_id")})
        SELECT substr(prev, 12) AS before, stage AS after, {days} AS days, count(*) AS n
        FROM t WHERE prev IS NOT NULL GROUP BY 1, 2, 3
    """
    return db.rows(sql, _params(owner, on=on.isoformat(), since=since.isoformat()))


# -- churn ------------------------------------------------------------------------------

def churn(db: Database, since: date, until: date, owner: str | None = None) -> list[Row]:
    """Per tier: customers on the book and not lost on `since`, and how many of them a
    stage change to lost dated after `since` up to `until` took away."""
    sql = f"""
        SELECT c.tier, count(*) AS at_start,
               sum(CASE WHEN c.id IN (SELECT l.customer_id FROM stage_change l WHERE l.stage = 'lost'
                   AND l.at > :since AND l.at <= :until) THEN 1 ELSE 0 END) AS lost
        FROM customer c
        WHERE c.since <= :since AND coalesce({_stage_on(':since')}, '') <> 'lost'{_of(owner)}
        GROUP BY c.tier
    """
    return db.rows(sql, _params(owner, since=since.isoformat(), until=until.isoformat()))


# -- value --------------------------------------------------------------------------------

def customer_revenue(db: Database, on: date, since: date | None = None, *, names: bool = True,
                     owner: str | None = None) -> list[Row]:
    """One row per buying customer: revenue (cents), purchases, last purchase date
    (and, with `names`, the customer's name and tier)."""
    window = "date <= :on" + (" AND date >= :since" if since else "")
    sql = _revenue(db, window, owner=owner)
    if names:
        sql = (f"WITH t AS ({sql}) SELECT t.customer_id, c.name AS customer, c.tier, t.cents, "
               "t.purchases, t.last_purchase FROM t JOIN customer c ON c.id = t.customer_id")
    return db.rows(sql, _params(owner, on=on.isoformat(), since=since.isoformat() if since else None))


def revenue_by_customer(db: Database, on: date, owner: str | None = None) -> dict[int, int]:
    """Lifetime revenue (cents) of every buying customer (of the rep's), by customer id."""
    cur = db.rows(_revenue(db, details=False, owner=owner), _params(owner, on=on.isoformat()))
    return {int(r["customer_id"]): int(r["cents"]) for r in cur}


# -- win-back ------------------------------------------------------------------------------

def lost_customers(db: Database, on: date, today: date, owner: str | None = None) -> list[Row]:
    """Customers standing at `lost` on the day, with the day they were lost."""
    stage = "c.stage" if on >= today else _stage_on()
    sql = f"""
        SELECT c.id AS customer_id, c.name AS customer, c.tier,
               (SELECT max(sc.at) FROM stage_change sc WHERE sc.customer_id = c.id
                AND sc.stage = 'lost' AND sc.at <= :on) AS lost_on
        FROM customer c WHERE {stage} = 'lost' AND c.since <= :on{_of(owner)}
    """
    return db.rows(sql, _params(owner, on=on.isoformat()))


# -- activity ------------------------------------------------------------------------------

def contacts_by_day(db: Database, first: date, on: date, owner: str | None = None) -> list[Row]:
    """Contacts per day, channel and purpose from `first` to `on` (the weekly chart's input)."""
    return db.rows(
        "SELECT date, channel, purpose, count(*) AS n FROM interaction "
        f"WHERE date >= :first AND date <= :on{_mine(owner)} GROUP BY date, channel, purpose",
        _params(owner, first=first.isoformat(), on=on.isoformat()),
    )


def longest_silent(db: Database, on: date, today: date, limit: int, owner: str | None = None) -> list[Row]:
    """Customers on the book (not lost) whose last contact lies furthest back; never
    contacted counts from the day they joined the book."""
    if on >= today:
        last = "c.last_contact"
    else:
        last = ("coalesce((SELECT max(i.date) FROM interaction i WHERE i.customer_id = c.id "
                "AND i.date <= :on), CASE WHEN c.imported_last_contact <= :on "
                "THEN c.imported_last_contact END)")
    sql = f"""
        WITH t AS MATERIALIZED (
            SELECT c.id AS customer_id, c.name AS customer, {last} AS last_contact, c.since
            FROM customer c WHERE c.stage <> 'lost' AND c.since <= :on{_of(owner)})
        SELECT customer_id, customer, last_contact, since FROM t
        ORDER BY coalesce(last_contact, since), customer_id LIMIT :limit
    """
    return db.rows(sql, _params(owner, on=on.isoformat(), limit=limit))
