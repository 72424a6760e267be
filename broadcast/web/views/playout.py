"""Phát sóng (technicians, administrators): what the player airs now and next, its recent
airings, whether it runs at all, and the controls play now / stop / skip.

The console never touches the player: it sends commands through the control channel
(`broadcast.playout.control`, via `services.playout_panel`) and shows the player's answers.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from broadcast.errors import BroadcastError
from broadcast.playout import control
from broadcast.services import playout_panel
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.roles import ADMIN, OPERATOR
from broadcast.web.views.common import full_name, station, station_now

AUDIT_ACTION = {control.PLAY: "playout_play", control.STOP: "playout_stop", control.SKIP: "playout_skip"}


class PlayoutCommandForm(forms.Form):
    action = forms.ChoiceField(
        choices=list(control.ACTIONS.items()), error_messages={"invalid_choice": "Lệnh không hợp lệ."}
    )
    target = forms.CharField(label="Phát gì", required=False, max_length=80)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") == control.PLAY and not data.get("target"):
            self.add_error("target", "Chọn một mục trong danh sách để phát ngay.")
        return data


def _context(request: HttpRequest, *, with_choices: bool) -> dict:
    st = station()
    return {
        "state": playout_panel.panel(st, station_now(st), with_choices=with_choices),
        "station": st,
    }


@require_GET
@role_required(OPERATOR, ADMIN)
def playout_view(request: HttpRequest) -> HttpResponse:
    ctx = _context(request, with_choices=True)
    ctx["form"] = PlayoutCommandForm()
    return render(request, "web/playout.html", ctx)


@require_GET
@role_required(OPERATOR, ADMIN)
def playout_state(request: HttpRequest) -> HttpResponse:
    """The part of the page htmx reloads every 2 seconds."""
    return render(request, "web/_playout_state.html", _context(request, with_choices=False))


@require_POST
@role_required(OPERATOR, ADMIN)
def playout_command(request: HttpRequest) -> HttpResponse:
    form = PlayoutCommandForm(request.POST)
    st = station()
    if form.is_valid():
        action = form.cleaned_data["action"]
        issuer = f"{full_name(request.user)} ({request.user.get_username()})"
        try:
            cmd, what = playout_panel.send_command(
                st, action, issuer, target=form.cleaned_data.get("target") or "", now=station_now(st)
            )
        except BroadcastError as exc:
            form.add_error(None, exc.message[:1].upper() + exc.message[1:])
        else:
            audit.record(
                request, AUDIT_ACTION[action], detail=f"{control.ACTIONS[action]}: {what} (lệnh {cmd.id})"
            )
            messages.success(
                request, f"Đã gửi lệnh «{control.ACTIONS[action]}» ({what}). Máy phát trả lời bên dưới."
            )
            return redirect("playout")
    ctx = _context(request, with_choices=True)
    ctx["form"] = form
    return render(request, "web/playout.html", ctx, status=400)
