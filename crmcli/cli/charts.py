"""Small terminal charts for reports and the segment grid: bars and heat colours.

Bars are drawn with block characters on a terminal and with '#' when piped
(no colour, nothing a script must decode); scripts read `--json` anyway.
"""

from __future__ import annotations

from crmcli import render

_EIGHTHS = " ▏▎▍▌▋▊▉"
# Heat of a count relative to the largest: none, low … high.
HEAT = ("dim", "on grey23", "black on dark_sea_green4", "black on sea_green3", "black on spring_green2")


def bar(value: float, largest: float, width: int = 30) -> str:
    """A horizontal bar, `width` characters for the largest value."""
    if largest <= 0 or value <= 0:
        return ""
    length = value / largest * width
    if not render.is_terminal():
        return "#" * max(1, round(length))
    full = int(length)
    part = _EIGHTHS[int((length - full) * 8)]
    return ("█" * full + (part if part.strip() else "")) or "▏"


def heat(value: int, largest: int) -> str | None:
    """A rich style for a count in a heat map (None when piped)."""
    if not render.is_terminal():
        return None
    if value <= 0 or largest <= 0:
        return HEAT[0]
    return HEAT[min(4, 1 + int(3 * value / largest))]


def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


def amount(value: float) -> str:
    return f"{value:,.2f}"


def heading(title: str) -> None:
    """A chart's title on its own line (a table title would wrap to the table's width)."""
    render.line(title, style="bold")


# -- grids: a chart's rows as text (crmcli/text_table.py's look, with justified columns) ------

# Background colours of the heat map (xterm-256 numbers of rich's names in HEAT).
_BACKGROUND = {"grey23": 237, "dark_sea_green4": 65, "sea_green3": 78, "spring_green2": 47}
_FOREGROUND = {"black": 30}


class Styled(str):
    """A cell's text with a style for the terminal ("bold green", "black on sea_green3")."""

    style: str | None = None


def text(value: object, style: str | None = None) -> Styled:
    """A cell from user data, shown as it is (never read as markup), in `style` on a terminal."""
    cell = Styled("" if value is None else str(value))
    cell.style = style or None
    return cell


def sgr(style: str | None) -> str:
    """The escape sequence of a style: text_table's words, plus black text and the heat
    map's backgrounds ("on grey23")."""
    from crmcli import text_table

    if not style:
        return ""
    words = style.split()
    codes: list[str] = []
    if "on" in words:
        colour = words[words.index("on") + 1] if words.index("on") + 1 < len(words) else ""
        if colour in _BACKGROUND:
            codes.append(f"48;5;{_BACKGROUND[colour]}")
        words = words[:words.index("on")]
    codes += [str(_FOREGROUND[w]) for w in words if w in _FOREGROUND]
    plain = text_table.sgr(" ".join(w for w in words if w not in _FOREGROUND))
    if plain:
        codes.append(plain[2:-1])
    return f"\x1b[{';'.join(codes)}m" if codes else ""


class Grid:
    """A chart's table: columns left- or right-justified, two spaces apart; on a terminal a
    bold header over a rule, and each row or cell in its style; piped, bare text. Drawn
    without rich (its import and layout cost ~0.1 s of a report)."""

    def __init__(self) -> None:
        self.headers: list[str] = []
        self.right: list[bool] = []
        self.rows: list[tuple[list[str], str | None]] = []

    def add_column(self, header: str = "", justify: str = "left") -> None:
        self.headers.append(header)
        self.right.append(justify == "right")

    def add_row(self, *cells: object, style: str | None = None) -> None:
        self.rows.append(([c if isinstance(c, str) else str(c) for c in cells], style))

    def lines(self, max_width: int, styled: bool) -> list[str]:
        from crmcli import text_table

        gap = "  "
        headers = [text_table.clean(h) for h in self.headers]
        rows = [([text_table.clean(c) for c in cells], [getattr(c, "style", None) for c in cells], style)
                for cells, style in self.rows]
        columns = [[h, *(r[0][i] for r in rows)] for i, h in enumerate(headers)]
        natural = [max(text_table.width(line) for t in column for line in t.split("\n")) for column in columns]
        words = [max((text_table.width(w) for t in column for w in t.split()), default=0) for column in columns]
        widths = text_table.fit(natural, max_width - len(gap) * (len(headers) - 1), words)

        def draw(cells: list[str], cell_styles: list[str | None], style: str) -> list[str]:
            wrapped = [text_table.wrap(t, widths[i]) for i, t in enumerate(cells)]
            out = []
            for k in range(max(map(len, wrapped), default=1)):
                parts = []
                for i, column in enumerate(wrapped):
                    t = column[k] if k < len(column) else ""
                    pad = " " * (widths[i] - text_table.width(t))
                    own = sgr(cell_styles[i]) if styled and cell_styles[i] else ""
                    t = f"{own}{t}\x1b[0m{style}" if own and t else t
                    parts.append(pad + t if self.right[i] else t + pad)
                line = gap.join(parts).rstrip()
                out.append(f"{style}{line}\x1b[0m" if style and line else line)
            return out

        out = draw(headers, [None] * len(headers), sgr("bold") if styled else "")
        if styled:
            out.append("─" * (sum(widths) + len(gap) * (len(widths) - 1)))
        for cells, cell_styles, style in rows:
            out.extend(draw(cells, cell_styles, sgr(style) if styled else ""))
        return out


def grid(title: str | None = None) -> Grid:
    """An empty chart table; the title goes above it."""
    if title:
        heading(title)
    return Grid()


def show(table: Grid) -> None:
    import sys

    sys.stdout.write("\n".join(table.lines(render.width(), render.styled())) + "\n")
