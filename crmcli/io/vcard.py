"""vCard in and out: a phone's address book as contact records, stakeholders as vCard 3.0.

Reading (`read_cards`) streams: one physical line at a time, at most
`MAX_LINE` bytes of it kept, so a 5 MB base64 PHOTO or a file of 100,000 cards
costs no more memory than one card. It understands what real exports contain:
vCard 2.1, 3.0 and 4.0 (told apart by the content), folded lines,
QUOTED-PRINTABLE with soft line breaks (Android, Outlook), CHARSET= on any
property (UTF-8, Shift_JIS, GBK/GB18030, Big5, ...), escapes, item groups with
X-ABLabel (iPhone), TYPE= in the 2.1 and 3.0/4.0 forms, and the BDAY forms
phones write. Each card becomes `(line_of_BEGIN, {field: raw text})` with the
field names of the contacts CSV (core/records.py CONTACT_COLUMNS), so the one
import pipeline validates, de-duplicates and stores cards and CSV rows alike.

Writing (`write_cards`) produces vCard 3.0 (what phones import most
reliably): UTF-8, CRLF, lines folded at 75 octets without splitting a UTF-8
sequence, and crm's own fields as X-CRM-* properties that the reader maps back.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from crmcli.core.names import is_cjk
from crmcli.errors import CrmError

MAX_LINE = 1 << 20  # bytes of one line kept; only binary properties (photos) may be longer
MAX_VALUE = 1 << 20  # bytes of one unfolded text value
BINARY_PROPERTIES = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
VERSIONS = ("2.1", "3.0", "4.0")

# What phones and Outlook write in CHARSET=, mapped to the codec that decodes
# what they really mean (Shift_JIS files come from Windows and Japanese phones
# with the cp932 extensions; GB2312/GBK labels hide GB18030 text).
CHARSET_CODECS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j", "cp932"),
                    ("cp932",)),
    **dict.fromkeys(("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"),
                    ("gb18030",)),
    **dict.fromkeys(("big5", "x-big5", "cp950", "big5-hkscs", "big5hkscs"), ("cp950", "big5hkscs")),
}

# crm's own fields, written as X-CRM-* and read back.
CRM_PROPERTIES = {
    "X-CRM-ROLE": "role", "X-CRM-LEVEL": "level", "X-CRM-PREFERS": "prefers",
    "X-CRM-BEST-TIME": "best_time", "X-CRM-EVERY": "every", "X-CRM-IM": "im",
}
# Messenger ids that vendors write as X- properties; the first one becomes `im`.
IM_PROPERTIES = frozenset({
    "X-WECHAT", "X-QQ", "X-SKYPE", "X-SKYPE-USERNAME", "X-AIM", "X-JABBER", "X-MSN", "X-ICQ",
    "X-YAHOO", "X-GOOGLE-TALK", "X-GTALK", "X-LINE", "X-WHATSAPP", "X-TELEGRAM", "X-KAKAOTALK",
})
# Properties read (or knowingly skipped as noise); any other is counted in the report.
_USED = frozenset({"BEGIN", "END", "VERSION", "FN", "N", "ORG", "TITLE", "ROLE", "TEL", "EMAIL",
                   "BDAY", "NOTE", "IMPP", "X-ABLABEL", *CRM_PROPERTIES, *IM_PROPERTIES})
# Bookkeeping properties that carry nothing a rep would miss; not even reported.
_NOISE = frozenset({"PRODID", "REV", "UID", "SORT-STRING", "CLASS", "SOURCE", "KIND", "NAME",
                    "PROFILE", "X-ANDROID-CUSTOM-SYNC", "X-ABUID", "X-ABSHOWAS"})
_NAME = re.compile(r"^[A-Z0-9-]{1,80}$")
_MOBILE_LABELS = ("mobile", "cell", "iphone", "手机", "手機", "携帯", "移动电话", "行動電話", "휴대폰")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{1,20}:(?://)?", re.IGNORECASE)


# -- the report a reader fills in, for the import summary -------------------
@dataclass
class VCardReport:
    """What reading a file found besides the records: versions, skipped photos, unused properties."""

    cards: int = 0
    versions: Counter = field(default_factory=Counter)
    photos_skipped: int = 0
    ignored: Counter = field(default_factory=Counter)  # vendor X- and other unused properties

    def summary(self) -> list[str]:
        out = []
        if self.versions:
            versions = ", ".join(f"{v} ×{n}" for v, n in sorted(self.versions.items()))
            out.append(f"Read {self.cards} vCard{'s' if self.cards != 1 else ''} (version {versions}).")
        if self.photos_skipped:
            out.append(f"Skipped {self.photos_skipped} photo{'s' if self.photos_skipped != 1 else ''} "
                       "(crm keeps no pictures).")
        if self.ignored:
            names = ", ".join(f"{k} ×{n}" for k, n in self.ignored.most_common(12))
            more = len(self.ignored) - 12
            out.append(f"Ignored properties crm does not keep: {names}"
                       + (f" and {more} more." if more > 0 else "."))
        return out


class CardLine(int):
    """The line of a card's BEGIN:VCARD that also names the card: shown as "12 (card 3)".

    The import pipeline reports a record as `line {record.line}`; for a vCard
    this reads "line 12 (card 3)", while JSON and sorting still see the number.
    """

    card: int

    def __new__(cls, line: int, card: int) -> CardLine:
        self = super().__new__(cls, line)
        self.card = card
        return self

    def __str__(self) -> str:
        return f"{int(self)} (card {self.card})"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)

    def __repr__(self) -> str:
        return int.__repr__(self)


@dataclass
class _Prop:
    line: int
    group: str
    name: str
    types: set[str]
    pref: int | None  # lower is more preferred; None when not marked
    text: str  # decoded from its charset; escapes still in (unescape, or components for N/ORG)


# -- physical lines -----------------------------------------------------------
def _drop_rest(fh: IO[bytes], line: bytes) -> bytes:
    """The start of an over-long line (enough for its property name); the rest read and dropped."""
    while True:
        rest = fh.readline(1 << 16)
        if not rest or rest.endswith(b"\n"):
            return line[:4096]


class _Utf16ToUtf8(io.RawIOBase):
    """A UTF-16 file (Windows "Unicode" exports) read as UTF-8 bytes, a line at a time."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(fh, encoding="utf-16", newline="")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._text.readline(MAX_LINE // 4)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _open_binary(source: str | os.PathLike | IO) -> tuple[IO[bytes], bool]:
    """A binary file for `source` (a path or an open file) and whether we opened it."""
    if isinstance(source, (str, os.PathLike)):
        try:
            fh: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed by read_cards
        except OSError as e:
            raise CrmError(f"Cannot read {Path(source).name}: {e.strerror or e}.") from None
        opened = True
    else:
        fh, opened = getattr(source, "buffer", source), False
    if not hasattr(fh, "peek"):
        fh = io.BufferedReader(fh)  # type: ignore[arg-type]
    head = fh.peek(3)[:3]  # type: ignore[attr-defined]
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        fh = io.BufferedReader(_Utf16ToUtf8(fh))
    elif head == codecs.BOM_UTF8:
        fh.read(3)
    return fh, opened


# -- one property line ---------------------------------------------------------
def _split_unquoted(text: str, sep: str) -> list[str]:
    if '"' not in text:
        return text.split(sep)
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _colon(line: bytes) -> int:
    """Index of the colon ending NAME;PARAMS (colons inside quoted parameters do not count)."""
    first = line.find(b":")
    if first < 0 or b'"' not in line[:first]:
        return first
    quoted = False
    for i, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x3A and not quoted:
            return i
    return -1


@dataclass
class _Header:
    group: str
    name: str
    types: set[str]
    encoding: str | None
    charset: str | None
    value_type: str | None
    pref: int | None


def _header(text: str) -> _Header:
    name_part, *params = _split_unquoted(text, ";")
    group, _, name = name_part.strip().rpartition(".")
    types: set[str] = set()
    encoding = charset = value_type = None
    pref: int | None = None
    for param in params:
        key, eq, value = param.partition("=")
        key = key.strip()
        if not eq:  # vCard 2.1: a bare value (TEL;CELL;PREF, NOTE;QUOTED-PRINTABLE)
            bare = key.lower()
            if bare in ("quoted-printable", "base64", "b", "8bit", "7bit"):
                encoding = bare
            elif bare:
                types.add(bare)
            continue
        key, value = key.upper(), value.strip().strip('"')
        if key == "TYPE":
            types.update(t.strip().strip('"').lower() for t in value.split(",") if t.strip())
        elif key == "ENCODING":
            encoding = value.lower()
        elif key == "CHARSET":
            charset = value
        elif key == "VALUE":
            value_type = value.lower()
        elif key == "PREF":
            pref = int(value) if value.isdigit() else 1
    if "pref" in types:
        pref = 1 if pref is None else min(pref, 1)
    return _Header(group.lower(), name.upper(), types, encoding, charset, value_type, pref)


def _codec(charset: str) -> tuple[str, ...]:
    key = charset.strip().strip('"').lower()
    if key in CHARSET_CODECS:
        return CHARSET_CODECS[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        raise LookupError(charset) from None
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib: not a charset
        raise LookupError(charset)
    return (info.name,)


_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", ":": ":", "\\": "\\"}
_ESCAPE = re.compile(r"\\([nN,;:\\])")


def unescape(text: str) -> str:
    """`\\n`, `\\,`, `\\;`, `\\\\` as the characters they stand for; other backslashes kept."""
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text) if "\\" in text else text


def components(text: str) -> list[str]:
    """The `;`-separated parts of a structured value (N, ORG), each unescaped."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [unescape(p) for p in parts]


# -- the reader ---------------------------------------------------------------
class _Reader:
    def __init__(self, fh: IO[bytes], name: str, encoding: str | None, report: VCardReport) -> None:
        self.fh, self.name, self.report = fh, name, report
        self.encoding = encoding
        try:
            self.default_codecs = _codec(encoding) if encoding else ("utf-8",)
        except LookupError:
            raise CrmError(f"Unknown encoding {encoding!r}; give one such as utf-8, gb18030, "
                           "shift_jis or big5.") from None
        self.card = 0  # number of the card being read (1-based)
        self.card_line = 0

    def where(self, line: int) -> str:
        return f"{self.name}, card {self.card} (line {line})"

    def fail(self, line: int, text: str) -> CrmError:
        return CrmError(f"{self.where(line)}: {text}")

    def too_long(self, line: int) -> CrmError:
        return self.fail(line, "a value is longer than 1 MB; crm reads text fields up to "
                         "5,000 characters.")

    # Logical lines: unfolded, with QUOTED-PRINTABLE soft breaks joined; binary values dropped.
    def logical_lines(self) -> Iterator[tuple[int, str, bytes, bytes, bool]]:
        """(line number, NAME, NAME;PARAMS bytes, value bytes, whether a binary value was skipped)."""
        start = 0
        name = ""
        header = b""
        parts: list[bytes] = []
        size = 0
        skip = qp = False
        number = 0
        readline = partial(self.fh.readline, MAX_LINE)
        for line in iter(readline, b""):
            number += 1
            cut = False
            if line[-1:] != b"\n" and len(line) >= MAX_LINE:
                line, cut = _drop_rest(self.fh, line), True
            line = line.rstrip(b"\r\n")
            if start:
                first = line[:1]
                if qp and parts[-1][-1:] == b"=":  # a quoted-printable soft break
                    parts[-1] = parts[-1][:-1]
                    parts.append(line)
                    size += len(line)
                    if size > MAX_VALUE or cut:
                        raise self.too_long(start)
                    continue
                if first == b" " or first == b"\t":  # a folded continuation
                    if not skip:
                        parts.append(line[1:])
                        size += len(line)
                        if size > MAX_VALUE or cut:
                            raise self.too_long(start)
                    continue
                if skip and line and not cut and _colon(line) < 0:
                    continue  # 2.1 base64 lines written without indentation, up to a blank line
                yield start, name, header, parts[0] if len(parts) == 1 else b"".join(parts), skip
                start = 0
            if not line or line.isspace():
                continue
            colon = line.find(b":")
            if colon < 0 or b'"' in line[:colon]:
                colon = _colon(line[:4096])
            if colon < 0:
                if cut:
                    raise self.fail(number, "a line is longer than 1 MB and is not a photo.")
                text = line[:60].decode("utf-8", "replace")
                if self.card == 0:
                    raise CrmError(f"{self.name} is not a vCard file: line {number} reads {text!r}, "
                                   "where BEGIN:VCARD should be; export the address book as .vcf.")
                raise self.fail(number, f"{text!r} is not a vCard property (NAME:value).")
            header = line[:colon]
            semi = header.find(b";")
            name = (header if semi < 0 else header[:semi]).decode("latin-1").upper()
            if "." in name or " " in name:
                name = name.rpartition(".")[2].strip()
            if semi < 0:
                skip = name in BINARY_PROPERTIES
                qp = False
            else:
                upper = header.upper()
                skip = name in BINARY_PROPERTIES or (
                    name not in _USED and (b"BASE64" in upper or b"ENCODING=B" in upper))
                qp = b"QUOTED-PRINTABLE" in upper
            if cut and not skip:
                raise self.too_long(number)
            start = number
            parts = [b""] if skip else [line[colon + 1:]]
            size = len(line)
        if start:
            yield start, name, header, b"".join(parts), skip

    def decode(self, line: int, head: _Header, value: bytes) -> str:
        encoding = head.encoding
        if encoding in ("quoted-printable", "qp"):
            value = binascii.a2b_qp(value)
        elif encoding in ("b", "base64"):
            try:
                value = base64.b64decode(b"".join(value.split()), validate=True)
            except (binascii.Error, ValueError):
                raise self.fail(line, f"the {head.name} value is not valid base64.") from None
        try:
            names = _codec(head.charset) if head.charset else self.default_codecs
        except LookupError:
            raise self.fail(line, f"CHARSET={head.charset} is not a character set crm knows; "
                            "use UTF-8, SHIFT_JIS, GBK, GB18030 or BIG5.") from None
        for codec in names:
            try:
                text = value.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        else:
            label = head.charset or self.encoding or "UTF-8"
            hint = "" if head.charset or self.encoding else (
                "; if the file is in another encoding, give it with --encoding (e.g. gb18030)")
            raise self.fail(line, f"the {head.name} value is not valid {label} text{hint}.")
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def cards(self) -> Iterator[tuple[CardLine, list[_Prop], str]]:
        """Each card: (line of BEGIN:VCARD, its properties, its version)."""
        props: list[_Prop] | None = None
        version = ""
        for line, name, raw_header, value, skipped in self.logical_lines():
            if name not in _USED and not _NAME.match(name):
                if props is None:
                    raise CrmError(f"{self.name} is not a vCard file: line {line} should be "
                                   "BEGIN:VCARD; export the address book as .vcf.")
                raise self.fail(line, f"{name[:40]!r} is not a vCard property name.")
            if name == "BEGIN":
                if value.strip().upper() != b"VCARD":
                    if props is None:
                        raise CrmError(f"{self.name} is not a vCard file: line {line} begins a "
                                       f"{value[:40].decode('utf-8', 'replace')!r}, not a VCARD.")
                    continue  # an object some vendors embed in a card: its lines are not read
                if props is not None:
                    raise self.fail(line, f"the card begun on line {self.card_line} has no END:VCARD "
                                    "before the next BEGIN:VCARD.")
                self.card += 1
                self.card_line = line
                props, version = [], ""
                continue
            if props is None:
                if self.card == 0:
                    raise CrmError(f"{self.name} is not a vCard file: line {line} should be "
                                   "BEGIN:VCARD; export the address book as .vcf.")
                raise CrmError(f"{self.name}, line {line}: {name} stands outside any card "
                               f"(after the END:VCARD of card {self.card}).")
            if name == "END":
                if value.strip().upper() == b"VCARD":
                    self.report.cards += 1
                    self.report.versions[version or "3.0"] += 1
                    yield CardLine(self.card_line, self.card), props, version or "3.0"
                    props = None
                continue
            if skipped:
                if name in ("PHOTO", "LOGO"):
                    self.report.photos_skipped += 1
                else:
                    self.report.ignored[name] += 1
                continue
            if name == "VERSION":
                version = value.decode("ascii", "replace").strip()
                if version not in VERSIONS:
                    raise self.fail(line, f"VERSION {version!r} is not a vCard version crm reads "
                                    "(2.1, 3.0, 4.0).")
                continue
            if name not in _USED:
                if name not in _NOISE:
                    self.report.ignored[name] += 1
                continue
            head = _header(raw_header.decode("utf-8", "replace"))
            text = self.decode(line, head, value)
            props.append(_Prop(line, head.group, head.name, head.types, head.pref, text))
        if props is not None:
            raise self.fail(self.card_line, "the card has no END:VCARD; the file ends inside it "
                            "(was it cut short?).")
        if self.card == 0:
            raise CrmError(f"{self.name} holds no vCard (no BEGIN:VCARD line); export the "
                           "address book as .vcf.")


def read_cards(source: str | os.PathLike | IO, *, encoding: str | None = None,
               name: str | None = None, report: VCardReport | None = None
               ) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream the cards of a .vcf file as (line of BEGIN:VCARD, {contact field: raw text}).

    The line is a `CardLine`: an int that prints as "12 (card 3)".
    `source` is a path or an open file (binary, or text with a .buffer);
    `encoding` is the charset of values that carry no CHARSET= (default
    UTF-8); `report`, when given, is filled in as cards are read. Errors are
    CrmErrors naming the file, the card number and the line.
    """
    report = report if report is not None else VCardReport()
    label = name or (Path(source).name if isinstance(source, (str, os.PathLike))
                     else Path(str(getattr(source, "name", "the vCard file"))).name)
    fh, opened = _open_binary(source)
    reader = _Reader(fh, label, encoding, report)
    try:
        for line, props, _version in reader.cards():
            yield line, card_fields(props, report)
    finally:
        if opened:
            fh.close()


def is_vcard(head: bytes) -> bool:
    """Whether the first bytes of a file look like a vCard (for telling .vcf from CSV)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            head = head.decode("utf-16", "ignore").encode("utf-8")
        except UnicodeError:
            return False
    return head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").upper().startswith(b"BEGIN:VCARD")


# -- from a card's properties to contact fields ------------------------------
def _person_order(parts: list[str]) -> str:
    """N (family;given;additional;prefix;suffix) as the person writes the name."""
    parts = [p.strip() for p in parts] + [""] * 5
    family, given, additional = parts[0], parts[1], parts[2]
    if is_cjk(family + given + additional):
        return "".join((family, given, additional))  # 王小明, 山田太郎: family name first, no space
    return " ".join(p for p in (given, additional, family) if p)


def _preferred(props: list[_Prop], labels: dict[str, str], mobile_first: bool) -> _Prop | None:
    if not props:
        return None
    marked = [p for p in props if p.pref is not None]
    if marked:
        return min(marked, key=lambda p: p.pref or 1)
    if mobile_first:
        for p in props:
            label = labels.get(p.group, "").lower() if p.group else ""
            if p.types & {"cell", "mobile", "iphone"} or any(m in label for m in _MOBILE_LABELS):
                return p
    return props[0]


def _birthday(text: str) -> str:
    """A BDAY value in a form core.dates.parse_birthday reads (time and `value=date:` dropped)."""
    value = text.strip()
    if value.lower().startswith("value=date:"):
        value = value[len("value=date:"):].strip()
    if re.match(r"^(\d{4}-?\d{2}-?\d{2}|--\d{2}-?\d{2})T", value):
        value = value.split("T", 1)[0]
    return value


def _im(prop: _Prop) -> str:
    text = unescape(prop.text).strip()
    return _SCHEME.sub("", text) if prop.name == "IMPP" else text


def card_fields(props: list[_Prop], report: VCardReport | None = None) -> dict[str, str]:
    """The contact fields of one card (CSV field names; only those the card gives)."""
    first: dict[str, _Prop] = {}
    tels: list[_Prop] = []
    emails: list[_Prop] = []
    ims: list[_Prop] = []
    notes: list[str] = []
    labels: dict[str, str] = {}
    crm: dict[str, str] = {}
    for p in props:
        if p.name == "TEL":
            if p.text.strip():
                tels.append(p)
        elif p.name == "EMAIL":
            if p.text.strip():
                emails.append(p)
        elif p.name == "NOTE":
            if p.text.strip():
                notes.append(unescape(p.text).strip())
        elif p.name == "X-ABLABEL":
            labels[p.group] = unescape(p.text).strip()
        elif p.name in CRM_PROPERTIES:
            crm[CRM_PROPERTIES[p.name]] = unescape(p.text).strip()
        elif p.name == "IMPP" or p.name in IM_PROPERTIES:
            if p.text.strip():
                ims.append(p)
        else:
            first.setdefault(p.name, p)

    out: dict[str, str] = {}
    name = unescape(first["FN"].text).strip() if "FN" in first else ""
    if not name and "N" in first:
        name = _person_order(components(first["N"].text))
    tel = _preferred(tels, labels, mobile_first=True)
    email = _preferred(emails, labels, mobile_first=False)
    phone_text = unescape(tel.text).strip() if tel else ""
    if phone_text[:4].lower() == "tel:":  # vCard 4.0 TEL;VALUE=uri
        phone_text = phone_text[4:].split(";", 1)[0]
    email_text = unescape(email.text).strip() if email else ""
    out["name"] = name or email_text or phone_text
    if "ORG" in first:
        org = [c.strip() for c in components(first["ORG"].text)]
        if org and org[0]:
            out["customer"] = org[0]
        units = " / ".join(c for c in org[1:] if c)
        if units:
            out["department"] = units
    title = first.get("TITLE") or first.get("ROLE")
    if title and unescape(title.text).strip():
        out["title"] = unescape(title.text).strip()
    if phone_text:
        out["phone"] = phone_text
    if email_text:
        out["email"] = email_text
    if "BDAY" in first and first["BDAY"].text.strip():
        out["birthday"] = _birthday(unescape(first["BDAY"].text))
    if notes:
        out["note"] = "\n".join(notes)
    if ims and "im" not in crm:
        out["im"] = _im(ims[0])
    for key, value in crm.items():
        if value:
            out[key] = value
    return out


# -- the writer ---------------------------------------------------------------
# Two-character Chinese family names (and Korean ones), so N splits 欧阳娜娜 as 欧阳;娜娜.
_COMPOUND_FAMILY = frozenset((
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "司徒", "夏侯", "慕容", "尉迟", "长孙", "宇文", "令狐", "公孙", "轩辕",
    "端木", "独孤", "南宫", "西门", "歐陽", "諸葛", "東方", "長孫", "軒轅", "端木", "獨孤", "남궁", "황보", "제갈", "선우",
    "독고", "사공", "서문",
))


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a display name: family first for CJK names, last for Western ones."""
    name = " ".join(name.split())
    if is_cjk(name):
        if " " in name:  # 山田 太郎
            family, given = name.split(" ", 1)
            return family, given
        for sep in ("·", "・", "•"):  # transliterated foreign names: 约翰·史密斯
            if sep in name:
                given, family = name.rsplit(sep, 1)
                return family, given
        k = 2 if name[:2] in _COMPOUND_FAMILY and len(name) > 2 else 1
        return name[:k], name[k:]
    if " " not in name:
        return name, ""
    given, family = name.rsplit(" ", 1)
    return family, given


def escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))


def fold(line: str) -> bytes:
    """A content line as CRLF-ended UTF-8, folded at 75 octets between whole characters."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    pieces, start, room = [], 0, 75
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a UTF-8 sequence
            end -= 1
        slashes = len(data[start:end]) - len(data[start:end].rstrip(b"\\"))
        if slashes % 2 and end < len(data):  # keep an escape such as \n on one line
            end -= 1
        pieces.append(data[start:end])
        start, room = end, 74  # a continuation line starts with one space
    return b"\r\n ".join(pieces) + b"\r\n"


def card(row: Mapping[str, Any]) -> bytes:
    """One stakeholder as a vCard 3.0 card.

    Row keys: name, customer, customer_kind (a person customer named after the
    stakeholder gets no ORG, so it imports back as an individual customer),
    department, title, phone, email, birthday, note, role, level, prefers,
    best_time, every (or every_days), im.
    """
    from crmcli.core.names import name_key

    def get(key: str) -> str:
        value = row.get(key)
        return "" if value is None else str(value).strip()

    name = get("name")
    family, given = split_name(name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(name)}",
             f"N:{escape(family)};{escape(given)};;;"]
    customer, department = get("customer"), get("department")
    individual = (row.get("customer_kind") == "person" and name_key(customer) == name_key(name)
                  and not department)
    if customer and not individual or department:
        lines.append(f"ORG:{escape(customer)}" + (f";{escape(department)}" if department else ""))
    if get("title"):
        lines.append(f"TITLE:{escape(get('title'))}")
    if get("phone"):
        lines.append(f"TEL;TYPE=CELL:{escape(get('phone'))}")
    if get("email"):
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(get('email'))}")
    if get("birthday"):
        lines.append(f"BDAY:{get('birthday')}")
    if get("note"):
        lines.append(f"NOTE:{escape(row['note'])}")
    every = get("every") or (f"{row['every_days']}d" if row.get("every_days") else "")
    for prop, value in (("X-CRM-ROLE", get("role")), ("X-CRM-LEVEL", get("level")),
                        ("X-CRM-PREFERS", get("prefers")), ("X-CRM-BEST-TIME", get("best_time")),
                        ("X-CRM-EVERY", every), ("X-CRM-IM", get("im"))):
        if value:
            lines.append(f"{prop}:{escape(value)}")
    lines.append("END:VCARD")
    return b"".join(fold(line) for line in lines)


def write_cards(rows: Iterable[Mapping[str, Any]], out: IO[bytes]) -> int:
    """Write each row as a card; the number written."""
    count = 0
    for row in rows:
        out.write(card(row))
        count += 1
    return count
