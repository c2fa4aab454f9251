"""How results look: tables and panels for people, JSON and CSV for scripts.

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
def err_console():
    """rich's console on stderr, for the progress bars of long imports and copies."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def width() -> int:
    """Columns to fill: the terminal's; piped, COLUMNS or 240 (wide lines rather than wrapped)."""
    if is_terminal():
        import shutil

        return shutil.get_terminal_size().columns
    return int(os.environ.get("COLUMNS", 0)) or 240


def styled() -> bool:
    """Colours and rules: on a terminal, unless NO_COLOR is set."""
    return is_terminal() and "NO_COLOR" not in os.environ


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column], *, title: str | None = None,
          styles: Mapping[str, Any] | None = None, caption: str | None = None) -> None:
    """Print rows as a table (CJK text aligned, long cells folded to the width: text_table)."""
    from crmcli import text_table

    rows = list(rows)
    drawn = text_table.lines(
        [header for _key, header in columns],
        [[cell(row.get(key)) for key, _ in columns] for row in rows],
        max_width=width(), boxed=styled(), title=title, caption=caption,
        row_styles=[styles.get(row.get("tier", "")) for row in rows] if styles else None)
    sys.stdout.write("\n".join(drawn) + "\n")


def line(text: str = "", style: str | None = None) -> None:
    """One line of text (a footer, a count); on a terminal in `style` ("dim") and wrapped."""
    from crmcli import text_table

    text = text_table.clean(text)
    if styled():
        start = text_table.sgr(style)
        text = "\n".join(f"{start}{part}\x1b[0m" if start and part else part
                         for part in text_table.wrap(text, width()))
    sys.stdout.write(text + "\n")


def counted(n: int, noun: str) -> str:
    """"1 customer", "70,857 customers": a count with its noun, singular for one."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def note(text: str) -> None:
    """A side remark (summaries, warnings) on stderr, so stdout stays clean for data."""
    sys.stdout.flush()
    sys.stderr.write(text + "\n")


def error(text: str) -> None:
    red = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    sys.stdout.flush()
    sys.stderr.write(f"\x1b[31mError: {text}\x1b[0m\n" if red else f"Error: {text}\n")


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
    """A record's fields as aligned `label  value` lines under a title (in a box on a terminal)."""
    from crmcli import text_table

    shown = [(label, cell(value)) for label, value in pairs if value not in (None, "", [])]
    drawn = text_table.panel(title, shown, max_width=width(), boxed=styled())
    sys.stdout.write("\n".join(drawn) + "\n")
