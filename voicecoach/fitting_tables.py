"""Tables that fit the terminal without cutting words.

rich shares a narrow terminal out among a table's columns by shrinking the widest first, with
no regard to the longest word in each, and then cuts words with an ellipsis ("glutes-rol…",
"interrup…"). A command that must be read at 80 columns builds its table in a few layouts,
widest first; the first whose every word fits is printed, with the room shared out here: each
column gets its longest word, and what is left goes where the text is longest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.table import Column, Table


def _span(column: Column) -> tuple[int, int]:
    """The narrowest a column can be without cutting a word, and the width it would like."""
    lines = [line for text in [column.header, *column.cells] for line in str(text).splitlines()]
    widest = max([cell_len(line) for line in lines] + [column.min_width or 0])
    if column.no_wrap:
        return widest, widest
    longest_word = max([cell_len(word) for line in lines for word in line.split()]
                       + [column.min_width or 0])
    return longest_word, widest


def _frame(table: Table) -> int:
    """Columns taken by borders and padding (the tables here keep rich's default box)."""
    left, right = table.padding[3], table.padding[1]
    return len(table.columns) * (left + right + 1) + 1


def fits(table: Table, width: int) -> bool:
    """Whether `table` can be drawn in `width` columns with no word cut. A table that may wrap
    needs the longest word (or `min_width`) of each column; one whose columns are all
    `no_wrap` (one line a row) needs its whole width."""
    spans = [_span(column) for column in table.columns]
    one_line = all(column.no_wrap for column in table.columns)
    return sum(wide if one_line else narrow for narrow, wide in spans) + _frame(table) <= width


def _share_out(table: Table, width: int) -> Table:
    spans = [_span(column) for column in table.columns]
    room = width - _frame(table)
    if sum(wide for _, wide in spans) <= room:
        return table  # rich draws it as it likes: nothing needs to wrap
    spare = room - sum(narrow for narrow, _ in spans)
    wanted = sum(wide - narrow for narrow, wide in spans) or 1
    for column, (narrow, wide) in zip(table.columns, spans, strict=True):
        column.width = narrow + spare * (wide - narrow) // wanted
    return table


def first_that_fits(layouts: Sequence[Callable[[], Table]], width: int | None) -> Table:
    """The first layout that fits `width` (None: no limit), else the last, the narrowest."""
    if width is None:
        return layouts[0]()
    for layout in layouts[:-1]:
        table = layout()
        if fits(table, width):
            return _share_out(table, width)
    table = layouts[-1]()
    return _share_out(table, width) if fits(table, width) else table
