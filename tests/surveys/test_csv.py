"""peergroups.lib.csv: spreadsheet-safe cells, streamed."""

import datetime
from decimal import Decimal

import pytest

from peergroups.lib.csv import csv_lines, escape_cell


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, "-3"),
        (2.5, "2.5"),
        (Decimal("-1.50"), "-1.50"),
        (True, "yes"),
        (datetime.date(2027, 1, 15), "2027-01-15"),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_csv_lines_stream_a_bom_header_then_rows():
    lines = list(csv_lines(["name", "note"], iter([["=bad", 'say "hi"'], ["ok", 1]])))
    assert lines == ["\ufeffname,note\r\n", '\'=bad,"say ""hi"""\r\n', "ok,1\r\n"]
