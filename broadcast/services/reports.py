"""The publicity report as a use case: figures for a period, and the files to download."""

from __future__ import annotations

from broadcast.config import Station
from broadcast.report import docx, html, xlsx
from broadcast.report.collect import collect
from broadcast.report.models import Report, parse_period

# Format -> content type
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def period_report(station: Station, period_text: str) -> Report:
    """The report's figures for `period_text` (2027, 2027-H1, 2027-Q3…); PeriodError if malformed."""
    return collect(station, parse_period(period_text))


def report_file(station: Station, report: Report, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the report in `fmt` (docx, xlsx or html)."""
    if fmt == "docx":
        data = docx.render(station, report)
    elif fmt == "xlsx":
        data = xlsx.render(report)
    elif fmt == "html":
        data = html.render(station, report)
    else:
        raise KeyError(fmt)
    return data, f"bao-cao-cchc-{report.period.code}.{fmt}", FORMATS[fmt]
