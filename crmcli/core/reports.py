"""The rules behind `crm report` that are clearer in Python than in SQL (pure, no I/O).

The store aggregates (one row per customer, per stage, per week); this module
scores and names: RFM quintiles and segments, the 80/20 share, win-back bands
and treatments, medians, rates, the words of coverage advice.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from crmcli.core.vocabulary import LADDER, LEVEL_ORDER, TIERS

TIER_ORDER = {t: i for i, t in enumerate(TIERS.keys)}
LEVEL_RANK = {level: i for i, level in enumerate(LEVEL_ORDER)}
PARTNER_RANK = LEVEL_RANK["partner"]


def money(cents: int | None) -> float:
    """Cents as a decimal amount with two places (JSON money). For whole cents `cents / 100`
    is already that amount (the nearest float to it; round() would give the same float), so
    the per-row writers (rfm, coverage_report) divide without round(), ten times cheaper."""
    return round((cents or 0) / 100, 2)


def rate(part: int, whole: int) -> float | None:
    """A fraction (0.25, not 25%); None when there is nothing to measure."""
    return part / whole if whole else None


def median(values: Sequence[float]) -> float | None:
    return middle(sorted(values)) if values else None


def middle(ordered: Sequence[float]) -> float:
    """The median of values already in order (either way), as statistics.median gives it:
    the middle value, or the mean of the two middle ones."""
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


# -- RFM (seed 002: value; the usual recency-frequency-monetary scoring) -----------

SEGMENTS = ("champions", "loyal", "promising", "at risk", "hibernating", "lost")


def quintile_scores(values: Sequence[Any], *, higher_is_better: bool = True) -> list[int]:
    """1–5 per value: 1 + ⌊5 × (values strictly worse) / n⌋.

    With distinct values this is the quintile (top fifth scores 5); tied values
    share the score of the lowest of their positions, so equal customers score
    alike. Values need only be comparable (numbers, ISO dates).

    Computed from four cut values rather than a rank per value (a big book scores
    70,000 customers three times): a value scores at least k + 1 when at least
    t = ⌈k·n/5⌉ values are strictly worse, that is when it is strictly better than
    the value t places from the worst end.
    """
    if not values:
        return []
    cuts = quintile_cuts(sorted(values), higher_is_better=higher_is_better)
    if higher_is_better:
        return [1 + bisect_left(cuts, v) for v in values]
    return [5 - bisect_right(cuts, v) for v in values]


def quintile_cuts(ordered: Sequence[Any], *, higher_is_better: bool = True) -> list[Any]:
    """The four cut values of quintile_scores over values in ascending order, ascending:
    with higher_is_better a value scores 1 + (how many cuts are below it), otherwise
    5 − (how many cuts are at or below it). Non-empty `ordered` only."""
    n = len(ordered)
    if higher_is_better:
        return [ordered[i] for i in quintile_places(n)]
    return sorted(ordered[n - 1 - i] for i in quintile_places(n))


def quintile_places(n: int) -> list[int]:
    """Where quintile_cuts reads its four cuts among n values in order, best last (0-based):
    place ⌈k·n/5⌉ − 1, k = 1…4. A lower-is-better value (recency in days) is read at the
    same places counted from the other end."""
    return [-(-k * n // 5) - 1 for k in range(1, 5)]


def expand(counted: Iterable[tuple[Any, int]]) -> list[Any]:
    """Values given as (value, how many times) as the list of them all, in the given order."""
    out: list[Any] = []
    for value, n in counted:
        out += [value] * n
    return out


def rfm_segment(r: int, f: int, m: int) -> str:
    """The named segment of an RFM score; fm is the mean of frequency and monetary.

    champions: r ≥ 4 and fm ≥ 4     loyal: r ≥ 3 and fm ≥ 3
    promising: r ≥ 3 (recent, small) at risk: r ≤ 2 and fm ≥ 3 (valuable, gone quiet)
    hibernating: r = 2               lost: r = 1
    """
    fm = (f + m) / 2
    if r >= 4 and fm >= 4:
        return "champions"
    if r >= 3 and fm >= 3:
        return "loyal"
    if r >= 3:
        return "promising"
    if fm >= 3:
        return "at risk"
    return "hibernating" if r == 2 else "lost"


# Every (r, f, m) named once: a big book scores tens of thousands of customers.
SEGMENT_OF = {(r, f, m): rfm_segment(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}

# A buying customer, as the store hands it over (a plain tuple: a big book has 70,000):
# (customer_id, customer name or None, revenue in cents, purchases, days since the last purchase).
Buyer = tuple[int, Any, int, int, int]


def rfm_scores(buyers: Sequence[Buyer]) -> list[tuple[int, int, int]]:
    """(r, f, m) per buyer: recency by the days since the last purchase (fewer is better),
    frequency by purchases, monetary by revenue."""
    rs = quintile_scores([b[4] for b in buyers], higher_is_better=False)
    fs = quintile_scores([b[3] for b in buyers])
    ms = quintile_scores([b[2] for b in buyers])
    return list(zip(rs, fs, ms))


def rfm_place(buyer: Buyer) -> tuple[int, int, int, int]:
    """Where a buyer stands in the value report's RFM rows: highest revenue first; at equal
    revenue the customer who bought more often, then more recently, then the newest customer
    (the order in which SQLite reads its index of buyers backwards: store/reports.py's
    rfm_json, schema 0010)."""
    cid, _, cents, purchases, recency = buyer
    return -cents, -purchases, recency, -cid


def rfm(buyers: Sequence[Buyer], scores: Sequence[tuple[int, int, int]] | None = None) -> list[dict[str, Any]]:
    """RFM rows in rfm_place order, from buyers in customer-id order."""
    scores = rfm_scores(buyers) if scores is None else scores
    order = sorted(range(len(buyers)), key=lambda i: rfm_place(buyers[i]))
    segment = SEGMENT_OF
    out = []
    append = out.append
    for i in order:
        cid, name, cents, purchases, recency = buyers[i]
        r, f, m = score = scores[i]
        append({"customer_id": cid, "customer": name, "recency": recency, "frequency": purchases,
                "monetary": cents / 100, "r": r, "f": f, "m": m, "segment": segment[score]})
    return out


def rfm_summary(buyers: Sequence[Buyer], scores: Sequence[tuple[int, int, int]] | None = None
                ) -> dict[str, dict[str, Any]]:
    """Customers and revenue (cents) per named segment, for the terminal table."""
    scores = rfm_scores(buyers) if scores is None else scores
    customers: dict[tuple[int, int, int], int] = {}
    cents: dict[tuple[int, int, int], int] = {}
    for b, score in zip(buyers, scores):
        customers[score] = customers.get(score, 0) + 1
        cents[score] = cents.get(score, 0) + b[2]
    out = {name: {"customers": 0, "cents": 0} for name in SEGMENTS}
    for score, n in customers.items():
        seg = out[SEGMENT_OF[score]]
        seg["customers"] += n
        seg["cents"] += cents[score]
    return out


def top_count(customers: int, share: float = 0.2) -> int:
    """How many customers make the top `share` (at least one when there are any)."""
    return max(1, int(customers * share)) if customers else 0


def top_share(cents_desc: Sequence[int], share: float = 0.2) -> float | None:
    """The fraction of revenue from the top `share` of customers (the 80/20 check)."""
    total = sum(cents_desc)
    if not total:
        return None
    return sum(cents_desc[: top_count(len(cents_desc), share)]) / total


def pareto(cents_desc: Sequence[int], parts: int = 10) -> list[dict[str, Any]]:
    """Revenue by tenths of the customers, best first, with the running share."""
    n, total = len(cents_desc), sum(cents_desc)
    out, running, start = [], 0, 0
    if not n or not total:
        return out
    for i in range(1, parts + 1):
        end = round(n * i / parts)
        if end <= start:
            continue
        cents = sum(cents_desc[start:end])
        running += cents
        out.append({"customers_share": end / n, "customers": end - start, "cents": cents,
                    "share": cents / total, "cumulative": running / total})
        start = end
    return out


# -- win-back (seed 001: fight for the valuable, be opportunistic, let small ones go) ---

WINBACK_BANDS = ("high", "ordinary", "small")
TREATMENTS = {
    "high": "Fight for it: find out why it left, fix the cause, meet the decision-maker and make an offer.",
    "ordinary": "Be opportunistic: keep in light touch and act when news or an offer gives a reason.",
    "small": "Let it go: no active win-back effort; keep it on mailings.",
}


def value_cuts(cents: Sequence[int]) -> tuple[int | None, float | None]:
    """(the lifetime value that puts a customer in the top 20%, the median lifetime value)
    over the customers who bought anything."""
    values = sorted((c for c in cents if c > 0), reverse=True)
    if not values:
        return None, None
    return values[top_count(len(values)) - 1], middle(values)


def winback_band(cents: int, tier: str, cuts: tuple[int | None, float | None]) -> str:
    """high: a gold customer, or one in the book's top 20% by lifetime value;
    small: an iron or lead customer worth less than the median; ordinary: the rest."""
    high_cut, mid = cuts
    if tier == "gold" or (high_cut is not None and cents > 0 and cents >= high_cut):
        return "high"
    if tier in ("iron", "lead") and (mid is None or cents < mid):
        return "small"
    return "ordinary"


# -- ladder ------------------------------------------------------------------------

def ladder_rank(stage: str | None) -> int:
    """Height on the loyalty ladder; `lost` is below its first rung."""
    return LADDER.index(stage) if stage in LADDER else -1


def direction(before: str | None, after: str) -> int:
    """+1 a move up the ladder, -1 down (to lost included), 0 neither."""
    if before is None or before == after:
        return 0
    return 1 if ladder_rank(after) > ladder_rank(before) else -1


# -- coverage (seed 000: single-threaded accounts) -------------------------------------

# The words of the coverage report, one place for both writers of them: `coverage` and
# `coverage_report` here, and the SQL that writes a big book's JSON (store/coverage.py).
ONE_STAKEHOLDER, NO_DECISION_MAKER, LOW_DECISION_MAKER = (
    "one stakeholder", "no decision-maker", "decision-maker below partner")
NOBODY = (["no stakeholders", "no decision-maker"], "nobody known there — find the decision-maker and the buyer")
WIDEN = "only {sole} ({role}) — widen"  # the sole stakeholder; role: NO_ROLE when none
FIND_DECISION_MAKER = "no decision-maker known — find who signs off"
DEEPEN = "deepen {dm} (decision-maker, {level}) to partner"  # level: NO_LEVEL when none
NO_ROLE, NO_LEVEL = "no role", "no level"
ADVICE_SEPARATOR = "; "

# The problems of an account and the advice for them, by (one stakeholder, no decision-maker,
# decision-maker below partner): the rule, written once for the three writers. One shared
# problems list per combination (a big book lists 70,000 accounts; nobody edits them); the
# advice a template of the fields {sole}, {role}, {dm} and {level}.
PROBLEMS = {
    (one, none, low): [p for p, on in ((ONE_STAKEHOLDER, one), (NO_DECISION_MAKER, none),
                                       (LOW_DECISION_MAKER, low)) if on]
    for one in (False, True) for none in (False, True) for low in (False, True)
}
ADVICE = {
    (one, none, low): ADVICE_SEPARATOR.join(
        ([WIDEN] if one else []) + ([FIND_DECISION_MAKER] if none else [DEEPEN] if low else []))
    for one, none, low in PROBLEMS
}


def coverage(stakeholders: int, decision_makers: int, only: tuple[str, str | None] | None,
             best_dm: tuple[str, str | None] | None) -> tuple[list[str], str]:
    """The problems of a company account's coverage and what to do next ([] when well covered).

    `only` is (name, role) of the single stakeholder; `best_dm` (name, level) of
    the decision-maker with the deepest relationship.
    """
    if stakeholders == 0:
        return list(NOBODY[0]), NOBODY[1]
    one = stakeholders == 1 and only is not None
    none = decision_makers == 0
    low = not none and best_dm is not None and LEVEL_RANK.get(best_dm[1], -1) < PARTNER_RANK  # type: ignore[arg-type]
    sole, role = only if one and only else (None, None)
    dm, level = best_dm if low and best_dm else (None, None)
    return (list(PROBLEMS[one, none, low]),
            ADVICE[one, none, low].format(sole=sole, role=role or NO_ROLE, dm=dm, level=level or NO_LEVEL))


# -- activity ------------------------------------------------------------------------

def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def week_starts(on: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first, the last one holding `on`."""
    last = week_start(on)
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


# -- the reports' JSON, from the store's aggregate rows -------------------------------------

_NOBODY = coverage(0, 0, None, None)


def coverage_report(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The coverage JSON from the store's tuples (customer_id, customer, tier, stakeholders,
    decision_makers, only_name, only_role, dm_name, dm_rank, cents); dm_rank indexes
    LEVEL_ORDER (-1: no level). The problems and advice are `coverage`'s, tested equal on
    every combination; written out here, as this runs once per listed account."""
    out = []
    append = out.append
    nobody_problems, nobody_advice = _NOBODY
    problems_of = PROBLEMS
    levels = LEVEL_ORDER
    partner = PARTNER_RANK
    advice_of = ADVICE
    for cid, name, tier, n, dms, only_name, only_role, dm_name, dm_rank, cents in rows:
        if n == 0:
            problems, advice = nobody_problems, nobody_advice
        else:
            one = n == 1
            none = dms == 0
            low = not none and dm_name is not None and dm_rank < partner
            if not (one or none or low):
                continue
            problems = problems_of[one, none, low]
            advice = advice_of[one, none, low].format(
                sole=only_name, role=only_role or NO_ROLE, dm=dm_name,
                level=levels[dm_rank] if dm_rank >= 0 else NO_LEVEL)
        append({"customer_id": cid, "customer": name, "tier": tier, "stakeholders": n,
                "problems": problems, "advice": advice, "value": (cents or 0) / 100})
    return out


def ladder_report(counts: dict[str, int], moves: Sequence[dict[str, Any]],
                  since: date, on: date) -> dict[str, Any]:
    """Customers per stage, median days spent in each, and moves up and down the ladder.

    `moves` rows are (before, after, days, n): the stage changes of the period, and how
    many days the stage they ended had lasted. A stage's median is over the stays that
    ended in the period (customers who moved on from it); None when nobody did.
    """
    stays: dict[str, list[tuple[int, int]]] = {}
    up = down = 0
    for m in moves:
        step = direction(m["before"], m["after"])
        up += int(m["n"]) if step > 0 else 0
        down += int(m["n"]) if step < 0 else 0
        if m["before"] != m["after"] and m["days"] is not None:
            stays.setdefault(m["before"], []).append((int(m["days"]), int(m["n"])))
    stages = [{"stage": s, "customers": counts.get(s, 0),
               "median_days": _plain(median_of_counts(stays.get(s, [])))} for s in (*LADDER, "lost")]
    return {"since": since.isoformat(), "until": on.isoformat(), "stages": stages, "up": up, "down": down}


def median_of_counts(pairs: Sequence[tuple[float, int]]) -> float | None:
    """The median of values given as (value, how many times)."""
    total = sum(n for _, n in pairs)
    if not total:
        return None
    ordered = sorted(pairs)
    middle = [(total - 1) // 2, total // 2]  # 0-based positions of the middle value(s)
    found: list[float] = []
    seen = 0
    for value, n in ordered:
        while middle and middle[0] < seen + n:
            found.append(value)
            middle.pop(0)
        seen += n
    return sum(found) / len(found)


def _plain(value: float | None) -> float | int | None:
    """7.0 → 7 (a median of whole days is whole unless it falls between two)."""
    if value is None:
        return None
    return int(value) if value == int(value) else value


def churn_report(rows: Sequence[dict[str, Any]], since: date, until: date) -> dict[str, Any]:
    at_start = sum(int(r["at_start"]) for r in rows)
    lost = sum(int(r["lost"] or 0) for r in rows)
    churn = rate(lost, at_start)
    by_tier = {}
    for r in sorted(rows, key=lambda r: TIER_ORDER.get(r["tier"], 99)):
        n, gone = int(r["at_start"]), int(r["lost"] or 0)
        by_tier[r["tier"]] = {"at_start": n, "lost": gone, "churn_rate": rate(gone, n)}
    return {"since": since.isoformat(), "until": until.isoformat(), "at_start": at_start,
            "lost": lost, "churn_rate": churn, "retention_rate": None if churn is None else 1 - churn,
            "by_tier": by_tier}


def value_report(buyers: Sequence[Buyer], *, listed: bool = True
                 ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The value report's JSON (its `rfm` list only when `listed`), the Pareto tenths and
    the RFM segments' summary, from the buyers in customer-id order."""
    scores = rfm_scores(buyers)
    cents = sorted((b[2] for b in buyers), reverse=True)
    report = {"customers": len(buyers), "revenue": money(sum(cents)), "top20_share": top_share(cents),
              "rfm": rfm(buyers, scores) if listed else []}
    return report, pareto(cents), ({} if listed else rfm_summary(buyers, scores))


def value_cuts_of(cents: Sequence[tuple[int, int]], purchases: Sequence[tuple[int, int]],
                  days: Sequence[tuple[int, int]]) -> tuple[list[int], list[int], list[int]]:
    """The quintile cuts of recency (days), frequency and monetary (cents) that rfm_scores
    would use, from the buyers' values counted ((value, customers), any order): the same
    scores, without a row per buyer."""
    return (quintile_cuts(expand(sorted(days)), higher_is_better=False),
            quintile_cuts(expand(sorted(purchases))), quintile_cuts(expand(sorted(cents))))


def value_totals(customers: int, cents: int, top_cents: int) -> dict[str, Any]:
    """The value report's JSON but its rows, from the buyers' count, revenue and the revenue
    of the top 20% of them (top_count): what value_report says of the same buyers."""
    return {"customers": customers, "revenue": money(cents), "top20_share": rate(top_cents, cents)}


def value_summary(cents: Sequence[tuple[int, int]], grid: Sequence[Sequence[int]]
                  ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """value_report(buyers, listed=False) from counts instead of buyers: `cents` the buyers'
    revenues counted ((cents, customers)), `grid` rows (r, f, m, customers, cents) per score."""
    desc = expand(sorted(cents, reverse=True))
    report = {"customers": len(desc), "revenue": money(sum(desc)), "top20_share": top_share(desc), "rfm": []}
    out = {name: {"customers": 0, "cents": 0} for name in SEGMENTS}
    for r, f, m, n, total in grid:
        seg = out[SEGMENT_OF[int(r), int(f), int(m)]]
        seg["customers"] += int(n)
        seg["cents"] += int(total)
    return report, pareto(desc), out


def winback_report(lost: Sequence[dict[str, Any]], revenues: Sequence[int]) -> list[dict[str, Any]]:
    """Lost customers (with their lifetime `cents`), highest lifetime value first, with band
    and treatment; `revenues` is every buying customer's lifetime revenue in cents (the book
    the bands cut)."""
    cuts = value_cuts(revenues)
    rows = sorted(lost, key=lambda r: (-int(r["cents"]), TIER_ORDER.get(r["tier"], 99), r["customer_id"]))
    out = []
    for r in rows:
        cents = int(r["cents"])
        band = winback_band(cents, r["tier"], cuts)
        out.append({"customer_id": r["customer_id"], "customer": r["customer"],
                    "lifetime_value": money(cents), "lost_on": r["lost_on"], "band": band,
                    "treatment": TREATMENTS[band], "tier": r["tier"]})
    return out


def activity_report(day_rows: Sequence[dict[str, Any]], silent: Sequence[dict[str, Any]],
                    on: date, weeks: int) -> dict[str, Any]:
    starts = week_starts(on, weeks)
    table = {s: {"week_start": s.isoformat(), "contacts": 0, "by_channel": {}, "by_purpose": {}}
             for s in starts}
    weeks_of: dict[str, dict[str, Any] | None] = {}  # a day's week, found once per day
    for r in day_rows:
        day = r["date"]
        if day not in weeks_of:
            weeks_of[day] = table.get(week_start(date.fromisoformat(day)))
        week = weeks_of[day]
        if week is None:
            continue
        n = int(r["n"])
        week["contacts"] += n
        channel, purpose = r["channel"] or "unspecified", r["purpose"] or "unspecified"
        week["by_channel"][channel] = week["by_channel"].get(channel, 0) + n
        week["by_purpose"][purpose] = week["by_purpose"].get(purpose, 0) + n
    for week in table.values():
        week["by_channel"] = dict(sorted(week["by_channel"].items()))
        week["by_purpose"] = dict(sorted(week["by_purpose"].items()))
    quiet = []
    for r in silent:
        since = r["last_contact"] or r["since"]
        quiet.append({"customer_id": r["customer_id"], "customer": r["customer"],
                      "last_contact": r["last_contact"],
                      "days": (on - date.fromisoformat(since)).days})
    return {"weeks": list(table.values()), "longest_silent": quiet}
