"""How results look: rich tables and panels for people, JSON and CSV for scripts.

Core and store return plain data (dicts, lists); commands hand it here.
On a terminal, tables have colour and borders; piped or with NO_COLOR,
they are plain text with no box-drawing, and wide enough not to wrap.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

Column = tuple[str, str]  # (key in the row, header shown)

TIER_STYLE = {"gold": "bold yellow", "silver": "bright_white", "iron": "cyan", "lead": "dim"}


def is_terminal() -> bool:
    return sys.stdout.isatty()


def is_interactive() -> bool:
    """Prompts only when a person is at both ends (never in pipes, scripts or tests)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@lru_cache(maxsize=1)
def console():  # -> rich.console.Console
    from rich.console import Console

    if is_terminal():
        return Console(highlight=False, emoji=False)
    # Piped: no colour, and wide lines rather than wrapped ones.
    return Console(highlight=False, emoji=False, no_color=True, width=int(os.environ.get("COLUMNS", 0)) or 240,
                   color_system=None, force_terminal=False)


@lru_cache(maxsize=1)
def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column], *, title: str | None = None,
          styles: Mapping[str, Any] | None = None, caption: str | None = None) -> None:
    """Print rows as a table (CJK text aligned: rich measures cell widths)."""
    from rich import box
    from rich.table import Table

    plain = not is_terminal() or "NO_COLOR" in os.environ
    t = Table(title=title, caption=caption, box=None if plain else box.SIMPLE_HEAD,
              show_edge=False, pad_edge=False, header_style="" if plain else "bold",
              title_justify="left", caption_justify="left")
    for _key, header in columns:
        t.add_column(header, overflow="fold")
    for row in rows:
        style = styles.get(row.get("tier", "")) if styles else None
        t.add_row(*(cell(row.get(key)) for key, _ in columns), style=None if plain else style)
    console().print(t)


def line(text: str = "", style: str | None = None) -> None:
    console().print(text, style=None if not is_terminal() else style, markup=False, highlight=False)


def markup(text: str) -> None:
    """Print text with rich markup ([bold]…[/]); plain when piped."""
    console().print(text)


def note(text: str) -> None:
    """A side remark (summaries, warnings) on stderr, so stdout stays clean for data."""
    err_console().print(text, markup=False, highlight=False)


def error(text: str) -> None:
    err_console().print(f"Error: {text}", markup=False, highlight=False, style="red" if sys.stderr.isatty() else None)


# Piped JSON larger than this is written compact, on one line: indenting runs Python's pure-Python
# encoder (the C one only writes compact JSON), ~3x slower on a report's 70,000 rows; a program
# reading the output does not need the indentation.
COMPACT_JSON_CHARS = 64_000


def emit_json(data: Any) -> None:
    """JSON on stdout: indented by 2 on a terminal or when small, else compact (same data)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) <= COMPACT_JSON_CHARS or is_terminal():
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")


def emit_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out=None) -> None:
    out = out or sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


def fields_panel(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A record's fields as aligned `label  value` lines under a title."""
    from rich.table import Table

    t = Table.grid(padding=(0, 2))
    t.add_column(style="" if not is_terminal() else "bold")
    t.add_column(overflow="fold")
    for label, value in pairs:
        if value not in (None, "", []):
            t.add_row(label, cell(value))
    if is_terminal():
        from rich.panel import Panel

        console().print(Panel(t, title=title, title_align="left", expand=False))
    else:
        console().print(title)
        console().print(t)
