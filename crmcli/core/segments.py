"""Segment expressions (`crm segment --by … --where …`): parsed once, into plain data.

A segment groups customers along one or more measures cut into bands (seed 003:
years since the last purchase 5, 6, 7+ × satisfaction low/mid/high = nine cells)
and keeps only those that pass every filter. This module knows the grammar and
the band arithmetic; store/segments.py turns the parsed form into SQL.

--by (a measure and its bands):
    years-since-purchase:5,6,7      whole years since the last purchase; bands 5, 6, 7+
    days-since-contact:30,90,180    days since the last contact (never contacted: since joining)
    score:0,6,8                     the latest survey score (`log --score`); low, mid, high
    fact:KEY:0,6,8                  the latest value of a dated fact, as a number
    fact:KEY                        the latest value of a dated fact, as text (one band per value)
    tier | stage | kind             one band per value
  Cut points rise; each is the lower edge of a band (included), the next cut its
  upper edge (excluded), the last band is open. Values below the first cut are
  outside the grid. A cut may carry a name: `score:low=0,mid=6,high=8`; two or
  three bands of a score or fact are named low/(mid)/high unless named otherwise.

--where (a filter; all must hold):
    fact:KEY>=60000  fact:KEY=married  fact:KEY!=retired  fact:KEY (the fact is known)
    score<6  years-since-purchase>=5  days-since-contact>90  (>= > <= < = !=)
    tier=gold  tier=gold,silver  tier!=lead  stage=repeat,client  kind=person  tag=vip
    no-complaint (no open complaint)  open-complaint
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from crmcli.core import vocabulary as vocab
from crmcli.core.dates import add_months
from crmcli.core.facts import as_number, fact_key
from crmcli.errors import CrmError

# (No ":word:" in texts shown through rich: it would print an emoji, e.g. ":key:".)
BY_FORMS = ("years-since-purchase:5,6,7, days-since-contact:30,90, score:0,6,8, "
            "fact:satisfaction:0,6,8 (any fact key, as a number), fact:family (as text), "
            "tier, stage or kind")
WHERE_FORMS = ("fact:KEY>=N, fact:KEY=TEXT, fact:KEY, score<6, years-since-purchase>=5, "
               "days-since-contact>90, tier=gold, stage=repeat,client, kind=person, tag=X, "
               "no-complaint or open-complaint")
MAX_BANDS = 12
MAX_DIMENSIONS = 3
MAX_TEXT_BANDS = 40  # distinct text values of a fact shown as bands

# Measures counted in whole units since a date: (source of the date, unit).
SINCE_MEASURES = {"years-since-purchase": ("purchase", "years"),
                  "days-since-contact": ("contact", "days")}
NUMBER_MEASURES = ("score", "fact")
CATEGORIES = {"tier": vocab.TIERS, "stage": vocab.STAGES, "kind": vocab.KINDS}
FLAGS = {"no-complaint": "no-complaint", "open-complaint": "open-complaint",
         "complaint": "open-complaint", "no-open-complaint": "no-complaint"}
OPERATORS = (">=", "<=", "!=", "==", "=", ">", "<")
_OP_ALIASES = {"≥": ">=", "≤": "<=", "≠": "!=", "<>": "!=", "==": "="}
_DEFAULT_NAMES = {2: ("low", "high"), 3: ("low", "mid", "high")}
_NAME = re.compile(r"^[^\s/,=:<>!0-9+\-.][^\s/,=:<>!]*$")


@dataclass(frozen=True)
class Band:
    """One band of a measure: [low, high) for numbers, or one value for categories."""

    index: int
    label: str  # shown in the grid, accepted by --list
    low: float | None = None
    high: float | None = None
    value: str | None = None  # the category value (tier key, stage key, fact text)
    alias: str | None = None  # the numeric range, also accepted by --list when the band has a name

    def names(self) -> tuple[str, ...]:
        return (self.label,) if self.alias is None else (self.label, self.alias)


@dataclass(frozen=True)
class Dimension:
    """A --by expression: what is measured and its bands."""

    text: str  # canonical form, what --save keeps
    measure: str  # years-since-purchase | days-since-contact | score | fact | tier | stage | kind
    key: str | None = None  # the fact key
    bands: tuple[Band, ...] = ()  # empty for fact text: bands come from the data

    @property
    def title(self) -> str:
        if self.measure == "fact":
            return self.key or "fact"
        return self.measure.replace("-", " ")

    @property
    def numeric(self) -> bool:
        return self.measure in SINCE_MEASURES or (self.measure in NUMBER_MEASURES and bool(self.bands))

    @property
    def integral(self) -> bool:
        return self.measure in SINCE_MEASURES or self.measure == "score"

    def band_of(self, value: float | str | None) -> Band | None:
        """The band a measured value falls in, or None when it is outside the grid."""
        if value is None:
            return None
        if not self.numeric:
            text = str(value)
            for band in self.bands:
                if band.value == text:
                    return band
            return None
        number = float(value)
        for band in reversed(self.bands):
            if band.low is not None and number >= band.low:
                return band
        return None


@dataclass(frozen=True)
class Condition:
    """A --where expression."""

    text: str  # canonical form
    measure: str  # as Dimension.measure, or a flag (no-complaint, open-complaint), or tag
    key: str | None = None
    op: str | None = None  # one of = != >= > <= <; None: the fact is known / a flag
    values: tuple[str, ...] = ()  # category keys, a tag, or the fact text
    number: float | None = None  # the number compared with, for numeric measures


@dataclass(frozen=True)
class Spec:
    """A whole segment: its --by dimensions, its --where filters, and optionally one cell."""

    by: tuple[Dimension, ...] = ()
    where: tuple[Condition, ...] = ()
    cell: tuple[str, ...] | None = None  # band labels, one per dimension

    def definition(self) -> dict:
        """What --save stores (the expressions as text; parsed again when used)."""
        out: dict = {"by": [d.text for d in self.by], "where": [c.text for c in self.where]}
        if self.cell is not None:
            out["cell"] = "/".join(self.cell)
        return out


# -- numbers -----------------------------------------------------------------

def num(value: float) -> str:
    """A number as a rep writes it: 60000, not 60000.0; 6.5 stays 6.5."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _number(text: str, expression: str, forms: str, *, written: bool = False) -> float:
    """A number of an expression; `written`: also as a fact's value is read (60k, 1.2万, 65,000 km),
    so a fact is compared with the number its values are stored as."""
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        read = as_number(text) if written else None
        if read is not None:
            return read
        raise CrmError(f"{text.strip()!r} in {expression!r} is not a number; use {forms}.") from None
    if not math.isfinite(value):
        raise CrmError(f"{text.strip()!r} in {expression!r} is not a number; use {forms}.")
    return value + 0.0


# -- --by --------------------------------------------------------------------

def _split_measure(text: str, expression: str, forms: str) -> tuple[str, str | None, str | None]:
    """`measure[:key][:rest]` → (measure, fact key or None, rest or None)."""
    head, sep, rest = text.partition(":")
    measure = head.strip().casefold().replace("_", "-").replace(" ", "-")
    if measure == "fact":
        key_text, sep, rest2 = rest.partition(":")
        if not key_text.strip():
            raise CrmError(f"{expression!r} names no fact; write fact:KEY, e.g. fact:mileage. Accepted: {forms}.")
        return "fact", fact_key(key_text), (rest2 if sep else None)
    return measure, None, (rest if sep else None)


def _unknown_measure(measure: str, expression: str, forms: str) -> CrmError:
    return CrmError(f"Unknown measure {measure!r} in {expression!r}; use {forms}.")


def parse_by(text: str) -> Dimension:
    """One --by expression."""
    expression = str(text).strip()
    if not expression:
        raise CrmError(f"A --by expression must not be empty; use {BY_FORMS}.")
    measure, key, rest = _split_measure(expression, expression, BY_FORMS)
    if measure in CATEGORIES:
        if rest is not None and rest.strip():
            raise CrmError(f"{measure} takes no cut points ({expression!r}); write just --by {measure}.")
        words = CATEGORIES[measure]
        bands = tuple(Band(i, k, value=k) for i, k in enumerate(words.keys))
        return Dimension(measure, measure, None, bands)
    if measure not in SINCE_MEASURES and measure not in NUMBER_MEASURES:
        raise _unknown_measure(measure, expression, BY_FORMS)
    if measure == "fact" and (rest is None or not rest.strip()):
        return Dimension(f"fact:{key}", "fact", key, ())
    if rest is None or not rest.strip():
        example = "5,6,7" if measure == "years-since-purchase" else "30,90,180" if measure.startswith("days") else "0,6,8"
        raise CrmError(f"{measure} needs cut points, e.g. {measure}:{example}; use {BY_FORMS}.")
    bands = _bands(measure, rest, expression)
    prefix = f"fact:{key}" if measure == "fact" else measure
    named = any(b.alias is not None for b in bands) and (
        measure in SINCE_MEASURES or tuple(b.label for b in bands) != _auto_names(len(bands)))
    cuts = ",".join((f"{b.label}=" if named else "") + num(b.low or 0.0) for b in bands)
    return Dimension(f"{prefix}:{cuts}", measure, key, bands)


def _auto_names(count: int) -> tuple[str, ...]:
    return _DEFAULT_NAMES.get(count, ())


def _bands(measure: str, text: str, expression: str) -> tuple[Band, ...]:
    integral = measure in SINCE_MEASURES or measure == "score"
    parts = [p.strip() for p in text.split(",")]
    if any(not p for p in parts):
        raise CrmError(f"Empty cut point in {expression!r}; give rising numbers separated by commas, e.g. 0,6,8.")
    if len(parts) > MAX_BANDS:
        raise CrmError(f"{expression!r} has {len(parts)} cut points; {MAX_BANDS} is the most accepted.")
    names: list[str | None] = []
    cuts: list[float] = []
    for part in parts:
        name, eq, value = part.partition("=")
        if not eq:
            name, value = "", part
        name = name.strip()
        if eq and not _NAME.match(name):
            raise CrmError(f"Band name {name!r} in {expression!r} is not accepted; names start with a "
                           "letter and hold no spaces, '/', ',' or ':', e.g. score:low=0,mid=6,high=8.")
        cut = _number(value, expression, "rising numbers such as 0,6,8 or low=0,mid=6,high=8",
                      written=measure == "fact")
        if integral and cut != int(cut):
            raise CrmError(f"{measure} bands take whole numbers; {value.strip()!r} in {expression!r} is not one.")
        if measure in SINCE_MEASURES and cut < 0:
            raise CrmError(f"{measure} cut points must be 0 or more; {value.strip()!r} in {expression!r} is not.")
        names.append(name or None)
        cuts.append(cut)
    if any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise CrmError(f"Cut points must rise, each larger than the one before: {expression!r}; e.g. 0,6,8.")
    given = [n for n in names if n]
    if len({n.casefold() for n in given}) != len(given):
        raise CrmError(f"Band names repeat in {expression!r}; give each band its own name.")
    if given and len(given) != len(names):
        raise CrmError(f"Name every band or none in {expression!r}, e.g. low=0,mid=6,high=8.")
    if not given and measure in NUMBER_MEASURES:
        names = list(_auto_names(len(cuts))) or names
    bands = []
    for i, low in enumerate(cuts):
        high = cuts[i + 1] if i + 1 < len(cuts) else None
        rng = _range_label(low, high, integral)
        name = names[i]
        bands.append(Band(i, name or rng, low, high, alias=rng if name else None))
    return tuple(bands)


def _range_label(low: float, high: float | None, integral: bool) -> str:
    if high is None:
        return f"{num(low)}+"
    if integral:
        return num(low) if high == low + 1 else f"{num(low)}-{num(high - 1)}"
    return f"{num(low)}-<{num(high)}"


# -- --where -----------------------------------------------------------------

_OP_RE = re.compile(r"(>=|<=|!=|<>|==|≥|≤|≠|=|>|<)")


def parse_where(text: str) -> Condition:
    """One --where expression."""
    expression = str(text).strip()
    if not expression:
        raise CrmError(f"A --where expression must not be empty; use {WHERE_FORMS}.")
    flag = FLAGS.get(expression.casefold().replace("_", "-").replace(" ", "-"))
    if flag:
        return Condition(flag, flag)
    match = _OP_RE.search(expression)
    if not match:
        measure, key, rest = _split_measure(expression, expression, WHERE_FORMS)
        if measure == "fact" and rest is None:
            return Condition(f"fact:{key}", "fact", key)
        if measure in CATEGORIES or measure == "tag":
            raise CrmError(f"{expression!r} needs a value, e.g. {measure}={'vip' if measure == 'tag' else CATEGORIES[measure].keys[0]}; use {WHERE_FORMS}.")
        if measure in SINCE_MEASURES or measure in NUMBER_MEASURES:
            raise CrmError(f"{expression!r} needs a comparison, e.g. {measure}>=5; use {WHERE_FORMS}.")
        raise _unknown_measure(measure, expression, WHERE_FORMS)
    left, op, right = expression[:match.start()], match.group(1), expression[match.end():]
    op = _OP_ALIASES.get(op, op)
    right = right.strip()
    if not right:
        raise CrmError(f"{expression!r} compares with nothing; give a value after {op}. Accepted: {WHERE_FORMS}.")
    measure, key, rest = _split_measure(left.strip(), expression, WHERE_FORMS)
    if rest is not None:
        raise CrmError(f"Cannot read {expression!r}; use {WHERE_FORMS}.")
    if measure in CATEGORIES:
        return _category_condition(measure, op, right, expression)
    if measure == "tag":
        if op not in ("=", "!="):
            raise CrmError(f"A tag is compared with = or !=, not {op} ({expression!r}).")
        return Condition(f"tag{op}{right}", "tag", None, op, (right.casefold(),))
    if measure in SINCE_MEASURES or measure == "score":
        number = _number(right, expression, WHERE_FORMS)
        if number != int(number):
            raise CrmError(f"{measure} is compared with a whole number; {right!r} in {expression!r} is not one.")
        return Condition(f"{measure}{op}{num(number)}", measure, None, op, (), number)
    if measure == "fact":
        try:  # an order is between numbers as facts write them (60k, 1.2万); = keeps its text
            number = _number(right, expression, WHERE_FORMS, written=op not in ("=", "!="))
        except CrmError:
            number = None
        if number is not None:
            return Condition(f"fact:{key}{op}{num(number)}", "fact", key, op, (), number)
        if op not in ("=", "!="):
            raise CrmError(f"{right!r} is not a number, so fact:{key} can only be compared with = or != "
                           f"({expression!r}); e.g. fact:{key}>=60000 or fact:{key}=married.")
        return Condition(f"fact:{key}{op}{right}", "fact", key, op, (right.casefold(),))
    raise _unknown_measure(measure, expression, WHERE_FORMS)


def _category_condition(measure: str, op: str, right: str, expression: str) -> Condition:
    if op not in ("=", "!="):
        raise CrmError(f"{measure} is compared with = or != (one value or several, comma-separated), "
                       f"not {op} ({expression!r}).")
    words = CATEGORIES[measure]
    values = tuple(dict.fromkeys(words.parse(v) for v in right.split(",") if v.strip()))
    if not values:
        raise CrmError(f"{expression!r} names no {words.name}; use one of: {words.help()}.")
    return Condition(f"{measure}{op}{','.join(values)}", measure, None, op, values)


# -- the whole segment --------------------------------------------------------

def parse_spec(by: list[str] | tuple[str, ...] = (), where: list[str] | tuple[str, ...] = (),
               cell: str | None = None) -> Spec:
    dims = tuple(parse_by(b) for b in by)
    if len(dims) > MAX_DIMENSIONS:
        raise CrmError(f"At most {MAX_DIMENSIONS} --by measures are accepted; {len(dims)} were given.")
    titles = [d.text.split(":")[0] if d.measure != "fact" else f"fact:{d.key}" for d in dims]
    if len(set(titles)) != len(titles):
        raise CrmError("The same measure is given twice with --by; give each measure once.")
    conditions = tuple(parse_where(w) for w in where)
    spec = Spec(dims, conditions)
    if cell is not None:
        spec = Spec(dims, conditions, parse_cell(spec, cell))
    return spec


_CELL_SPLIT = re.compile(r"\s*(?:/|,|×|\s+x\s+)\s*")


def parse_cell(spec: Spec, text: str) -> tuple[str, ...]:
    """A cell named by its band labels, one per --by, joined by '/': `7+/high`."""
    raw = str(text).strip().replace("–", "-")
    if not spec.by:
        if raw.casefold() in ("", "all", "*"):
            return ()
        raise CrmError(f"There is no grid without --by, so no cell {raw!r}; drop --list's CELL or give 'all'.")
    parts = [p for p in _CELL_SPLIT.split(raw)] if raw else []
    example = "/".join(d.bands[-1].label if d.bands else "VALUE" for d in spec.by)
    if len(parts) != len(spec.by):
        raise CrmError(f"A cell names one band per --by ({len(spec.by)}), joined by '/', "
                       f"e.g. {example!r}; {raw!r} does not.")
    labels = []
    for dim, part in zip(spec.by, parts):
        if not dim.bands:  # fact text: any value
            if not part:
                raise CrmError(f"Give the value of {dim.title} in the cell, e.g. {example!r}.")
            labels.append(part.casefold())
            continue
        found = next((b for b in dim.bands
                      if part.casefold() in (n.casefold() for n in b.names())), None)
        if found is None and dim.measure in CATEGORIES:
            key = CATEGORIES[dim.measure].parse(part)
            found = next(b for b in dim.bands if b.value == key)
        if found is None:
            accepted = ", ".join(b.label for b in dim.bands)
            raise CrmError(f"{part!r} is not a band of {dim.title}; its bands are {accepted}.")
        labels.append(found.label)
    return tuple(labels)


def cell_name(labels: tuple[str, ...] | list[str]) -> str:
    return "/".join(labels) if labels else "all"


# -- the dates the since-measures compare with ------------------------------------

def since_threshold(measure: str, count: float, on: date) -> date:
    """The latest date that is at least `count` whole units before `on`.

    `years-since-purchase >= 5` on 2026-11-25 means a last purchase on or
    before 2021-11-25; `days-since-contact >= 90` a last contact on or before
    2026-08-27.
    """
    unit = SINCE_MEASURES[measure][1]
    n = int(count)
    if unit == "years":
        return add_months(on, -12 * n)
    return on - timedelta(days=n)


def whole_units_since(measure: str, day: date, on: date) -> int:
    """Whole years (or days) from `day` to `on`: what years-since-purchase shows."""
    unit = SINCE_MEASURES[measure][1]
    if unit == "days":
        return (on - day).days
    years = on.year - day.year
    if add_months(day, 12 * years) > on:
        years -= 1
    return years
