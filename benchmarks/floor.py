"""The stack's floor: a minimal Typer app that runs one stdlib-sqlite3 query and prints a
20-row rich table (issue 3, Speed at scale).

    CRM_DB=/tmp/crm-100k.db python benchmarks/floor.py

What `crm due` cannot go below with Typer, rich and Python: interpreter start,
importing typer and rich, parsing one option (like crm's --db, also read from
CRM_DB), one indexed query on the same book, and a rich table of 20 rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False)


@app.command()
def main(db: Annotated[Path, typer.Option("--db", envvar="CRM_DB")]) -> None:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id, name, tier, stage, next_due, last_contact FROM customer "
        "WHERE next_due IS NOT NULL ORDER BY next_due LIMIT 20"
    ).fetchall()
    conn.close()
    table = Table(title="Due")
    for header in ("#", "Customer", "Tier", "Stage", "Due", "Last contact"):
        table.add_column(header)
    for row in rows:
        table.add_row(*(str(v or "") for v in row))
    Console().print(table)


if __name__ == "__main__":
    app()
