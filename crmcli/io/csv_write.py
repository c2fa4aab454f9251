"""Writing CSV for people and their spreadsheets: exports and the rejects of an import.

A plain export is UTF-8 with LF line ends: what crm, scripts and
`crm import` read back unchanged. `--excel` writes what Excel opens right:
a UTF-8 BOM (so Chinese text is not garbled), CRLF line ends, and every cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return prefixed with
`'`, so opening the file runs no formula (OWASP, CSV injection). crm's import
takes that `'` off again when it reads a file with a BOM.

Files are written to a temporary name beside the target and renamed at the
end: an interrupted export leaves no half file.
"""

from __future__ import annotations

import csv
import itertools
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from crmcli.errors import CrmError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_rows(out: IO[str], columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
               excel: bool = False, delimiter: str = ",") -> int:
    """The header and the rows (None written as empty); the number of rows written."""
    # csv quotes a cell only when it holds the delimiter, a quote or a character of the line
    # terminator: with "\n" alone, a lone "\r" in a note (an old Mac file's line break, or
    # typed) would go out bare and end the row there when the file is read back. So rows are
    # always formatted with "\r\n" (such cells get quoted) and, plain, written with "\n".
    writer = csv.writer(out if excel else _LfRows(out), delimiter=delimiter, lineterminator="\r\n")
    if excel:
        out.write("\ufeff")
        rows = ([neutralise(v) for v in row] for row in rows)
    writer.writerow(columns)
    # Counted without a Python loop: writerows pulls the rows through zip/map in C.
    counter = itertools.count()
    writer.writerows(map(itemgetter(0), zip(rows, counter)))
    return next(counter)


class _LfRows:
    """A stream for csv.writer whose rows, formatted with CRLF, are written with LF."""

    __slots__ = ("write",)

    def __init__(self, out: IO[str]) -> None:
        write = out.write
        self.write = lambda row: write(row[:-2] + "\n")


@contextmanager
def output(path: Path | None) -> Iterator[IO[str]]:
    """A text stream to `path` (written whole or not at all), or to stdout when None."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with binary_output(path) as raw, open(raw.fileno(), "w", encoding="utf-8", newline="",
                                          closefd=False) as fh:
        yield fh


@contextmanager
def binary_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary file at `path`, written to a temporary name and renamed when complete."""
    path = Path(path)
    if path.is_dir():
        raise CrmError(f"{path} is a folder; give -o a file name such as customers.csv.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CrmError(f"Cannot write {path}: the folder {folder} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise CrmError(f"Cannot write {path}: {e.strerror or e}.") from None
    ok = False
    try:
        with open(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
        ok = True
    finally:
        if not ok:
            with suppress(OSError):
                os.unlink(tmp)


class RejectsFile:
    """FILE.rejects.csv: the rows an import left out, as read, with a `reason` column.

    Written beside the source, in its delimiter, UTF-8 with a BOM so Excel
    opens it; fix the rows there and import the file again (crm ignores the
    `reason` column).
    """

    def __init__(self, path: Path, header: Sequence[str], delimiter: str = ",") -> None:
        self.path = Path(path)
        self.header = list(header)
        self.delimiter = delimiter
        self.count = 0
        self._fh: IO[str] | None = None
        self._tmp: str | None = None
        self._writer: Any = None

    def add(self, cells: Sequence[str] | None, reason: str, fields: dict | None = None) -> None:
        if self._fh is None:
            self._open()
        if cells is None:  # a record that came from another reader: its fields, by header
            cells = [str((fields or {}).get(h, "")) for h in self.header]
        self._writer.writerow([*cells, reason])
        self.count += 1

    def _open(self) -> None:
        folder = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        except OSError as e:
            raise CrmError(f"Cannot write {self.path}: {e.strerror or e}.") from None
        self._fh = open(fd, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._fh, delimiter=self.delimiter, lineterminator="\r\n")
        self._writer.writerow([*self.header, "reason"])

    def finish(self) -> Path | None:
        """Put the file in place; its path, or None when no row was rejected."""
        if self._fh is None:
            return None
        self._fh.close()
        self._fh = None
        assert self._tmp is not None
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._tmp:
            with suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None
