"""Báo cáo: the publicity report of a period, on screen and as files."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from broadcast.config import Station
from broadcast.report.models import AIRED, MISSED, PARTIAL, PLANNED, SUBSTITUTED, PeriodError
from broadcast.services import reports
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.views.common import ANY, station, station_now

# --------------------------------------------------------------------------- Báo cáo


def _report_or_404(st: Station, period: str):  # type: ignore[no-untyped-def]
    try:
        return reports.period_report(st, period)
    except PeriodError as exc:
        raise Http404(exc.message) from None


@require_GET
@role_required(*ANY)
def report_view(request: HttpRequest) -> HttpResponse:
    st = station()
    period = request.GET.get("ky") or f"{station_now(st):%Y}"
    report = _report_or_404(st, period)
    counts = {
        "aired": report.count(AIRED),
        "partial": report.count(PARTIAL),
        "missed": report.count(MISSED),
        "fallback": report.count(SUBSTITUTED),
        "planned": report.count(PLANNED),
    }
    year = report.period.year
    periods = [f"{year}", f"{year}-H1", f"{year}-H2"] + [f"{year}-Q{q}" for q in range(1, 5)]
    return render(
        request,
        "web/report.html",
        {"report": report, "counts": counts, "period": report.period.code, "periods": periods, "station": st},
    )


@require_GET
@role_required(*ANY)
def report_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    st = station()
    report = _report_or_404(st, period)
    if fmt not in reports.FORMATS:
        raise Http404("định dạng không có")
    data, name, content_type = reports.report_file(st, report, fmt)
    audit.record(request, "download", detail=f"báo cáo {report.period.code} ({fmt})")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
