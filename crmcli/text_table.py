"""Tables drawn as plain text: columns sized to their cells, folded to fit the width.

`render.table` draws every list crm prints (the agenda, customer lists, report rows) with this
instead of rich's Table: importing rich and laying out a 50-row agenda with it cost about 0.15 s
of a command's 0.4 s. The look is the same: on a terminal a bold header over a rule, each row in
its tier's colour; piped, bare columns. Columns are two spaces apart (rich put three on a
terminal), so an 80-column terminal fits a customer list without folding its dates.

Widths are display cells, as a terminal shows them: a Chinese character takes two, a combining
mark none. When the natural widths do not fit, the widest columns give way first (as rich does),
and their text wraps at spaces, long words and Chinese runs folding anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from unicodedata import combining, east_asian_width

# C0 controls (but newline), DEL and C1 controls: a cell from an imported file must not move
# the cursor or recolour the terminal (an escape sequence in a customer's note would).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

# SGR codes of the few styles crm uses (render.TIER_STYLE, report bands, dim footers).
_SGR = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33",
        "blue": "34", "magenta": "35", "cyan": "36", "white": "37", "bright_white": "97"}

MIN_COLUMN = 2  # room for one Chinese character


def clean(text: str) -> str:
    """The text as it may be printed: tabs as a space, other control characters dropped."""
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: " " if m.group() == "\t" else "", text)


def char_width(ch: str) -> int:
    if combining(ch):
        return 0
    return 2 if east_asian_width(ch) in "WF" else 1


def width(text: str) -> int:
    """Display cells of one line of text."""
    if text.isascii():
        return len(text)
    return sum(map(char_width, text))


def sgr(style: str | None) -> str:
    """The escape sequence that starts `style` ("bold yellow"), or "" for none or unknown words."""
    if not style:
        return ""
    codes = [_SGR[word] for word in style.split() if word in _SGR]
    return f"\x1b[{';'.join(codes)}m" if codes else ""


def _fold(word: str, room: int) -> list[str]:
    """A word wider than the column, cut into pieces of at most `room` cells."""
    pieces, piece, used = [], [], 0
    for ch in word:
        w = char_width(ch)
        if used + w > room and piece:
            pieces.append("".join(piece))
            piece, used = [], 0
        piece.append(ch)
        used += w
    pieces.append("".join(piece))
    return pieces


def wrap(text: str, room: int) -> list[str]:
    """Lines of at most `room` cells: breaks at spaces, folds what has no space to break at."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if width(paragraph) <= room:
            lines.append(paragraph)
            continue
        line, used = "", 0
        for word in paragraph.split():
            w = width(word)
            if line and used + 1 + w <= room:
                line, used = f"{line} {word}", used + 1 + w
                continue
            if line:
                lines.append(line)
            if w <= room:
                line, used = word, w
            else:
                *whole, line = _fold(word, room)
                lines.extend(whole)
                used = width(line)
        lines.append(line)
    return lines


def fit(natural: Sequence[int], room: int, *floors: Sequence[int]) -> list[int]:
    """Column widths within `room` cells. The widest column gives way a cell at a time down to
    its width in each of `floors` in turn (lines() passes the longest word with the headers, then
    without: dates and names stay whole while prose wraps, and a long header folds before the
    data does), then, if that is not enough, down to MIN_COLUMN (words fold)."""
    widths = list(natural)
    excess = sum(widths) - room
    for floor in (*floors, [MIN_COLUMN] * len(widths)):
        while excess > 0:
            shrinkable = [i for i, w in enumerate(widths) if w > floor[i] and w > MIN_COLUMN]
            if not shrinkable:
                break
            widest = max(shrinkable, key=widths.__getitem__)
            widths[widest] -= 1
            excess -= 1
    return widths


def lines(headers: Sequence[str], rows: Sequence[Sequence[str]], *, max_width: int, boxed: bool,
          title: str | None = None, caption: str | None = None,
          row_styles: Sequence[str | None] | None = None) -> list[str]:
    """The table's lines, columns two spaces apart. `boxed`: a terminal's look (row styles, bold
    headers over a rule); else plain text with no escape codes."""
    gap = "  "
    headers = [clean(h) for h in headers]
    cells = [[clean(c) for c in row] for row in rows]
    columns = [[h, *(row[i] for row in cells)] for i, h in enumerate(headers)]
    natural = [max(width(line) for text in column for line in text.split("\n")) for column in columns]
    data_words = [max((width(word) for text in column[1:] for word in text.split()), default=0)
                  for column in columns]
    words = [max([n, *(width(word) for word in column[0].split())]) for n, column in zip(data_words, columns)]
    widths = fit(natural, max_width - len(gap) * (len(headers) - 1), words, data_words)
    table_width = sum(widths) + len(gap) * (len(widths) - 1)

    def draw(row: Sequence[str], style: str) -> list[str]:
        wrapped = [wrap(text, widths[i]) for i, text in enumerate(row)]
        out = []
        for k in range(max(map(len, wrapped))):
            parts = []
            for i, column in enumerate(wrapped):
                text = column[k] if k < len(column) else ""
                parts.append(text + " " * (widths[i] - width(text)))
            line = gap.join(parts).rstrip()
            out.append(f"{style}{line}\x1b[0m" if style and line else line)
        return out

    out: list[str] = []
    if title:
        out.append(f"\x1b[3m{clean(title)}\x1b[0m" if boxed else clean(title))
    out.extend(draw(headers, sgr("bold") if boxed else ""))
    if boxed:
        out.append("─" * table_width)
    styles = row_styles or [None] * len(cells)
    for row, style in zip(cells, styles):
        out.extend(draw(row, sgr(style) if boxed else ""))
    if caption:
        out.append(f"\x1b[2;3m{clean(caption)}\x1b[0m" if boxed else clean(caption))
    return out


def panel(title: str, pairs: Sequence[tuple[str, str]], *, max_width: int, boxed: bool) -> list[str]:
    """A record's fields as `label  value` lines under a title; on a terminal in a rounded box
    with the title in its top edge, labels bold. Long values wrap within the width."""
    title = clean(title)
    labels = [clean(label) for label, _ in pairs]
    label_width = max(map(width, labels), default=0)
    frame = 4 if boxed else 0  # "│ " and " │"
    room = max(max_width - frame - label_width - 2, MIN_COLUMN)
    body: list[tuple[str, str]] = []
    for label, (_, value) in zip(labels, pairs):
        for k, part in enumerate(wrap(clean(value), room)):
            body.append((label if k == 0 else "", part))
    inner = max([label_width + 2 + width(part) for _, part in body] + [width(title) + 3])
    if not boxed:
        return [title, *(f"{label}{' ' * (label_width - width(label))}  {part}".rstrip()
                         for label, part in body)]
    bold = sgr("bold")
    out = [f"╭─ {title} {'─' * (inner - width(title) - 2)}─╮"]
    for label, part in body:
        pad = " " * (inner - label_width - 2 - width(part))
        shown = f"{bold}{label}\x1b[0m" if label else ""
        out.append(f"│ {shown}{' ' * (label_width - width(label))}  {part}{pad} │")
    out.append(f"╰{'─' * (inner + 2)}╯")
    return out
