"""Consistent copies of a SQLite book, through SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmcli.store.db import Database


def backup_sqlite(db: Database, target: Path) -> Path:
    """Copy the open book to `target` (mode 0600) while others may keep writing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    dest = sqlite3.connect(target)
    try:
        db._conn.backup(dest)
    finally:
        dest.close()
    return target
