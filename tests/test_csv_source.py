"""Opening CSV files as real tools write them (crmcli/io/csv_source.py): encodings, delimiters,
line endings, line numbers, and a clear refusal of every kind of bad file."""

from __future__ import annotations

import codecs
import hashlib
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.errors import CrmError
from crmcli.io.csv_source import open_csv, sniff_delimiter

FIXTURES = Path(__file__).parent / "fixtures" / "csv"


def rows(path: Path, encoding: str | None = None) -> tuple[list[str], list[tuple[int, list[str]]], object]:
    with open_csv(path, encoding) as source:
        return source.header, list(source.rows()), source


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("excel_gbk.csv", "GB18030", "comma"),
    ("excel_utf8_bom.csv", "UTF-8 with BOM", "comma"),
    ("excel_semicolon.csv", "UTF-8", "semicolon"),
    ("excel_sep_line.csv", "UTF-8", "semicolon"),
    ("excel_unicode.txt", "UTF-16", "tab"),
    ("outlook_contacts.csv", "GB18030", "comma"),
    ("google_contacts.csv", "UTF-8", "comma"),
])
def test_encoding_and_delimiter_are_detected(name: str, encoding: str, delimiter: str) -> None:
    with open_csv(FIXTURES / name) as source:
        assert source.encoding_label == encoding
        assert source.delimiter_label == delimiter
        assert source.header[0] and not source.header[0].startswith("\ufeff")
        assert source.sha256 == hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()


def test_gbk_text_reads_as_chinese() -> None:
    header, body, _ = rows(FIXTURES / "excel_gbk.csv")
    assert header[:3] == ["客户名称", "客户等级", "阶段"]
    assert body[0] == (2, ["华东物流有限公司", "金", "老客户", "上海", "021-6888 8888", "info@hdwl.cn",
                           "物流;重点", "年度合同, 续签中", "2026/10/8"])


def test_utf16_unicode_text_reads_as_chinese() -> None:
    header, body, _ = rows(FIXTURES / "excel_unicode.txt")
    assert header[0] == "姓名"
    assert body[1][1][:2] == ["李娜", "华东物流有限公司"]


def test_sep_line_is_not_the_header_and_lines_still_count_from_the_file_start() -> None:
    header, body, source = rows(FIXTURES / "excel_sep_line.csv")
    assert header[0] == "Name"
    assert source.header_line == 2
    assert [line for line, _ in body] == [3, 4]


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_any_line_ending(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(ending.join(["Name,Note", 'Acme,"two' + ending + 'lines"', "Globex,x", ""]),
                    encoding="utf-8", newline="")
    header, body, _ = rows(path)
    assert header == ["Name", "Note"]
    assert body == [(2, ["Acme", f"two{ending}lines"]), (4, ["Globex", "x"])]


def test_blank_lines_are_skipped_and_line_numbers_are_the_files(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("\n\nName\n\nAcme\n  \nGlobex\n", encoding="utf-8")
    header, body, source = rows(path)
    assert source.header_line == 3
    assert body == [(5, ["Acme"]), (7, ["Globex"])]


def test_sniffing_prefers_the_delimiter_the_header_uses() -> None:
    assert sniff_delimiter(["Name;Address, City;Phone", "A;Road 1, Berlin;1"]) == ";"
    assert sniff_delimiter(["Name\tCity", "A\tB"]) == "\t"
    assert sniff_delimiter(['"Name, full",City', '"A, B",C']) == ","
    assert sniff_delimiter(["Name"]) == ","


def test_encoding_can_be_named(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("Name,City\nMüller,München\n".encode("cp1252"))
    with pytest.raises(CrmError, match="cp1252"):
        open_csv(path)
    _, body, _ = rows(path, "cp1252")
    assert body == [(2, ["Müller", "München"])]


def test_named_utf16_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes("Name\tCity\n王芳\t上海\n".encode("utf-16-le"))
    _, body, _ = rows(path, "utf-16-le")
    assert body == [(2, ["王芳", "上海"])]


def test_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Name\nA\n")
    with pytest.raises(CrmError, match="Unknown encoding 'klingon'"):
        open_csv(path, "klingon")


@pytest.mark.parametrize("codec", ["base64", "rot13", "hex", "zlib", "uu"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(tmp_path: Path, codec: str) -> None:
    # Python knows these names as codecs, but they turn bytes into bytes: no CSV is written in them.
    path = tmp_path / "x.csv"
    path.write_text("Name\nA\n")
    with pytest.raises(CrmError, match=f"Unknown encoding '{codec}'"):
        open_csv(path, codec)


# -- bad files: one clear sentence naming the file (and the line) --------------------------
@pytest.mark.parametrize(("name", "message"), [
    ("binary.csv", "binary.csv holds binary data, not text"),
    ("workbook.xlsx", "workbook.xlsx is an Excel workbook (.xlsx)"),
    ("empty.csv", "empty.csv is empty: there is nothing to import."),
    ("blank_lines.csv", "blank_lines.csv is empty"),
    ("bad_bytes.csv", "bad_bytes.csv line 22: the bytes FF FE cannot be read; the file is not valid UTF-8"),
])
def test_bad_files(name: str, message: str) -> None:
    with pytest.raises(CrmError) as e:
        open_csv(FIXTURES / name)
    assert message in e.value.message
    assert "\n" not in e.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CrmError, match=r"There is no file .*nope\.csv; check the path"):
        open_csv(tmp_path / "nope.csv")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(CrmError, match="is a folder, not a file"):
        open_csv(tmp_path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("Name\nA\n")
    monkeypatch.setattr("os.access", lambda *a, **k: False)  # tests may run as root
    with pytest.raises(CrmError, match=r"Cannot read .*locked\.csv: permission denied\."):
        open_csv(path)


def test_gb18030_with_a_bad_byte_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("名称,城市\r\n华东,上海\r\n".encode("gb18030") + b"\xff\xff,x\r\n")
    with pytest.raises(CrmError, match="gbk.csv line 3: the bytes FF FF cannot be read"):
        open_csv(path)


def test_named_encoding_that_does_not_fit(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("Name\n华东\n".encode("gb18030"))
    with pytest.raises(CrmError, match="x.csv line 2: .* is not utf-8 text"):
        open_csv(path, "utf-8")


def test_runaway_quote_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('Name,Note\nAcme,"never closed\n' + "x" * (5 << 20) + "\n")
    with pytest.raises(CrmError, match="quote.csv line .*closing quote"), open_csv(path) as source:
        list(source.rows())


@pytest.mark.parametrize("tail", ["\n", "", "\r\n"])
def test_short_runaway_quote_is_refused_not_swallowed(tmp_path: Path, tail: str) -> None:
    # A quote never closed a few lines before the end must not fold the rows after it into one
    # note: the file is refused at the line where the quote opens.
    path = tmp_path / "quote.csv"
    path.write_text(f'Name,Note\nAcme,ok\nBeta,"never closed\nGamma,x\nDelta,y{tail}')
    with pytest.raises(CrmError, match="quote.csv line 3: .*closing quote"), open_csv(path) as source:
        list(source.rows())


@pytest.mark.parametrize("text", ['Name,Note\nAcme,"a ""b"" c"', 'Name,Note\nAcme,"two\nlines"\n',
                                  'Name,Note\nAcme,5" pipe\n'])
def test_closed_quotes_at_the_end_of_the_file_read_as_they_are(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(text)
    with open_csv(path) as source:
        rows = [cells for _line, cells in source.rows()]
    assert len(rows) == 1 and rows[0][0] == "Acme"
    assert rows[0][1] in ('a "b" c', "two\nlines", '5" pipe')


def test_cp1252_outlook_file_is_not_mistaken_for_chinese(tmp_path: Path) -> None:
    path = tmp_path / "outlook.csv"
    path.write_bytes("First Name,Last Name,Company\r\nJürgen,Müller,Bäckerei Größe\r\n".encode("cp1252"))
    with pytest.raises(CrmError, match="--encoding cp1252"):
        open_csv(path)


def test_streaming_keeps_memory_flat(tmp_path: Path) -> None:
    """Rows are read one at a time: five times the file costs no more memory."""

    def peak(count: int) -> int:
        path = tmp_path / f"{count}.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("Name,Note\n")
            for i in range(count):
                fh.write(f"客户{i},{'备注' * 20}\n")
        tracemalloc.start()
        with open_csv(path) as source:
            for _ in source.rows():
                pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    # Both files are larger than the 1 MiB the encoding check reads at a time.
    small, large = peak(20_000), peak(100_000)
    assert large < small * 1.2


def test_bom_is_never_part_of_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(codecs.BOM_UTF8 + b'"Name",City\r\nA,B\r\n')
    header, _, _ = rows(path)
    assert header == ["Name", "City"]


# -- a chunk at a time (the history import's column path) ------------------------------------
def _read(path: Path, size: int | None) -> list | str:
    """The rows after the header, one by one (size None) or `size` at a time, or the refusal."""
    try:
        with open_csv(path) as source:
            stream = source.rows()
            if size is None:
                return list(stream)
            out: list = []
            while block := stream.chunk(size):
                if block.columns is not None:
                    assert block.rows is None
                    assert block.longest >= max(len(c) for column in block.columns for c in column)
                    rows = [list(row) for row in zip(*block.columns)]
                else:
                    rows = block.rows
                assert len(rows) == len(block.lines)
                out.extend(zip(block.lines, rows))
            return out
    except CrmError as e:
        return e.message


_PLAIN_CELL = st.text(alphabet="ab 中\u3000\t;", max_size=4)
_ODD = st.text(alphabet='ab,"\n\r ;\t中\x00', max_size=12)  # quotes, stray line ends, NULs
_ENDING = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def _csv_text(draw) -> str:
    """A header, then lines: mostly plain rows (the quick path), some odd (the csv reader's)."""
    ending = draw(_ENDING)
    parts = ["h1,h2,h3" + ending]
    for kind in draw(st.lists(st.sampled_from(["plain"] * 4 + ["odd", "blank", "ragged"]),
                              max_size=14)):
        if kind == "plain":  # now and then with another line end than the file's
            parts.append(",".join(draw(st.lists(_PLAIN_CELL, min_size=3, max_size=3)))
                         + draw(st.sampled_from([ending] * 6 + ["\n", "\r\n", "\r"])))
        elif kind == "odd":
            parts.append(draw(_ODD))
        elif kind == "blank":
            parts.append(draw(st.sampled_from(["", " ", ",,", " ,\u3000,"])) + draw(_ENDING))
        else:
            parts.append(",".join(draw(st.lists(_PLAIN_CELL, min_size=1, max_size=5))) + ending)
    if draw(st.booleans()):
        parts[-1] = parts[-1].rstrip("\r\n")  # no line end after the last line
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(text=_csv_text(), size=st.sampled_from([1, 2, 3, 5, 2000]))
def test_a_chunk_at_a_time_reads_what_row_by_row_reads(text: str, size: int) -> None:
    """`chunk` (plain lines split in C, others through the csv reader) gives the same rows, line
    numbers and refusals as iterating, whatever the quotes, line ends, blank or ragged rows."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_bytes(text.encode("utf-8"))
        try:
            open_csv(path).close()
        except CrmError:
            return  # refused before any row is read (empty, binary…): not what this compares
        assert _read(path, size) == _read(path, None)


def test_plain_lines_are_split_column_by_column(tmp_path: Path) -> None:
    """The property above compares something: plain chunks do take the quick path."""
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n\"5\",6\r\n")
    with open_csv(path) as source:
        first, second = source.rows().chunk(2), source.rows().chunk(2)
    assert first.columns == [["1", "3"], ["2", "4"]] and first.lines == [2, 3]
    assert second.rows == [["5", "6"]] and second.lines == [4]
