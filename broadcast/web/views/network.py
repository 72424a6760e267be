"""Mạng đài: a network's members and their programme of a month (when `broadcast web --network`)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from broadcast.errors import BroadcastError
from broadcast.services import network as ns
from broadcast.web import audit, jobs
from broadcast.web.decorators import role_required
from broadcast.web.roles import ADMIN, user_roles
from broadcast.web.views.common import ANY, month_or_404, station, station_now


def network_dir() -> Path:
    """The network folder the console was started with (`--network`), else 404."""
    folder = getattr(settings, "BROADCAST_NETWORK_DIR", "")
    if not folder:
        raise Http404("bàn biên tập không được mở cho một mạng đài")
    return Path(folder)


def _job_key(month: str) -> str:
    # jobs.start keeps one running job per key; a network run must not block a station's own month.
    return f"mang-dai-{month}"


def _context(request: HttpRequest, month: str) -> dict:
    ctx: dict = {
        "month": month,
        "month_label": f"{month[5:]}/{month[:4]}",
        "can_run": ADMIN in user_roles(request.user),
    }
    try:
        ctx["net"] = ns.network_month(network_dir(), month)
    except BroadcastError as exc:
        ctx["error"] = str(exc)
    job = jobs.latest(_job_key(month))
    net = ctx.get("net")
    ctx["job"] = job
    # Poll while this console's run goes on, or while a run started elsewhere (CLI, another
    # console) still has members in the queue or at work.
    ctx["polling"] = (job is not None and not job.done) or (
        net is not None and net.started and not net.finished
    )
    return ctx


@require_GET
@role_required(*ANY)
def network_view(request: HttpRequest) -> HttpResponse:
    month = month_or_404(request.GET.get("thang") or f"{station_now(station()):%Y-%m}")
    return render(request, "web/network.html", _context(request, month))


@require_GET
@role_required(*ANY)
def network_table(request: HttpRequest, month: str) -> HttpResponse:
    """The table alone, polled by htmx while a run is going on."""
    month = month_or_404(month)
    return render(request, "web/_network_table.html", _context(request, month))


@require_POST
@role_required(ADMIN)
def network_run(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    folder = network_dir()

    def work(progress) -> str:
        results = ns.make_network(folder, month, emit=progress.say)
        failed = sum(r.status == "failed" for r in results)
        return f"Xong {len(results)} đài" + (f", {failed} đài lỗi." if failed else ".")

    jobs.start(_job_key(month), "network", request.user.get_username(), work)
    audit.record(request, "network", month=month, detail=f"mạng đài {folder.name}")
    return redirect(f"{reverse('network')}?thang={month}")


@require_GET
@role_required(*ANY)
def network_bundle(request: HttpRequest, month: str, slug: str) -> HttpResponse:
    month = month_or_404(month)
    try:
        path = ns.bundle_file(network_dir(), month, slug)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    audit.record(request, "download", month=month, detail=f"gói của đài {slug}")
    return FileResponse(
        path.open("rb"), content_type="application/zip", as_attachment=True, filename=f"{slug}-{month}.zip"
    )
