"""The SQL behind `crm report`: each report is a few aggregate queries over the book.

Nothing here loads a table into Python: queries return one row per stage and
number of days, per tier, per day and channel, per flagged or lost customer,
or (for value and RFM) one aggregated row per buying customer.

Speed on a big book (100,000 customers, 1,000,000 contacts, 500,000
purchases): an aggregate reads a covering index when one holds every column
it needs (contacts per day: interaction (date, id, channel, purpose); schema
0004). Two derived values are stored so that a report need not recompute
them from every row of the book: each stage change keeps the stage it ended
and its days (stage_change.from_stage, from_days; schema 0006, kept by
store/stage_moves.py), and each customer its purchase totals (revenue, count,
last date; schema 0007, kept by store/purchase_totals.py, used when no
purchase is dated after the report's day). Per-customer values that one
index answers (the stage on a day, a customer's purchases up to a day and
stakeholders) are scalar subqueries on that index; on SQLite they beat
joining aggregates of whole tables, and window functions, which copy every
row into a buffer first. Where a report lists tens of thousands of
customers, rows come back as tuples (`Database.tuples`) and groups are keyed
by integers rather than text.

"As of" a day (`--on`): purchases, contacts and stage changes dated after it
are ignored; on today the stored current stage and last contact are used.

A rep's book (`owner`, from Session.book_of; None = every rep's): customers are
those with `c.owner = :owner`, and purchases, contacts and stage changes count
only for those customers (`customer_id IN` the rep's customers, which the index
on customer (owner, …) lists). Without an owner the queries are unchanged.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from crmcli.core.reports import SEGMENT_OF, expand, quintile_places, top_count, value_totals
from crmcli.store import purchase_totals
from crmcli.store.db import Database, Row
from crmcli.store.stage_moves import days_between


def _mine(owner: str | None, column: str = "customer_id") -> str:
    """` AND column IN (the rep's customers)`, or nothing for the whole book."""
    return "" if owner is None else f" AND {column} IN (SELECT id FROM customer WHERE owner = :owner)"


def rep_filter(owner: str | None, alias: str = "c") -> str:
    """` AND alias.owner = :owner`, or nothing for the whole book."""
    return "" if owner is None else f" AND {alias}.owner = :owner"


def rep_params(owner: str | None, **params) -> dict:
    return params if owner is None else {**params, "owner": owner}


def rank_by(column: str, keys: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(keys))
    return f"(CASE {column} {whens} ELSE -1 END)"


def revenue_to(db: Database, on: date) -> str:
    """Customer c's lifetime revenue in cents up to the day: the stored total (migration 0007,
    store/purchase_totals.py) when no purchase is dated after the day, else the sum of its
    purchases (one probe of the index purchase (customer_id, date, amount_cents))."""
    if purchase_totals.stored_answers(db, on.isoformat()):
        return "c.purchase_cents"
    return ("coalesce((SELECT CAST(sum(p.amount_cents) AS BIGINT) FROM purchase p "
            "WHERE p.customer_id = c.id AND p.date <= :on), 0)")


def stage_on(on_param: str = ":on") -> str:
    """The stage customer c stood at on a day (its latest stage change by then)."""
    return (f"(SELECT sc.stage FROM stage_change sc WHERE sc.customer_id = c.id AND sc.at <= {on_param} "
            "ORDER BY sc.at DESC, sc.id DESC LIMIT 1)")


def none_later(table: str, row: str, date: str, by_day: str, also: str = "") -> str:
    """SQL: no row of `table` of the same customer as `row`, dated by `by_day` (and meeting
    `also`, on alias `j`), comes after `row` by (date, id): `row` is the customer's latest by
    that day, as stage_on orders them (same-day rows in the order written)."""
    return (f"NOT EXISTS (SELECT 1 FROM {table} j WHERE j.customer_id = {row}.customer_id{also} "
            f"AND j.{date} <= {by_day} AND (j.{date} > {row}.{date} OR (j.{date} = {row}.{date} AND j.id > {row}.id)))")


# -- ladder -----------------------------------------------------------------------------

def stage_counts(db: Database, on: date, today: date, owner: str | None = None) -> dict[str, int]:
    """Customers per stage on the day."""
    if on >= today:
        # `stage IS NOT NULL` (always true) lets the partial index customer (stage, since) count.
        sql = (f"SELECT c.stage, count(*) AS n FROM customer c WHERE c.stage IS NOT NULL AND c.since <= :on{rep_filter(owner)} "
               "GROUP BY c.stage")
    else:
        sql = (f"SELECT stage, count(*) AS n FROM (SELECT {stage_on()} AS stage FROM customer c "
               f"WHERE c.since <= :on{rep_filter(owner)}) t WHERE stage IS NOT NULL GROUP BY stage")
    return {r["stage"]: int(r["n"]) for r in db.rows(sql, rep_params(owner, on=on.isoformat()))}


def stage_moves(db: Database, since: date, on: date, owner: str | None = None) -> list[Row]:
    """(before, after, days, n): stage changes dated after `since` up to `on`, with the stage
    they ended and how many days it had lasted.

    Each change stores the stage it ended and its days (from_stage, from_days: migration
    0006, kept by store/stage_moves.py), so this is one scan of the index stage_change
    (from_stage, stage, from_days, at, customer_id), already in group order."""
    sql = (f"SELECT from_stage, stage, from_days, count(*) FROM stage_change "
           f"WHERE from_stage IS NOT NULL AND at > :since AND at <= :on{_mine(owner)} "
           "GROUP BY from_stage, stage, from_days")
    return [{"before": before, "after": after, "days": days, "n": n}
            for before, after, days, n in db.tuples(sql, rep_params(owner, on=on.isoformat(), since=since.isoformat()))]


# -- churn ------------------------------------------------------------------------------

def churn(db: Database, since: date, until: date, owner: str | None = None) -> list[Row]:
    """Per tier: customers on the book and not lost on `since`, and how many of them a
    stage change to lost dated after `since` up to `until` took away (tiers with nobody at
    the start are left out).

    At the start = on the book by `since` less those standing at lost that day: the lost
    changes dated by then that no later change of the same customer (by `since`) followed.
    That probes the few lost changes, not the stage of every customer on the book (1.5 µs
    each: 0.09 s of 0.22 s on the 100,000-customer book); only the customers lost in the
    period are probed for their stage at the start."""
    mine = rep_filter(owner)
    sql = f"""
        WITH on_book AS MATERIALIZED (
            SELECT c.tier, count(*) AS n FROM customer c WHERE c.since <= :since{mine} GROUP BY c.tier),
        lost_then AS MATERIALIZED (
            SELECT c.tier, count(*) AS n FROM stage_change l JOIN customer c ON c.id = l.customer_id
            WHERE l.stage = 'lost' AND l.at <= :since AND c.since <= :since{mine}
              AND {none_later("stage_change", "l", "at", ":since")}
            GROUP BY c.tier),
        lost AS MATERIALIZED (
            SELECT c.tier, count(*) AS n FROM customer c
            WHERE c.id IN (SELECT l.customer_id FROM stage_change l WHERE l.stage = 'lost'
                           AND l.at > :since AND l.at <= :until)
              AND c.since <= :since AND coalesce({stage_on(':since')}, '') <> 'lost'{mine}
            GROUP BY c.tier)
        SELECT b.tier, b.n - coalesce(t.n, 0) AS at_start, coalesce(l.n, 0) AS lost
        FROM on_book b LEFT JOIN lost_then t ON t.tier = b.tier LEFT JOIN lost l ON l.tier = b.tier
        WHERE b.n - coalesce(t.n, 0) > 0
    """
    return db.rows(sql, rep_params(owner, since=since.isoformat(), until=until.isoformat()))


# -- value --------------------------------------------------------------------------------

def buyers(db: Database, on: date, since: date | None = None, *, names: bool = True,
           owner: str | None = None) -> list[tuple]:
    """One tuple per buying customer: (customer_id, name (None without `names`), revenue in
    cents, purchases, days from the last purchase to `on`), in customer-id order with `names`
    (the JSON lists them), in no particular order without (the terminal's totals need none)."""
    params = rep_params(owner, on=on.isoformat(), since=since.isoformat() if since else None)
    if since is None and purchase_totals.stored_answers(db, on.isoformat()):
        # Every purchase counts: the stored totals, read from the index on customer
        # (purchase_count, purchase_cents, last_purchase) without summing any purchase.
        recency = days_between(db.dialect, "c.last_purchase", ":on")
        # With names the customer rows are read anyway: in table order (`+` keeps SQLite off the
        # index, whose order would cost a random row lookup per buyer).
        sql = (f"SELECT c.id, {'c.name' if names else 'NULL'}, c.purchase_cents, c.purchase_count, {recency} "
               f"FROM customer c WHERE {'+' if names else ''}c.purchase_count > 0{rep_filter(owner)}")
        found = db.tuples(sql, params)
        if names:
            found.sort()  # by id: linear, as the table gives them in id order
        return found
    window = "date <= :on" + (" AND date >= :since" if since else "")
    recency = days_between(db.dialect, "max(date)", ":on")
    # Read backwards (ORDER BY … DESC): the index gives each customer's purchases newest
    # first, and SQLite's max() then keeps its first value instead of copying every later one.
    sql = (f"SELECT customer_id, {'' if names else 'NULL AS name, '}CAST(sum(amount_cents) AS BIGINT) AS cents, "
           f"count(*) AS purchases, {recency} AS recency FROM purchase WHERE {window}{_mine(owner)} "
           "GROUP BY customer_id ORDER BY customer_id DESC")
    if names:  # the names of the buyers only, after grouping
        sql = (f"WITH t AS MATERIALIZED ({sql}) SELECT t.customer_id, c.name, t.cents, t.purchases, t.recency "
               "FROM t JOIN customer c ON c.id = t.customer_id")
    found = db.tuples(sql, params)
    found.sort()  # by id; linear, as the rows come in (reverse) id order
    return found


def buyer_counts(db: Database, on: date, owner: str | None = None
                 ) -> tuple[list[tuple], list[tuple], list[tuple]] | None:
    """The buying customers' revenues, purchase counts and days since their last purchase,
    each counted ((value, customers): a few thousand rows rather than one per buyer), from
    the stored totals; None when they do not answer for the day (a purchase dated after it).
    Three GROUP BYs, each in the order of an index of the buyers (purchase_cents: revenue,
    purchase_count: purchases, last_purchase: schema 0009), none sorting."""
    if not purchase_totals.stored_answers(db, on.isoformat()):
        return None
    params = rep_params(owner)
    found = []
    for column in ("purchase_cents", "purchase_count", "last_purchase"):
        found.append([(value, int(n)) for value, n in db.tuples(
            f"SELECT c.{column}, count(*) FROM customer c WHERE c.purchase_count > 0{rep_filter(owner)} "
            f"GROUP BY c.{column}", params)])
    days = [((on - date.fromisoformat(str(last)[:10])).days, n) for last, n in found[2]]
    return found[0], found[1], days


def buyer_cuts(db: Database, on: date, owner: str | None = None
               ) -> tuple[int, int, int, tuple[list[int], list[int], list[int]]] | None:
    """What the value report's JSON says besides its rows, and the cuts that score them, from
    the stored totals without reading a row per buyer: (buyers, their revenue in cents, the
    revenue of the top 20% of them (core.reports.top_count), the quintile cuts of recency,
    frequency and monetary as core.reports.value_cuts_of gives them). Each cut is the value at
    its place (core.reports.quintile_places) in an index of the buyers in that order (by
    revenue, purchases, last purchase: schemas 0007–0009), read in one statement. None when
    the stored totals do not answer for the day (a purchase dated after it)."""
    if not purchase_totals.stored_answers(db, on.isoformat()):
        return None
    params = rep_params(owner)
    buyers = f"FROM customer c WHERE c.purchase_count > 0{rep_filter(owner)}"
    n, total = db.tuples(f"SELECT count(*), CAST(coalesce(sum(c.purchase_cents), 0) AS BIGINT) {buyers}", params)[0]
    n, total = int(n), int(total)
    if not n:
        return 0, 0, 0, ([], [], [])
    places = [(column, i) for column in ("last_purchase", "purchase_count", "purchase_cents")
              for i in quintile_places(n)]
    at = ", ".join(_at_place(column, i, n, buyers) for column, i in places)
    top = (f"(SELECT CAST(sum(t.cents) AS BIGINT) FROM (SELECT c.purchase_cents AS cents {buyers} "
           f"ORDER BY c.purchase_cents DESC LIMIT {top_count(n)}) t)")
    found = db.tuples(f"SELECT {top}, {at}", params)[0]
    # recency is better when lower: its cuts are read from the other end (the earliest last
    # purchases are the most days ago), as days, in ascending order
    days = sorted((on - date.fromisoformat(str(last)[:10])).days for last in found[1:5])
    return n, total, int(found[0]), (days, [int(v) for v in found[5:9]], [int(v) for v in found[9:13]])


def _at_place(column: str, place: int, n: int, buyers: str) -> str:
    """SQL: the value of `column` at 0-based `place` among the n buyers in ascending order,
    stepped to from the nearer end of the index (a place past the middle from the top)."""
    if place < n - 1 - place:
        return f"(SELECT c.{column} {buyers} ORDER BY c.{column} LIMIT 1 OFFSET {place})"
    return f"(SELECT c.{column} {buyers} ORDER BY c.{column} DESC LIMIT 1 OFFSET {n - 1 - place})"


def rfm_grid(db: Database, on: date, cuts: tuple[list[int], list[int], list[int]],
             owner: str | None = None) -> list[tuple]:
    """(r, f, m, customers, cents) per RFM score, from the stored totals scored against the
    quintile cuts of recency (days), frequency and monetary (core.reports.value_cuts_of):
    r = 5 − cuts at or below the days (as dates: the last purchase on or before the day
    minus the cut), f and m = 1 + cuts below the value, as core.reports.quintile_scores."""
    params = rep_params(owner)
    r, f, m = _scores(on, cuts, params)
    sql = (f"SELECT r, f, m, count(*), CAST(sum(cents) AS BIGINT) FROM ("
           f"SELECT {r} AS r, {f} AS f, {m} AS m, c.purchase_cents AS cents "
           f"FROM customer c WHERE c.purchase_count > 0{rep_filter(owner)}) t GROUP BY r, f, m")
    return db.tuples(sql, params)


def _scores(on: date, cuts: tuple[list[int], list[int], list[int]], params: dict) -> tuple[str, str, str]:
    """SQL of customer c's r, f and m against the quintile cuts (binding them into params):
    r = 5 − the cuts (as dates: the day minus the cut) on or after the last purchase, f and m
    = 1 + the cuts below the value, as core.reports.quintile_scores; each a CASE over the cuts
    from the best score down (so it stops at the first cut passed)."""
    days, counts, cents = (sorted(c) for c in cuts)
    for i, (d, n, m) in enumerate(zip(days, counts, cents)):
        params.update({f"r{i}": (on - timedelta(days=d)).isoformat(), f"f{i}": n, f"m{i}": m})
    # the fewest days first: the latest date first
    r = [f"WHEN c.last_purchase > :r{i} THEN {5 - i}" for i in range(len(days))]
    f = [f"WHEN c.purchase_count > :f{i} THEN {i + 2}" for i in reversed(range(len(counts)))]
    m = [f"WHEN c.purchase_cents > :m{i} THEN {i + 2}" for i in reversed(range(len(cents)))]
    return _first_of(r, 5 - len(days)), _first_of(f, 1), _first_of(m, 1)


def _first_of(whens: list[str], otherwise: int) -> str:
    return f"CASE {' '.join(whens)} ELSE {otherwise} END" if whens else str(otherwise)


def value_json(db: Database, on: date, owner: str | None = None) -> list[bytes] | None:
    """The whole value report as compact UTF-8 JSON (what core.reports.value_report lists),
    in pieces to write one after another (the 10 MB `rfm` list is not copied to put the
    totals around it), written without a Python object per buyer: the totals and cuts read
    at their places in the buyers' indexes (buyer_cuts), every buyer's row by SQLite
    (rfm_json). None where only Python writes it: on a server, when the stored totals do not
    answer for the day (a purchase dated after it), or with no buyers."""
    if db.dialect != "sqlite":
        return None
    found = buyer_cuts(db, on, owner)
    if not found or not found[0]:
        return None
    customers, cents, top_cents, cuts = found
    head = json.dumps(value_totals(customers, cents, top_cents), separators=(",", ":"))
    return [f'{head[:-1]},"rfm":'.encode(), rfm_json(db, on, cuts, owner), b"}"]


def rfm_json(db: Database, on: date, cuts: tuple[list[int], list[int], list[int]],
             owner: str | None = None) -> bytes:
    """The value report's `rfm` list as compact UTF-8 JSON, written by SQLite from the stored
    totals (in core.reports.rfm_place order; scores as rfm_grid's, segments by
    core.reports.SEGMENT_OF): the list core.reports.rfm makes, without a Python object per
    buyer: read backwards from the index ix_customer_revenue (schema 0010), with no sort.
    SQLite only, with stored totals that answer for the day (value_json checks both)."""
    params = rep_params(owner, on=on.isoformat())
    r, f, m = _scores(on, cuts, params)
    sql = f"""
        SELECT CAST(json_group_array(json_object(
            'customer_id', t.id, 'customer', t.name, 'recency', t.recency, 'frequency', t.purchase_count,
            'monetary', t.purchase_cents / 100.0, 'r', t.code / 100, 'f', t.code / 10 % 10, 'm', t.code % 10,
            'segment', {segment_sql("t.code")})) AS BLOB)
        FROM (SELECT c.id, c.name, {days_between(db.dialect, "c.last_purchase", ":on")} AS recency,
                     c.purchase_count, c.purchase_cents, ({r}) * 100 + ({f}) * 10 + ({m}) AS code
              FROM customer c WHERE c.purchase_count > 0{rep_filter(owner)}
              ORDER BY c.purchase_cents DESC, c.purchase_count DESC, c.last_purchase DESC, c.id DESC) t
    """
    return db.value(sql, params)


def segment_sql(code: str) -> str:
    """SQL: the named segment (core.reports.SEGMENT_OF) of an RFM score written as the number
    r·100 + f·10 + m. The 125 scores, in that number's order, fall in runs of one segment;
    the SQL finds the run by halving (six comparisons) instead of testing the score against
    each segment's list of scores in turn."""
    runs: list[tuple[int, str]] = []  # (the last score of the run, its segment)
    for (r, f, m), segment in sorted(SEGMENT_OF.items()):
        if runs and runs[-1][1] == segment:
            runs[-1] = (r * 100 + f * 10 + m, segment)
        else:
            runs.append((r * 100 + f * 10 + m, segment))

    def find(among: list[tuple[int, str]]) -> str:
        if len(among) == 1:
            return f"'{among[0][1]}'"
        half = len(among) // 2
        return f"CASE WHEN {code} <= {among[half - 1][0]} THEN {find(among[:half])} ELSE {find(among[half:])} END"

    return find(runs)


def revenues(db: Database, on: date, owner: str | None = None) -> list[int]:
    """Lifetime revenue (cents) of every buying customer (of the rep's), in no order."""
    if purchase_totals.stored_answers(db, on.isoformat()):
        # Counted per value from the index of buyers by revenue (schema 0008): a few thousand
        # rows instead of one per buyer.
        sql = (f"SELECT c.purchase_cents, count(*) FROM customer c WHERE c.purchase_count > 0{rep_filter(owner)} "
               "GROUP BY c.purchase_cents")
        return expand((cents, int(n)) for cents, n in db.tuples(sql, rep_params(owner)))
    sql = (f"SELECT CAST(sum(amount_cents) AS BIGINT) AS cents FROM purchase WHERE date <= :on{_mine(owner)} "
           "GROUP BY customer_id")
    return [r[0] for r in db.tuples(sql, rep_params(owner, on=on.isoformat()))]


# -- win-back ------------------------------------------------------------------------------

def lost_customers(db: Database, on: date, today: date, owner: str | None = None) -> list[Row]:
    """Customers standing at `lost` on the day, with the day they were lost and their
    lifetime revenue in cents."""
    stage = "c.stage" if on >= today else stage_on()
    sql = f"""
        SELECT c.id AS customer_id, c.name AS customer, c.tier,
               (SELECT max(sc.at) FROM stage_change sc WHERE sc.customer_id = c.id
                AND sc.stage = 'lost' AND sc.at <= :on) AS lost_on,
               {revenue_to(db, on)} AS cents
        FROM customer c WHERE {stage} = 'lost' AND c.since <= :on{rep_filter(owner)}
    """
    return db.rows(sql, rep_params(owner, on=on.isoformat()))


# -- activity ------------------------------------------------------------------------------

def contacts_by_day(db: Database, first: date, on: date, owner: str | None = None) -> list[Row]:
    """Contacts per day, channel and purpose from `first` to `on` (the weekly chart's input)."""
    return db.rows(
        "SELECT date, channel, purpose, count(*) AS n FROM interaction "
        f"WHERE date >= :first AND date <= :on{_mine(owner)} GROUP BY date, channel, purpose",
        rep_params(owner, first=first.isoformat(), on=on.isoformat()),
    )


def longest_silent(db: Database, on: date, today: date, limit: int, owner: str | None = None) -> list[Row]:
    """Customers on the book (not lost on the day) whose last contact lies furthest back;
    never contacted counts from the day they joined the book."""
    if on >= today:
        # Today the stored last contact is exact: the contacted customers come in the order of
        # its index (last_contact, id), and only the few never contacted need sorting (by since).
        book = f"c.stage <> 'lost' AND c.since <= :on{rep_filter(owner)}"
        columns = "c.id AS customer_id, c.name AS customer, c.last_contact, c.since"
        sql = f"""
            SELECT customer_id, customer, last_contact, since FROM (
                SELECT * FROM (SELECT {columns} FROM customer c WHERE c.last_contact IS NULL AND {book}
                               ORDER BY c.since, c.id LIMIT :limit) never
                UNION ALL
                SELECT * FROM (SELECT {columns} FROM customer c WHERE c.last_contact IS NOT NULL AND {book}
                               ORDER BY c.last_contact, c.id LIMIT :limit) contacted) t
            ORDER BY coalesce(last_contact, since), customer_id LIMIT :limit
        """
        return db.rows(sql, rep_params(owner, on=on.isoformat(), limit=limit))
    last = ("coalesce((SELECT max(i.date) FROM interaction i WHERE i.customer_id = c.id "
            "AND i.date <= :on), CASE WHEN c.imported_last_contact <= :on "
            "THEN c.imported_last_contact END)")
    sql = f"""
        WITH t AS MATERIALIZED (
            SELECT c.id AS customer_id, c.name AS customer, {last} AS last_contact, c.since
            FROM customer c WHERE coalesce({stage_on()}, c.stage) <> 'lost' AND c.since <= :on{rep_filter(owner)})
        SELECT customer_id, customer, last_contact, since FROM t
        ORDER BY coalesce(last_contact, since), customer_id LIMIT :limit
    """
    return db.rows(sql, rep_params(owner, on=on.isoformat(), limit=limit))
