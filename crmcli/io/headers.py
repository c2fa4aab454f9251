"""Which column is which: header names from crm, Excel sheets, Outlook and Google Contacts.

A header is recognised case-, width- and space-insensitively, with
punctuation dropped and traditional characters folded to simplified
(core.vocabulary.fold), so "E-mail Address", "email_address" and "電子郵件"
all find their field. Each kind lists its fields with their aliases, best
first: when several columns give one field (Outlook's Mobile Phone, Business
Phone, Home Phone…), a row takes the first non-empty one and keeps the
others in its note.

`--map COLUMN=FIELD` overrides anything (FIELD `ignore` drops a column on
purpose). Columns nobody recognises are kept in the record's note as
"Column: value" lines; crm's informative columns (id, created_at…) and the
bookkeeping columns of Outlook and Google (E-mail Type, Gender…) are ignored.
Either way the import summary names them: nothing is dropped without a word.

Another kind (purchases) registers its fields with `register_kind`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from crmcli.core.names import is_cjk
from crmcli.core.vocabulary import fold
from crmcli.errors import CrmError
from crmcli.io import values

MAX_CELL = 5000  # characters in one cell; core.records.MAX_TEXT is the longest text kept

# Characters of header words that core.vocabulary's traditional table does not cover.
_HEADER_TRADITIONAL = str.maketrans(
    "籤簽內繫頻週業紀滿開檔狀態區處屬預計劃題訊溝記錄對進鄉寫場負責傳箋別辦後復頭庫崗說選項銜",
    "签签内系频周业纪满开档状态区处属预计划题讯沟记录对进乡写场负责传笺别办后复头库岗说选项衔",
)

NAME_PARTS = ("first_name", "middle_name", "last_name")
IGNORE = "ignore"
NOTE = "note"

_COMPANY = (
    "customer name", "customer", "客户名称", "客户名", "客户", "company name", "company",
    "公司名称", "公司", "organization name", "organization", "organisation",
    "organization 1 - name", "org", "account name", "account", "单位名称", "单位",
    "企业名称", "企业", "所属客户", "所属公司", "客户单位",
)
_PERSON = (
    "name", "full name", "display name", "contact name", "contact", "stakeholder", "person",
    "姓名", "联系人", "联系人姓名", "联络人", "名字", "客户姓名",
)
_FIRST = ("first name", "given name", "名")
_MIDDLE = ("middle name", "additional name")
_LAST = ("last name", "family name", "surname", "姓")
_PHONE = (
    "mobile", "mobile phone", "mobile number", "cell", "cell phone", "cellphone",
    "手机", "手机号", "手机号码", "移动电话", "phone", "phone number", "telephone", "tel",
    "phone 1 - value", "business phone", "work phone", "primary phone", "main phone",
    "company main phone", "home phone", "电话", "联系电话", "电话号码", "座机", "办公电话",
    "phone 2 - value", "business phone 2", "home phone 2", "other phone", "car phone",
)
_EMAIL = (
    "email", "e-mail", "email address", "e-mail address", "mail", "e-mail 1 - value", "email 1",
    "邮箱", "电子邮件", "电子邮箱", "邮件地址", "邮箱地址", "e-mail 2 address", "e-mail 2 - value",
    "e-mail 3 address", "e-mail 3 - value",
)
_NOTE = (
    "note", "notes", "remark", "remarks", "comment", "comments", "memo", "description",
    "备注", "说明", "描述", "附注", "备注信息",
)
_EVERY = ("every", "cadence", "contact every", "frequency", "contact frequency", "频率",
          "联系频率", "联系周期", "回访周期", "拜访周期")

KIND_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "name": _COMPANY + ("name", "名称", "姓名", "full name", "display name"),
        "first_name": _FIRST, "middle_name": _MIDDLE, "last_name": _LAST,
        "kind": ("kind", "type", "customer type", "customer kind", "类型", "客户类型", "客户性质"),
        "tier": ("tier", "customer tier", "grade", "customer grade", "customer level", "class",
                 "rating", "等级", "客户等级", "级别", "客户级别", "客户分级", "分级"),
        "stage": ("stage", "customer stage", "lifecycle stage", "lifecycle", "status",
                  "customer status", "阶段", "客户阶段", "状态", "客户状态", "生命周期"),
        "industry": ("industry", "sector", "行业", "所属行业"),
        "city": ("city", "town", "business city", "address 1 - city", "home city", "城市",
                 "所在城市", "所在地", "地区"),
        "phone": _PHONE,
        "email": _EMAIL,
        "tags": ("tags", "tag", "labels", "categories", "category", "keywords", "标签", "分类",
                 "类别"),
        "every": _EVERY,
        "since": ("since", "customer since", "created", "start date", "first contact",
                  "开始日期", "建档日期", "建档时间", "合作开始", "首次合作", "入库日期"),
        "last_contact": ("last contact", "last contacted", "last contact date",
                         "last contacted date", "last activity", "最后联系", "最后联系日期",
                         "最后联系时间", "最近联系", "最近联系日期", "最近联系时间", "上次联系",
                         "上次联系日期", "上次联系时间"),
        "note": _NOTE,
    },
    "contacts": {
        "customer": _COMPANY,
        "name": _PERSON,
        "first_name": _FIRST, "middle_name": _MIDDLE, "last_name": _LAST,
        "role": ("role", "stakeholder role", "buying role", "角色", "决策角色"),
        "level": ("level", "relationship", "relationship level", "关系", "关系等级", "关系级别",
                  "关系程度"),
        "title": ("job title", "title", "position", "organization title",
                  "organization 1 - title", "职位", "职务", "头衔", "岗位"),
        "department": ("department", "dept", "organization department",
                       "organization 1 - department", "部门", "所在部门"),
        "phone": _PHONE,
        "email": _EMAIL,
        "im": ("im", "wechat", "weixin", "微信", "微信号", "qq", "im address", "skype",
               "whatsapp", "messenger", "即时通信"),
        "prefers": ("prefers", "preferred channel", "preferred contact method",
                    "preferred contact", "contact preference", "偏好", "偏好渠道",
                    "首选联系方式", "偏好联系方式"),
        "best_time": ("best time", "best time to call", "best time to contact", "联系时间",
                      "方便联系时间", "最佳联系时间"),
        "birthday": ("birthday", "birth date", "date of birth", "dob", "生日", "出生日期"),
        "every": _EVERY,
        "note": _NOTE,
    },
    "history": {
        "customer": _COMPANY,
        "contact": ("contact", "contact name", "with", "person", "stakeholder", "联系人",
                    "联络人", "对象", "拜访对象", "联系对象"),
        "date": ("date", "contact date", "when", "at", "day", "日期", "联系日期", "拜访日期",
                 "时间", "联系时间"),
        "channel": ("channel", "via", "method", "medium", "contact method", "type", "方式",
                    "联系方式", "渠道", "沟通方式"),
        "purpose": ("purpose", "about", "topic", "subject", "目的", "事由", "联系目的", "主题"),
        "note": ("note", "notes", "summary", "content", "details", "remark", "remarks",
                 "内容", "备注", "沟通内容", "记录", "联系内容", "纪要"),
        "feedback": ("feedback", "response", "customer feedback", "reply", "反馈", "客户反馈",
                     "回复"),
        "score": ("score", "satisfaction", "rating", "satisfaction score", "评分", "满意度",
                  "打分"),
        "next": ("next", "next date", "next contact", "next step date", "follow-up",
                 "follow up", "follow-up date", "follow up date", "下次联系", "下次联系日期",
                 "下次联系时间", "跟进日期", "下次跟进"),
        "next_note": ("next note", "next step", "follow-up note", "next action", "下一步",
                      "跟进事项", "下一步计划", "跟进内容"),
    },
}

# crm's own export columns that are facts about the book, not input (DESIGN.md: "informative").
INFORMATIVE: dict[str, tuple[str, ...]] = {
    "customers": ("id", "created_at", "updated_at", "next_due", "snoozed_until", "owner",
                  "customer_id"),
    "contacts": ("id", "customer_id", "last_contact", "created_at", "updated_at"),
    "history": ("id", "customer_id", "contact_id", "created_at"),
}

# At least one column of each group must be there (a row may still leave it empty).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "customers": (("name", *NAME_PARTS),),
    "contacts": (("name", *NAME_PARTS),),
    "history": (("customer",), ("date",)),
}

# Bookkeeping columns of Outlook and Google exports: ignored (and named if they hold anything).
_NOISE = frozenset({
    "gender", "priority", "sensitivity", "private", "initials", "photo", "fileas", "nameprefix",
    "namesuffix", "suffix", "phoneticfirstname", "phoneticmiddlename", "phoneticlastname",
    "yominame", "givennameyomi", "additionalnameyomi", "familynameyomi", "organization1yominame",
    "internetfreebusy", "directoryserver", "billinginformation", "mileage", "emailtype",
    "email2type", "email3type", "emaildisplayname", "email2displayname", "email3displayname",
    "reason",  # the column crm adds to FILE.rejects.csv
})
_NOISE_PATTERN = re.compile(
    r"^(email|phone|address|organization|website|relation|event|im|externalid|customfield|"
    r"userdefinedfield)\d*(type|label|displayname)$"
)
# Placeholder values those columns hold when they say nothing.
_TRIVIAL = frozenset({"", "0/0/00", "unspecified", "normal", "false", "smtp", "ex",
                      "* mycontacts", "* starred"})
# Columns whose values are label lists (`* myContacts ::: Clients`).
_LABEL_COLUMNS = frozenset({"labels", "groupmembership", "categories"})
# Fields that hold one value where Google writes several (`a ::: b`).
_MULTI_VALUED = frozenset({"phone", "email"})


def header_key(text: str) -> str:
    """The comparable form of a header: width, case, traditional characters and punctuation folded."""
    folded = fold(unicodedata.normalize("NFKC", text)).translate(_HEADER_TRADITIONAL)
    return "".join(ch for ch in folded if ch.isalnum())


def register_kind(kind: str, fields: dict[str, tuple[str, ...]], *,
                  informative: tuple[str, ...] = ("id", "created_at"),
                  required: tuple[tuple[str, ...], ...] = ()) -> None:
    """Make a new import kind's headers known (its fields, with aliases best first)."""
    KIND_FIELDS[kind] = fields
    INFORMATIVE[kind] = informative
    REQUIRED[kind] = required
    _INDEX.pop(kind, None)


_INDEX: dict[str, dict[str, tuple[str, int]]] = {}


def _index(kind: str) -> dict[str, tuple[str, int]]:
    """header key -> (field, rank); for each alias the first field listing it wins."""
    if kind not in _INDEX:
        index: dict[str, tuple[str, int]] = {}
        for name, aliases in KIND_FIELDS[kind].items():
            for rank, alias in enumerate(aliases):
                index.setdefault(header_key(alias), (name, rank))
            index.setdefault(header_key(name), (name, len(aliases)))
        _INDEX[kind] = index
    return _INDEX[kind]


def fields_of(kind: str) -> tuple[str, ...]:
    return tuple(KIND_FIELDS[kind])


def parse_maps(maps: list[str]) -> list[tuple[str, str]]:
    """`COLUMN=FIELD` options as pairs (split at the last `=`, so a column may contain one)."""
    pairs = []
    for item in maps:
        column, eq, target = item.rpartition("=")
        if not eq or not column.strip() or not target.strip():
            raise CrmError(f"--map {item!r} is not COLUMN=FIELD; write it like --map 'Cell No=phone'.")
        pairs.append((column.strip(), target.strip()))
    return pairs


@dataclass
class HeaderMap:
    """How the columns of one file become a record's fields, row after row."""

    kind: str
    source: str
    columns: list[str]
    fields: dict[str, list[int]] = field(default_factory=dict)  # field -> columns, best first
    note_columns: list[int] = field(default_factory=list)
    informative: list[int] = field(default_factory=list)
    noise: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # --map COLUMN=ignore
    excel_quoted: bool = False  # strip the `'` that --excel (and OWASP advice) puts before formulas
    notes_used: Counter = field(default_factory=Counter)  # column -> rows whose note kept it
    noise_used: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.width = len(self.columns)

    def _compile(self) -> None:
        self._single = [(f, cols[0]) for f, cols in self.fields.items()
                        if len(cols) == 1 and f not in NAME_PARTS]
        self._multi = [(f, cols) for f, cols in self.fields.items()
                       if len(cols) > 1 and f not in NAME_PARTS]
        self._parts = [(f, self.fields[f][0]) for f in NAME_PARTS if f in self.fields]
        keys = [header_key(c) for c in self.columns]
        self._labels = {i for i, k in enumerate(keys) if k in _LABEL_COLUMNS}

    # -- one row ---------------------------------------------------------------
    def record(self, cells: list[str]) -> tuple[dict[str, str], str | None]:
        """The row's fields (non-empty values only) and, if the row is unusable, why."""
        if len(cells) != self.width:
            if len(cells) > self.width and not any(c.strip() for c in cells[self.width:]):
                cells = cells[:self.width]  # trailing empty cells: Excel's stray delimiters
            else:
                cells_word = "cell" if len(cells) == 1 else "cells"
                return {}, (f"the row has {len(cells)} {cells_word} but the header has {self.width} "
                            f"columns (is a delimiter or a quote out of place?)")
        longest = max(map(len, cells)) if cells else 0
        if longest > MAX_CELL:
            i = next(i for i, c in enumerate(cells) if len(c) > MAX_CELL)
            return {}, (f"the {self.columns[i] or f'column {i + 1}'!r} cell is {len(cells[i]):,} "
                        f"characters long; {MAX_CELL:,} is the most accepted")
        out: dict[str, str] = {}
        extra: list[str] = []
        if self.excel_quoted or self._labels:
            for name, i in self._single:
                value = self._value(cells, i)
                if value:
                    out[name] = value
        else:  # the common case, inlined: a million rows call this a million times
            for name, i in self._single:
                value = cells[i].strip()
                if value:
                    out[name] = value
        for name, cols in self._multi:
            for i in cols:
                value = self._value(cells, i)
                if not value:
                    continue
                if name not in out:
                    out[name] = value
                elif value != out[name]:
                    extra.append(f"{self.columns[i]}: {value}")
                    self.notes_used[i] += 1
        for name in _MULTI_VALUED:
            value = out.get(name)
            if value and ":::" in value:
                out[name], others = values.first_of_many(value)
                if others:
                    extra.append(f"{self._label(name)}: {others}")
                    self.notes_used[self.fields[name][0]] += 1
        if "name" not in out and self._parts:
            composed = self._compose(cells)
            if composed:
                out["name"] = composed
                if self.kind == "customers" and "kind" not in out:
                    out["kind"] = "person"  # first and last names are a person's
        for i in self.note_columns:
            value = self._value(cells, i)
            if value and value.casefold() not in _TRIVIAL:
                extra.append(f"{self.columns[i] or f'Column {i + 1}'}: {value}")
                self.notes_used[i] += 1
        for i in self.noise:
            if i not in self.noise_used and cells[i].strip().casefold() not in _TRIVIAL:
                self.noise_used.add(i)
        if extra:
            out[NOTE] = "\n".join(([out[NOTE]] if out.get(NOTE) else []) + extra)
        return out, None

    # -- a chunk of rows, column by column ---------------------------------------------
    @property
    def plain(self) -> bool:
        """Whether each field is one column read as it stands (what `by_field` handles)."""
        return not (self.excel_quoted or self._labels or self._multi or self.note_columns
                    or self._parts)

    def by_field(self, rows: list[list[str]] | None, columns: list[list[str]] | None = None,
                 longest: int | None = None) -> dict[str, list[str]] | None:
        """The chunk's cells by field, trimmed ('' when empty): what `record` gives row by row.

        The chunk is given as `rows`, or as `columns` (rows None) read so by io.csv_source,
        where no cell is longer than `longest`, when known.
        None when some row needs `record` itself (a plain map is required, and every row
        must be as wide as the header, with no overlong cell and no `a ::: b` value), so
        the caller takes the chunk row by row. Column-wise, a million rows cost a few
        C-level passes instead of a dict each.
        """
        if not self.plain:
            return None
        if columns is not None:
            if len(columns) != self.width or not columns[0]:
                return None
            by_column = columns
        else:
            if not rows or set(map(len, rows)) != {self.width}:
                return None
            by_column = list(zip(*rows))
        if ((longest is None or longest > MAX_CELL)
                and max(max(map(len, col)) for col in by_column) > MAX_CELL):
            return None
        out: dict[str, list[str]] = {}
        strip = str.strip
        for name, i in self._single:
            col = list(map(strip, by_column[i]))
            if name in _MULTI_VALUED and any(":::" in v for v in col):
                return None
            out[name] = col
        for i in self.noise:
            if i not in self.noise_used and any(v.strip().casefold() not in _TRIVIAL
                                                for v in set(by_column[i])):
                self.noise_used.add(i)
        return out

    def _value(self, cells: list[str], i: int) -> str:
        text = cells[i].strip()
        if not text:
            return text
        if self.excel_quoted and text[0] == "'":
            text = values.cell(text, excel_quoted=True)
        if i in self._labels:
            text = values.labels(text)
        return text

    def _label(self, name: str) -> str:
        return self.columns[self.fields[name][0]]

    def _compose(self, cells: list[str]) -> str:
        parts = {f: self._value(cells, i) for f, i in self._parts}
        first, middle, last = (parts.get(f, "") for f in NAME_PARTS)
        if is_cjk(last + first):
            return f"{last}{first}{middle}"  # 王 + 芳 = 王芳: family name first, no space
        return " ".join(p for p in (first, middle, last) if p)

    # -- what the summary says about the columns ------------------------------------
    def mapped(self) -> dict[str, str]:
        """Column -> field, in the file's column order."""
        by_column = {i: name for name, cols in self.fields.items() for i in cols}
        return {self.columns[i]: by_column[i] for i in sorted(by_column)}

    def kept_in_notes(self) -> list[tuple[str, int]]:
        return [(self.columns[i] or f"Column {i + 1}", n) for i, n in sorted(self.notes_used.items())]

    def ignored(self) -> list[str]:
        shown = sorted({*self.informative, *self.dropped, *self.noise_used})
        return [self.columns[i] or f"Column {i + 1}" for i in shown]


def recognise(kind: str, columns: list[str], maps: list[tuple[str, str]] | None = None, *,
              source: str = "the file", line: int = 1, fixed: tuple[str, ...] = ()) -> HeaderMap:
    """Map a header row to the kind's fields; a CrmError if it names nothing usable.

    `fixed` are fields the command line gives instead (history's --customer).
    """
    index = _index(kind)
    keys = [header_key(c) for c in columns]
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if not key:
            continue
        if key in seen:
            raise CrmError(
                f"{source} line {line}: the column {columns[i]!r} appears twice (columns "
                f"{seen[key] + 1} and {i + 1}); rename or delete one, then import again."
            )
        seen[key] = i
    hmap = HeaderMap(kind, source, columns)
    chosen: dict[int, tuple[str, int]] = {}
    for column, target in maps or []:
        i = seen.get(header_key(column))
        if i is None:
            raise CrmError(
                f"--map names the column {column!r}, which {source} does not have; its columns "
                f"are: {', '.join(c for c in columns if c)}."
            )
        chosen[i] = (_map_target(kind, target), -1)
    informative = {header_key(n) for n in INFORMATIVE.get(kind, ())}
    job_title = "jobtitle" in seen
    for i, key in enumerate(keys):
        if i in chosen:
            continue
        if key in informative:
            hmap.informative.append(i)
        elif job_title and key == "title":
            hmap.noise.append(i)  # Outlook: "Title" is Mr./Ms., "Job Title" the position
        elif key in index:
            chosen[i] = index[key]
        elif key in _NOISE or _NOISE_PATTERN.match(key):
            hmap.noise.append(i)
        else:
            hmap.note_columns.append(i)  # unknown or unnamed: kept in the note when it holds anything
    for i, (name, _rank) in sorted(chosen.items(), key=lambda item: (item[1][1], item[0])):
        if name == IGNORE:
            hmap.dropped.append(i)
        else:
            hmap.fields.setdefault(name, []).append(i)
    for name in fixed:  # the command line gives it: the file's column is not read
        hmap.dropped.extend(hmap.fields.pop(name, []))
    if not hmap.fields:
        raise CrmError(
            f"{source} line {line}: no column is recognised as a {_singular(kind)} field "
            f"(the header reads {_preview(columns)}); name the columns as crm's export does "
            f"({', '.join([f for f in fields_of(kind) if f not in NAME_PARTS][:6])}…) or map "
            "them with --map COLUMN=FIELD."
        )
    for group in REQUIRED.get(kind, ()):
        if not any(f in hmap.fields or f in fixed for f in group):
            aliases = [a for a in KIND_FIELDS[kind][group[0]] if a.isascii()][:4]
            chinese = [a for a in KIND_FIELDS[kind][group[0]] if not a.isascii()][:2]
            raise CrmError(
                f"{source} line {line}: no column gives the {group[0].replace('_', ' ')} "
                f"(looked for {', '.join(aliases + chinese)}…); rename that column or add "
                f"--map COLUMN={group[0]}."
            )
    hmap._compile()
    return hmap


def recognise_source(kind: str, source, maps: list[tuple[str, str]] | None = None, *,
                     fixed: tuple[str, ...] = ()) -> HeaderMap:
    """`recognise` on an open CsvSource, stepping over title rows above the header.

    Sheets often start with a title ("客户名单 2024", one cell) before the real header row;
    up to three such rows are skipped. Any other unrecognised header is refused as it stands.
    """
    first_error: CrmError | None = None
    for _ in range(4):
        try:
            return recognise(kind, source.header, maps, source=source.name,
                             line=source.header_line, fixed=fixed)
        except CrmError as e:
            first_error = first_error or e
            if sum(1 for c in source.header if c.strip()) != 1:
                break
            following = next(source.rows(), None)
            if following is None:
                break
            source.header_line, source.header = following[0], [c.strip() for c in following[1]]
    assert first_error is not None
    raise first_error


def _map_target(kind: str, target: str) -> str:
    key = header_key(target)
    if key in ("ignore", "skip", "drop", "none", "忽略"):
        return IGNORE
    for name in KIND_FIELDS[kind]:
        if header_key(name) == key:
            return name
    found = _index(kind).get(key)
    if found:
        return found[0]
    raise CrmError(
        f"--map target {target!r} is not a {_singular(kind)} field; use one of: "
        f"{', '.join(fields_of(kind))}, or ignore."
    )


def _singular(kind: str) -> str:
    return {"customers": "customer", "contacts": "contact", "history": "contact-history"}.get(kind, kind)


def _preview(columns: list[str]) -> str:
    shown = [c for c in columns if c][:6]
    text = ", ".join(repr(c[:30]) for c in shown)
    return text + (", …" if len(columns) > len(shown) else "") if shown else "nothing"
