"""`crm segment`: customers grouped into a grid of bands and filtered, a cell's list, saved segments."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from crmcli import render
from crmcli.cli import charts
from crmcli.cli.options import AllReps, Json, OnDay, OwnerOpt
from crmcli.cli.session import session
from crmcli.core import segments as seg
from crmcli.core.dates import parse_date
from crmcli.errors import CrmError

By = Annotated[list[str] | None, typer.Option("--by", help=f"Group by a measure in bands (repeatable): {seg.BY_FORMS}.", show_default=False)]
Where = Annotated[list[str] | None, typer.Option("--where", help=f"Keep only customers that pass (repeatable): {seg.WHERE_FORMS}.", show_default=False)]


def segment(
    ctx: typer.Context, by: By = None, where: Where = None, on: OnDay = None,
    list_: Annotated[str | None, typer.Option("--list", metavar="CELL", help="List the customers of one cell, named by its bands joined by '/', e.g. '7+/high' ('all' without --by).", show_default=False)] = None,
    save: Annotated[str | None, typer.Option("--save", metavar="NAME", help="Keep this segment (and the --list cell) for `crm due --segment NAME`.", show_default=False)] = None,
    use: Annotated[str | None, typer.Option("--use", metavar="NAME", help="Start from a saved segment.", show_default=False)] = None,
    saved: Annotated[bool, typer.Option("--saved", help="List the saved segments.")] = False,
    delete: Annotated[str | None, typer.Option("--delete", metavar="NAME", help="Forget a saved segment.", show_default=False)] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N customers with --list (default 50 on the terminal; 0: all).", show_default=False)] = None,
    json_: Json = False, owner: OwnerOpt = None, all_: AllReps = False,
) -> None:
    """Group customers into a grid of bands (e.g. years since purchase × satisfaction) and filter them
    (on a team book: your customers unless --owner or --all)."""
    from crmcli.store import segments as store

    s = session(ctx)
    book = s.book_of(owner, all_)
    if saved:
        _show_saved(store.saved(s.db), json_)
        return
    if delete is not None:
        if not store.delete(s.db, delete.strip()):
            store.load(s.db, delete.strip())  # raises, naming the saved ones
        render.line(f"Forgot segment {delete.strip()!r}.")
        return
    if limit is not None and limit < 0:
        raise typer.BadParameter(f"--limit must be 0 (no limit) or a positive number, not {limit}.")
    spec = _spec(s, list(by or []), list(where or []), list_, use)
    day = parse_date(on, s.today) if on else s.today
    name = _name(save) if save is not None else None
    if spec.cell is not None:
        _show_cell(s, spec, day, limit, json_, book)
    else:
        _show_grid(s, spec, day, json_, book)
    if name is not None:  # after the grid: a segment that cannot be shown is not kept
        replaced = store.save(s.db, name, spec.definition())
        render.note(f"{'Replaced' if replaced else 'Saved'} segment {name!r}: "
                    f"{_describe(spec)}. Use it with `crm due --segment {name}`.")


def _spec(s, by: list[str], where: list[str], cell: str | None, use: str | None) -> seg.Spec:
    """The segment asked for: a saved one (--use) widened by the options given, checked."""
    from crmcli.store import segments as store

    if use is not None:
        kept = store.load(s.db, use.strip())
        by, where = list(kept.get("by", [])) + by, list(kept.get("where", [])) + where
        cell = cell if cell is not None else kept.get("cell")
    if not by and not where and cell is None:
        raise typer.BadParameter(f"Give at least one --by or --where, e.g. --by score:0,6,8; --by takes {seg.BY_FORMS}.")
    spec = seg.parse_spec(by, where, cell)
    remark = store.check_facts(s.db, spec)
    if remark:
        render.note(remark)
    return spec


def _name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > 60 or any(not ch.isprintable() for ch in name):
        raise CrmError(f"{text!r} is not a usable segment name; give a short name such as replace-soon.")
    return name


def _describe(spec: seg.Spec) -> str:
    parts = [f"by {d.text}" for d in spec.by] + [f"where {c.text}" for c in spec.where]
    if spec.cell is not None and spec.by:
        parts.append(f"cell {seg.cell_name(spec.cell)}")
    return ", ".join(parts) or "every customer"


def _show_saved(rows: list[dict], json_: bool) -> None:
    if json_:
        render.emit_json(rows)
        return
    if not rows:
        render.line("No saved segments; keep one with `crm segment --by … --save NAME`.")
        return
    render.table([{"name": r["name"], "by": "; ".join(r.get("by", [])), "where": "; ".join(r.get("where", [])),
                   "cell": r.get("cell") or ""} for r in rows],
                 [("name", "Segment"), ("by", "By"), ("where", "Where"), ("cell", "Cell")])


# -- the grid -------------------------------------------------------------------------

def _bands(spec: seg.Spec, counts: dict[tuple, int]) -> list[list[tuple[Any, str, str | None]]]:
    """Per dimension: (key in counts, label, range) of each band, fact texts found in the data."""
    out = []
    for i, dim in enumerate(spec.by):
        if dim.bands:
            out.append([(b.index, b.label, b.alias) for b in dim.bands])
            continue
        totals: dict[str, int] = {}
        for key, n in counts.items():
            totals[key[i]] = totals.get(key[i], 0) + n
        if len(totals) > seg.MAX_TEXT_BANDS:
            raise CrmError(f"fact:{dim.key} has {len(totals)} different values, too many for a grid; "
                           f"give cut points (fact:{dim.key}:0,6,8) if it is a number, or filter with "
                           f"--where fact:{dim.key}=VALUE.")
        out.append([(v, v, None) for v in sorted(totals, key=lambda v: (-totals[v], v))])
    return out


def grid_json(spec: seg.Spec, day: date, counts: dict[tuple, int], outside: int) -> dict[str, Any]:
    bands = _bands(spec, counts)
    cells = []
    for combo in _combinations(bands):
        key = tuple(b[0] for b in combo)
        labels = [b[1] for b in combo]
        cells.append({"cell": seg.cell_name(labels), "bands": labels, "count": counts.get(key, 0)})
    return {
        "on": day.isoformat(), "by": [d.text for d in spec.by], "where": [c.text for c in spec.where],
        "dimensions": [{"by": d.text, "title": d.title,
                        "bands": [{"label": b[1], "range": b[2] or b[1]} for b in bands[i]]}
                       for i, d in enumerate(spec.by)],
        "cells": cells, "total": sum(counts.values()), "outside": outside,
    }


def _combinations(bands: list[list]) -> list[tuple]:
    combos: list[tuple] = [()]
    for options in bands:
        combos = [c + (b,) for c in combos for b in options]
    return combos


def _show_grid(s, spec: seg.Spec, day: date, json_: bool, owner: str | None = None) -> None:
    from crmcli.store import segments as store

    counts, outside = store.grid(s.db, spec, day, s.today, owner)
    data = grid_json(spec, day, counts, outside)
    if json_:
        render.emit_json(data)
        return
    filters = ", ".join(c.text for c in spec.where)
    if not spec.by:
        render.line(f"{render.counted(data['total'], 'customer')} on {day.isoformat()}" + (f" where {filters}" if filters else "") + ".")
        render.line("List them with --list all.", style="dim")
        return
    dims = data["dimensions"]
    largest = max((c["count"] for c in data["cells"]), default=0)
    if len(spec.by) == 2:
        _two_way(data, largest)
    else:
        t = charts.grid(title=f"Customers by {' × '.join(d['title'] for d in dims)} on {day.isoformat()}")
        for d in dims:
            t.add_column(d["title"])
        t.add_column("Customers", justify="right")
        t.add_column("")
        for c in data["cells"]:
            t.add_row(*(charts.text(b) for b in c["bands"]), str(c["count"]), charts.bar(c["count"], largest, 30))
        charts.show(t)
    notes = [f"{render.counted(data['total'], 'customer')} in the grid"]
    if filters:
        notes.append(f"where {filters}")
    if outside:
        notes.append(f"{outside} more match but fall outside the bands")
    render.line("; ".join(notes) + ".")
    if data["total"]:
        example = max(data["cells"], key=lambda c: c["count"])["cell"]
        render.line(f"See a cell's customers: add --list '{example}'.", style="dim")


def _two_way(data: dict, largest: int) -> None:
    rows_dim, cols_dim = data["dimensions"]
    by_cell = {tuple(c["bands"]): c["count"] for c in data["cells"]}
    t = charts.grid(title=f"Customers by {rows_dim['title']} (rows) × {cols_dim['title']} (columns) on {data['on']}")
    t.add_column(rows_dim["title"])
    for b in cols_dim["bands"]:
        header = b["label"] if b["range"] == b["label"] else f"{b['label']} ({b['range']})"
        t.add_column(header, justify="right")
    t.add_column("total", justify="right")
    for rb in rows_dim["bands"]:
        label = rb["label"] if rb["range"] == rb["label"] else f"{rb['label']} ({rb['range']})"
        cells = []
        for cb in cols_dim["bands"]:
            n = by_cell.get((rb["label"], cb["label"]), 0)
            cells.append(charts.text(f" {n} ", charts.heat(n, largest)))
        total = sum(by_cell.get((rb["label"], cb["label"]), 0) for cb in cols_dim["bands"])
        t.add_row(charts.text(label), *cells, str(total))
    # " n " like the heat cells above them, so that the totals line up under their counts.
    col_totals = [f" {sum(by_cell.get((rb['label'], cb['label']), 0) for rb in rows_dim['bands'])} "
                  for cb in cols_dim["bands"]]
    t.add_row("total", *col_totals, str(data["total"]), style="bold" if render.is_terminal() else None)
    charts.show(t)


# -- one cell's customers --------------------------------------------------------------

def _shown(dim: seg.Dimension, value: Any, day: date) -> Any:
    """A listed customer's measure: whole years/days for the since-measures, else the value."""
    if value is None:
        return None
    if dim.measure in seg.SINCE_MEASURES:
        return seg.whole_units_since(dim.measure, date.fromisoformat(value), day)
    return value


def _show_cell(s, spec: seg.Spec, day: date, limit: int | None, json_: bool,
               owner: str | None = None) -> None:
    from crmcli.store import segments as store

    labels = spec.cell or ()
    shown = limit if (limit is not None or json_) else 50
    rows, total = store.cell_customers(s.db, spec, labels, day, s.today, shown or None, owner)
    cell = seg.cell_name(labels)
    keys = [d.text.split(":")[0] if d.measure != "fact" else f"fact:{d.key}" for d in spec.by]
    items = [{"customer_id": r["id"], "customer": r["name"], "tier": r["tier"], "stage": r["stage"],
              "last_contact": r["last_contact"], "cell": cell,
              "values": {k: _shown(d, r[f"v{i}"], day) for i, (k, d) in enumerate(zip(keys, spec.by))}}
             for r in rows]
    if json_:
        render.emit_json(items)
        return
    if not items:
        render.line(f"No customers in cell {cell!r} on {day.isoformat()}.")
        return
    columns = [("customer_id", "ID"), ("customer", "Customer"), ("tier", "Tier"), ("stage", "Stage")]
    columns += [(f"_v{i}", _header(d)) for i, d in enumerate(spec.by)]
    columns.append(("last_contact", "Last contact"))
    table_rows = [{**it, **{f"_v{i}": _cell_text(d, r[f"v{i}"], day) for i, d in enumerate(spec.by)}}
                  for it, r in zip(items, rows)]
    charts.heading(f"Cell {cell} on {day.isoformat()} ({render.counted(total, 'customer')})")
    render.table(table_rows, columns, styles=render.TIER_STYLE)
    if total > len(items):
        render.line(f"{total - len(items)} more; see them all with --limit 0.", style="dim")


def _header(dim: seg.Dimension) -> str:
    return {"years-since-purchase": "Last purchase", "days-since-contact": "Last contact (days)"}.get(
        dim.measure, dim.title)


def _cell_text(dim: seg.Dimension, value: Any, day: date) -> str:
    if value is None:
        return ""
    if dim.measure == "years-since-purchase":
        return f"{value} ({seg.whole_units_since(dim.measure, date.fromisoformat(value), day)}y)"
    if dim.measure == "days-since-contact":
        return f"{seg.whole_units_since(dim.measure, date.fromisoformat(value), day)}"
    if isinstance(value, float):
        return seg.num(value)
    return str(value)
