"""Tables drawn as text (crmcli/text_table.py): widths in display cells, folding, no text lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli import text_table as tt

# Latin, Chinese (two cells each), a combining accent (none), spaces and newlines.
TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019-:(); ") + list("张敏客户北京") + ["\u0301", "\n"]),
               max_size=60)


def letters(text: str) -> str:
    return "".join(text.split())


def test_width_counts_display_cells():
    assert tt.width("Acme") == 4
    assert tt.width("北京恒信") == 8
    assert tt.width("Cafe\u0301") == 4
    assert tt.width("张敏 (executor)") == 15


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=2, max_value=40))
def test_wrap_keeps_every_letter_within_the_room(text, room):
    wrapped = tt.wrap(text, room)
    assert letters("".join(wrapped)) == letters(text)
    for line in wrapped:
        assert tt.width(line) <= room


def test_wrap_breaks_at_spaces_and_folds_long_words():
    assert tt.wrap("overdue 117 days (gold, every 14d)", 16) == ["overdue 117 days", "(gold, every", "14d)"]
    assert tt.wrap("华东物流有限公司", 6) == ["华东物", "流有限", "公司"]
    assert tt.wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_fit_shrinks_the_widest_to_its_longest_word_before_folding_anything():
    # natural widths, room 30: the prose column (longest word 8) gives way, the date (10) stays
    assert tt.fit([10, 40, 6], 30, [10, 8, 6]) == [10, 14, 6]
    # words alone do not fit: then the widest fold too, never below two cells
    assert tt.fit([10, 10, 10], 12, [10, 10, 10]) == [4, 4, 4]
    assert tt.fit([10, 10], 2, [10, 10]) == [2, 2]
    assert tt.fit([3, 5], 80, [3, 5]) == [3, 5]
    # a second floor (the data's words without the headers'): a long header folds first
    assert tt.fit([11, 10], 18, [11, 10], [4, 10]) == [8, 10]


def test_a_long_header_folds_before_the_dates_under_it():
    drawn = tt.lines(["Stakeholder", "Last contact"], [["罗红", "2026-03-27"]], max_width=20, boxed=False)
    assert drawn[-1] == "罗红      2026-03-27"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TEXT, min_size=3, max_size=3), max_size=6), st.integers(min_value=20, max_value=120),
       st.booleans())
def test_tables_fit_the_width_and_lose_no_text(rows, max_width, boxed):
    headers = ["Customer", "Why", "客户"]
    drawn = tt.lines(headers, rows, max_width=max_width, boxed=boxed)
    plain = [line.replace("\x1b[1m", "").replace("\x1b[0m", "") for line in drawn]
    for line in plain:
        assert tt.width(line) <= max_width
        assert "\x1b" not in line
    everything = letters("".join(plain).replace("─", ""))
    for text in [*headers, *(cell for row in rows for cell in row)]:
        for word in text.split():
            # each word survives, perhaps folded over lines: its letters appear in order
            assert all(ch in everything for ch in word)


def test_columns_line_up_in_display_cells():
    drawn = tt.lines(["#", "Customer", "With"], [["1", "北京恒信科技", "马骏"], ["2", "Acme", "Li Wei"]],
                     max_width=80, boxed=False)
    assert drawn == ["#  Customer      With",
                     "1  北京恒信科技  马骏",
                     "2  Acme          Li Wei"]


def test_a_terminal_table_has_bold_headers_a_rule_and_row_styles():
    drawn = tt.lines(["Name", "Tier"], [["Acme", "gold"], ["Zeta", "lead"]], max_width=80, boxed=True,
                     title="Customers", row_styles=["bold yellow", None])
    assert drawn[0] == "\x1b[3mCustomers\x1b[0m"
    assert drawn[1] == "\x1b[1mName  Tier\x1b[0m"
    assert drawn[2] == "─" * 10
    assert drawn[3] == "\x1b[1;33mAcme  gold\x1b[0m"
    assert drawn[4] == "Zeta  lead"


def test_control_characters_in_a_cell_never_reach_the_terminal():
    drawn = tt.lines(["Note"], [["paid\x1b[31m red\x07\tok\r"]], max_width=80, boxed=True)
    assert "\x07" not in "".join(drawn) and "\r" not in "".join(drawn)
    assert drawn[-1] == "paid[31m red ok"


def test_piped_agenda_is_plain_aligned_text(book, crm):
    book()
    out = crm("due", "--limit", "3").stdout
    assert "\x1b" not in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("#"))
    assert header.split() == ["#", "Customer", "Why", "With", "How", "Last", "contact"]


def test_a_panel_boxes_its_fields_with_every_edge_the_same_width():
    drawn = tt.panel("#13 南京金陵医药", [("Stage", "first-time since 2025-10-13 (409 days ago)"), ("City", "南京")],
                     max_width=40, boxed=True)
    assert drawn[0].startswith("╭─ #13 南京金陵医药 ─") and drawn[-1].startswith("╰─")
    shown = [line.replace("\x1b[1m", "").replace("\x1b[0m", "") for line in drawn]
    assert len({tt.width(line) for line in shown}) == 1
    assert all(tt.width(line) <= 40 for line in shown)
    assert shown[1].startswith("│ Stage  first-time since")
    assert shown[-2].startswith("│ City   南京")


def test_a_piped_panel_is_the_title_then_aligned_fields():
    assert tt.panel("#2 Acme", [("Tier", "gold"), ("On book since", "2025-04-02")], max_width=240, boxed=False) == [
        "#2 Acme", "Tier           gold", "On book since  2025-04-02"]
