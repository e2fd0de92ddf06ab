"""CSV exports that are safe to open in a spreadsheet, streamed row by row.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some treat a leading tab or
carriage return the same way) as a formula: a trainee who types `=HYPERLINK(...)` into a survey
must not get code run on the office's machine. Such text cells get a leading apostrophe, as
OWASP recommends; numbers are written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a UTF-8 file as the local code page unless it starts with a byte order mark.
BOM = "\ufeff"


def escape_cell(value: object) -> str:
    """The text of one cell, with formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield the CSV text line by line: the header, then each row, every cell escaped."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])


def streaming_csv_response(
    *, filename: str, header: list[str], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    """A download that is written while the rows are read, so memory stays flat."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
