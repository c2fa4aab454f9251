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


def grid(title: str | None = None, caption: str | None = None):  # -> rich.table.Table
    """An empty rich table styled like render.table (plain when piped); the title goes above it."""
    import os

    from rich import box
    from rich.table import Table

    if title:
        heading(title)
    plain = not render.is_terminal() or "NO_COLOR" in os.environ
    return Table(caption=caption, box=None if plain else box.SIMPLE_HEAD,
                 show_edge=False, pad_edge=False, header_style="" if plain else "bold",
                 title_justify="left", caption_justify="left")


def text(value: object, style: str | None = None):  # -> rich.text.Text
    """A cell from user data, never read as rich markup (names may hold '[')."""
    from rich.text import Text

    return Text("" if value is None else str(value), style=style or "")


def show(table) -> None:
    render.console().print(table)
