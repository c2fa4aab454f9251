"""Opening a CSV file the way reps have them, and streaming its rows with line numbers.

What real files look like: UTF-8 with or without a BOM (Excel's "CSV UTF-8"),
GB18030/GBK (what Chinese-locale Excel saves as plain "CSV"), UTF-16 with a
BOM (Excel's "Unicode text", tab-separated); commas, semicolons (European
Excel, sometimes with a first line `sep=;`) or tabs; CRLF, LF or CR line
endings. All are detected; `encoding=` overrides the guess.

Before a single row is read, one pass over the bytes computes the file's
SHA-256 (import batches record it) and checks that every byte decodes, so a
bad byte is refused up front with its line number, and nothing is written.
The rows themselves are then streamed: memory stays flat however large the
file. Every refusal is a CrmError naming the file (and the line).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from crmcli.errors import CrmError

READ_CHUNK = 1 << 20
SAMPLE_LINES = 20
# A cell longer than this is a missing closing quote eating the file, not data.
CSV_FIELD_LIMIT = 1 << 22
# Fed to the reader after the file's last line. Where a quoted cell is still open there (a
# runaway quote), the marker's `"` closes it and the marker ends up in that cell; otherwise it
# reads as a record of its own. Either way the last record tells (one substring test a row).
_EOF_MARK = "\ue000crm-end-of-file\ue000"
_EOF_LINE = f'"{_EOF_MARK}\n'
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gb18030": "GB18030",
                   "utf-16": "UTF-16", "utf-32": "UTF-32"}
_SEP_LINE = re.compile(r'^"?sep=(.)"?\s*$', re.IGNORECASE)
_SIGNATURES = (
    (b"PK\x03\x04", "is an Excel workbook (.xlsx) or another zip file, not CSV; in Excel use "
                    "File > Save As > CSV UTF-8, then import that file"),
    (b"\xd0\xcf\x11\xe0", "is an old Excel workbook (.xls), not CSV; in Excel use "
                          "File > Save As > CSV UTF-8, then import that file"),
    (b"%PDF", "is a PDF document, not CSV"),
    (b"SQLite format 3\x00", "is an SQLite database, not CSV"),
)


def display_name(path: Path | str) -> str:
    return str(path)


def check_readable(path: Path) -> int:
    """The file's size, or a CrmError saying why it cannot be read."""
    name = display_name(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise CrmError(f"There is no file {name}; check the path and the name.") from None
    except OSError as e:
        raise CrmError(f"Cannot read {name}: {e.strerror or e}.") from None
    if path.is_dir():
        raise CrmError(f"{name} is a folder, not a file; give the path of a .csv file.")
    if not os.access(path, os.R_OK):
        raise CrmError(f"Cannot read {name}: permission denied.")
    return st.st_size


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")  # noqa: SIM115 - the source closes it
    except PermissionError:
        raise CrmError(f"Cannot read {display_name(path)}: permission denied.") from None
    except OSError as e:
        raise CrmError(f"Cannot read {display_name(path)}: {e.strerror or e}.") from None


def file_head(path: Path, size: int = 4096) -> bytes:
    with _open_binary(path) as fh:
        return fh.read(size)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with _open_binary(path) as fh:
        while chunk := fh.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- telling text from binary, and which text ----------------------------------------
def _binary_reason(head: bytes, nul_allowed: bool = False) -> str | None:
    for signature, reason in _SIGNATURES:
        if head.startswith(signature):
            return reason
    if nul_allowed or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13) or b == 127)
    if b"\x00" in head or controls > max(2, len(head) // 100):
        return "holds binary data, not text; export the sheet as CSV (comma-separated values)"
    return None


def _bom_codec(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


@dataclass
class _Scan:
    """One pass over the bytes: the digest, and where (if anywhere) decoding failed."""

    sha256: str = ""
    bad_offset: int | None = None
    bad_bytes: bytes = b""
    multibyte_before_bad: int = 0  # bytes - characters decoded before the failure


def _scan(path: Path, codec: str, digest: bool) -> _Scan:
    result = _Scan()
    hasher = hashlib.sha256() if digest else None
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    with _open_binary(path) as fh:
        while True:
            chunk = fh.read(READ_CHUNK)
            final = not chunk
            if hasher is not None and chunk:
                hasher.update(chunk)
            if result.bad_offset is None:
                pending = decoder.getstate()[0]
                try:
                    text = decoder.decode(chunk, final)
                    result.multibyte_before_bad += len(chunk) - len(text)
                except UnicodeDecodeError as e:
                    good = bytes(e.object[:e.start])
                    result.multibyte_before_bad += len(good) - len(good.decode(codec, "ignore"))
                    result.bad_offset = offset - len(pending) + e.start
                    result.bad_bytes = bytes(e.object[e.start:e.end + 2])[:4]
                    if hasher is None:
                        break
            offset += len(chunk)
            if final:
                break
    if hasher is not None:
        result.sha256 = hasher.hexdigest()
    return result


def _line_at(path: Path, offset: int, codec: str) -> int:
    """The line (1-based, any line ending) on which byte `offset` lies."""
    decoder = codecs.getincrementaldecoder(codec)("replace")
    lines, last_cr, left = 1, False, offset
    with _open_binary(path) as fh:
        while left > 0:
            chunk = fh.read(min(READ_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            text = decoder.decode(chunk)
            if not text:
                continue
            lines += text.count("\n") + text.count("\r") - text.count("\r\n")
            if last_cr and text.startswith("\n"):
                lines -= 1  # a CRLF split between two chunks
            last_cr = text.endswith("\r")
    return lines


def _looks_chinese(path: Path) -> bool:
    """Whether a file that decodes as GB18030 holds Chinese text rather than, say, cp1252 accents.

    In Chinese text nearly every two-byte character has its second byte in the
    GB2312 range (0xA1-0xFE); Western accented letters mis-read as GBK pair a
    high byte with a plain ASCII letter instead.
    """
    with _open_binary(path) as fh:
        sample = fh.read(1 << 16)
    text = sample.decode("gb18030", "ignore")
    pairs = gb2312 = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        encoded = ch.encode("gb18030")
        if len(encoded) == 2:
            pairs += 1
            gb2312 += encoded[1] >= 0xA1
    return pairs == 0 or gb2312 * 2 >= pairs


def detect_encoding(path: Path, head: bytes, encoding: str | None) -> tuple[str, str]:
    """(codec, sha256) for the file, after checking that every byte decodes with the codec."""
    name = display_name(path)
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            info = None
        # base64, rot13, zlib… are codecs too, but not text encodings: no CSV is written in them.
        if info is None or not getattr(info, "_is_text_encoding", True):
            raise CrmError(f"Unknown encoding {encoding!r}; give one such as utf-8, gb18030, "
                           "utf-16 or cp1252.") from None
        codec = info.name
        if codec == "utf-8" and head.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        if codec in ("utf-16-le", "utf-16-be") and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            codec = "utf-16"
        scan = _scan(path, codec, digest=True)
        if scan.bad_offset is not None:
            raise _undecodable(path, scan, codec, f"is not {encoding} text")
        return codec, scan.sha256
    bom = _bom_codec(head)
    codec = bom or "utf-8"
    scan = _scan(path, codec, digest=True)
    if scan.bad_offset is None:
        return codec, scan.sha256
    # UTF-8 that failed after plenty of good multi-byte text is UTF-8 with a bad byte;
    # otherwise it is most likely Chinese-locale Excel's GB18030.
    if bom or scan.multibyte_before_bad >= 16:
        raise _undecodable(path, scan, codec, "is not valid UTF-8 text")
    gb = _scan(path, "gb18030", digest=False)
    if gb.bad_offset is not None:
        raise _undecodable(path, gb, "gb18030", "is neither UTF-8 nor GB18030 (Chinese) text")
    if not _looks_chinese(path):
        line = _line_at(path, scan.bad_offset, "utf-8")
        raise CrmError(
            f"{name} line {line}: the text is neither UTF-8 nor Chinese (GB18030); if a Western "
            "Windows program saved it, give --encoding cp1252, or save it as CSV UTF-8."
        )
    return "gb18030", scan.sha256


def _undecodable(path: Path, scan: _Scan, codec: str, what: str) -> CrmError:
    assert scan.bad_offset is not None
    line = _line_at(path, scan.bad_offset, codec)
    shown = " ".join(f"{b:02X}" for b in scan.bad_bytes[:2])
    return CrmError(
        f"{display_name(path)} line {line}: the bytes {shown} cannot be read; the file {what}. "
        "Save it as CSV UTF-8, or name its encoding with --encoding (e.g. gb18030, utf-16, cp1252)."
    )


# -- delimiters -------------------------------------------------------------------------
def _count_outside_quotes(line: str, delimiter: str) -> int:
    if '"' not in line:
        return line.count(delimiter)
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def sniff_delimiter(lines: list[str]) -> str:
    """Comma, semicolon or tab: the one the header uses most (rows break ties)."""
    filled = [line for line in lines if line.strip()]
    if not filled:
        return ","
    header = filled[0]

    def score(d: str) -> tuple[int, int]:
        counts = [_count_outside_quotes(line, d) for line in filled[:SAMPLE_LINES]]
        consistent = sum(1 for c in counts[1:] if c == counts[0])
        return counts[0], consistent

    best = max(DELIMITERS, key=score)
    return best if _count_outside_quotes(header, best) else ","


# -- the source ---------------------------------------------------------------------
@dataclass
class CsvSource:
    """An open CSV file: its encoding, delimiter, header, and a stream of its rows."""

    path: Path
    encoding: str
    delimiter: str
    sha256: str
    size: int
    header: list[str] = field(default_factory=list)
    header_line: int = 0
    _binary: IO[bytes] | None = None
    _rows: _RowStream | None = None

    @property
    def name(self) -> str:
        return display_name(self.path)

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    @property
    def has_bom(self) -> bool:
        return self.encoding in ("utf-8-sig", "utf-16", "utf-32")

    def position(self) -> int:
        """Bytes read so far (for a progress bar)."""
        try:
            return self._binary.tell() if self._binary else 0
        except (OSError, ValueError):
            return 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line where the row starts, its cells) for every non-blank row after the header."""
        assert self._rows is not None
        return self._rows

    def close(self) -> None:
        if self._binary is not None:
            self._binary.close()
            self._binary = None

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_csv(path: Path, encoding: str | None = None) -> CsvSource:
    """Open a CSV file for import: checked, decoded, its delimiter and header found."""
    path = Path(path)
    size = check_readable(path)
    name = display_name(path)
    head = file_head(path, 1 << 16)
    if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise CrmError(f"{name} is empty: there is nothing to import.")
    # NULs are expected in UTF-16/32 text, with a BOM or when the user names the encoding.
    reason = _binary_reason(head, nul_allowed=bool(encoding))
    if reason:
        raise CrmError(f"{name} {reason}.")
    codec, digest = detect_encoding(path, head, encoding)
    binary = _open_binary(path)
    text = io.TextIOWrapper(binary, encoding=codec, newline="")
    source = CsvSource(path, codec, ",", digest, size, _binary=binary)
    try:
        _start(source, text)
    except BaseException:
        source.close()
        raise
    return source


def _start(source: CsvSource, text: io.TextIOWrapper) -> None:
    sample = list(itertools.islice(text, SAMPLE_LINES))
    skipped = 0
    if sample and sample[0].startswith("\ufeff"):
        sample[0] = sample[0][1:]
    if sample and (sep := _SEP_LINE.match(sample[0])):
        # Excel's `sep=;` first line names the delimiter; it is not the header.
        source.delimiter = sep.group(1)
        sample, skipped = sample[1:], 1
    else:
        source.delimiter = sniff_delimiter(sample)
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    records = _RowStream(source, itertools.chain(sample, text, (_EOF_LINE,)), skipped)
    for line, cells in records:
        source.header = [c.strip().lstrip("\ufeff").strip() for c in cells]
        source.header_line = line
        break
    else:
        raise CrmError(f"{source.name} is empty: it holds only blank lines, not even a header row.")
    source._rows = records


class Block(NamedTuple):
    """Rows read together (`_RowStream.chunk`): their lines, and their cells as rows, or (rows
    read the quick way) as columns, with the longest line, which no cell is longer than."""

    lines: list[int]
    rows: list[list[str]] | None
    columns: list[list[str]] | None = None
    longest: int | None = None


# What a blank row holds at most (str.isspace characters) besides its delimiters.
_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
           "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


class _RowStream:
    """The rows after the header, `(line where the row starts, cells)`: iterated one by one,
    or taken a chunk at a time (`chunk`). Both read the same lines, in turn."""

    def __init__(self, source: CsvSource, lines: Iterator[str], skipped: int) -> None:
        self.source, self.lines, self.skipped = source, lines, skipped
        self.line = 0  # lines read so far, after a `sep=` line
        self._rows = self._records(self._reader(lines))

    def _reader(self, lines: Iterable[str]) -> Any:
        return csv.reader(lines, delimiter=self.source.delimiter, quotechar='"', doublequote=True,
                          strict=False)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows

    def __next__(self) -> tuple[int, list[str]]:
        return next(self._rows)

    def _records(self, reader: Any) -> Iterator[tuple[int, list[str]]]:
        read = 0  # lines this reader has read (others may have read lines in between)
        skipped = self.skipped
        try:
            for cells in reader:  # one loop in C's iterator protocol: a million rows pass here
                start = self.line + 1
                self.line = start - 1 + reader.line_num - read
                read = reader.line_num
                # Not blank: some cell holds more than whitespace (one join and strip, in C).
                if cells and (cells[0].strip() or "".join(cells).strip()):
                    if _EOF_MARK in cells[-1]:
                        if cells[-1] == _EOF_LINE[1:]:
                            return  # the marker on its own: every quote in the file was closed
                        raise CrmError(f"{self.source.name} line {start + skipped}: a quoted cell "
                                       "opened here runs to the end of the file; is a closing "
                                       "quote (\") missing?")
                    yield start + skipped, cells
        except csv.Error as e:
            line = self.line + reader.line_num - read + skipped
            detail = str(e)
            if "field larger" in detail:
                detail = (f"a cell runs on for over {CSV_FIELD_LIMIT:,} characters; "
                          "is a closing quote (\") missing?")
            raise CrmError(f"{self.source.name} line {line}: {detail}.") from None

    def chunk(self, size: int) -> Block | None:
        """The next `size` rows (fewer at the end of the file; None after it), what iterating
        gives. Lines with no quote, no blank row and one width are split in C, column by
        column (most files); any other chunk goes through the csv reader, row by row."""
        lines = list(itertools.islice(self.lines, size))
        if not lines:
            return None
        block = "".join(lines)
        delimiter = self.source.delimiter
        if '"' not in block and "\x00" not in block and len(block) <= CSV_FIELD_LIMIT:
            ending = "\n"
            if "\r" in block:  # Windows line ends; lone CRs (or a mix): the reader
                crlf = block.count("\r\n")
                ending = "\r\n" if crlf == block.count("\r") == block.count("\n") else ""
            widths = set(map(str.count, lines, itertools.repeat(delimiter)))
            if ending and len(widths) == 1:
                width = widths.pop() + 1
                if block.endswith(ending):
                    block = block[:-len(ending)]
                cells = block.replace(ending, delimiter).split(delimiter)
                columns = [cells[i::width] for i in range(width)]
                # No blank row: each first cell holds something, else each line does.
                if len(cells) == width * len(lines) and (
                        all(map(str.strip, columns[0]))
                        or all(map(str.strip, lines, itertools.repeat(_SPACES + delimiter)))):
                    first = self.line + self.skipped + 1
                    self.line += len(lines)
                    return Block(list(range(first, first + len(lines))), None, columns,
                                 max(map(len, lines)))
        # The csv reader over these lines, then the next ones as long as a quoted cell runs on,
        # until the chunk has `size` rows that are not blank, or the file ends.
        pairs = list(itertools.islice(self._records(self._reader(itertools.chain(lines, self.lines))),
                                      size))
        if not pairs:
            return None
        return Block([line for line, _ in pairs], [cells for _, cells in pairs])
