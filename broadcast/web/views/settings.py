"""*Cài đặt đài* (administrators): the station's settings, saved back into station.yaml.

The view only moves values between the forms and `broadcast.services.settings`, which owns
the rules (validation by the real station loader, the round-trip write, the conflict check).
A validation error names a dotted key of station.yaml; `_place_error` puts it beside its input.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.forms import BaseFormSet, Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from broadcast.errors import BroadcastError
from broadcast.services import settings as svc
from broadcast.store import StationStore
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.roles import ADMIN
from broadcast.web.settings_forms import (
    EngineFormSet,
    SettingsForm,
    SlotFormSet,
    engine_initial,
    options_help,
)

# station.yaml key -> field of SettingsForm
_MAIN_FIELDS = {
    "station.name": "name",
    "contacts.hotline": "hotline",
    "contacts.address": "address",
    "contacts.email": "email",
    "airing.per_month": "per_month",
    "airing.from_day": "from_day",
    "airing.weekdays": "airing_weekdays",
    "airing.skip_holidays": "skip_holidays",
    "airing.days_off": "days_off",
    "airing.extra_days": "extra_days",
    "airing.reminder_min": "reminder_min",
    "voice.fallback": "fallback",
    "voice.timeout_s": "timeout_s",
    "approval.separate_approver": "separate_approver",
}
_CHAINS = ("main", "second")


def _store() -> StationStore:
    return StationStore(django_settings.BROADCAST_STATION_DIR)


def _initial(current: svc.SettingsFile) -> tuple[SettingsForm, BaseFormSet, dict[str, BaseFormSet]]:
    s = current.settings
    main = SettingsForm(
        initial={
            "base_sha256": current.sha256,
            **{k: getattr(s, k) for k in _MAIN_FIELDS.values() if k not in ("days_off", "extra_days")},
            "days_off": ", ".join(s.days_off),
            "extra_days": ", ".join(s.extra_days),
        }
    )
    slots = SlotFormSet(
        prefix="slots",
        initial=[
            {
                "origin": r.origin,
                "id": r.id,
                "name": r.name,
                "start": r.start,
                "length_min": r.length_min,
                "weekdays": r.weekdays,
                "airs": r.airs,
            }
            for r in s.slots
        ],
    )
    chains = {c: EngineFormSet(prefix=c, initial=engine_initial(getattr(s, c))) for c in _CHAINS}
    return main, slots, chains


def _kept(formset: BaseFormSet, key: str) -> list[Form]:
    """The rows a save keeps, in order (empty new rows and rows marked for removal left out)."""
    return [
        f
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get(key) not in (None, "")
    ]


def _values(main: SettingsForm, slots: list[Form], chains: dict[str, list[Form]]) -> svc.StationSettings:
    d = main.cleaned_data
    engine_rows: dict[str, list[svc.EngineRow]] = {}
    for chain, forms in chains.items():
        engine_rows[chain] = []
        for i, f in enumerate(forms):
            engine = f.cleaned_data["engine"]
            options = svc.parse_options(engine, f.cleaned_data["options"], field=f"voice.{chain}.{i}.options")
            engine_rows[chain].append(svc.EngineRow(engine, options, f.cleaned_data.get("origin")))
    return svc.StationSettings(
        name=d["name"],
        hotline=d["hotline"],
        address=d["address"],
        email=d["email"],
        slots=[
            svc.SlotRow(
                id=f.cleaned_data["id"],
                name=f.cleaned_data["name"] or f.cleaned_data["id"],
                start=f.cleaned_data["start"],
                length_min=f.cleaned_data["length_min"],
                weekdays=[c for c in svc.WEEKDAY_CODES if c in f.cleaned_data["weekdays"]],
                airs=f.cleaned_data["airs"],
                origin=f.cleaned_data.get("origin"),
            )
            for f in slots
        ],
        per_month=d["per_month"],
        from_day=d["from_day"],
        airing_weekdays=[c for c in svc.WEEKDAY_CODES if c in d["airing_weekdays"]],
        skip_holidays=d["skip_holidays"],
        days_off=svc.parse_days(d["days_off"]),
        extra_days=svc.parse_days(d["extra_days"]),
        reminder_min=d["reminder_min"],
        fallback=d["fallback"],
        timeout_s=d["timeout_s"],
        main=engine_rows["main"],
        second=engine_rows["second"],
        separate_approver=d["separate_approver"],
    )


def _place_error(
    exc: BroadcastError,
    main: SettingsForm,
    slots: list[Form],
    chains: dict[str, list[Form]],
    section_errors: dict[str, list[str]],
) -> None:
    """Show a validation error beside the input its station.yaml key belongs to."""
    text = exc.message[:1].upper() + exc.message[1:] + (f" {exc.hint}" if exc.hint else "")
    parts = (exc.field or "").split(".")
    two = ".".join(parts[:2])
    if two in _MAIN_FIELDS:
        main.add_error(_MAIN_FIELDS[two], text)
        return
    if parts[0] == "slots" or two == "airing.slots":
        rows, section, index = slots, "slots", parts[1:2] if parts[0] == "slots" else []
        key = parts[2] if len(parts) > 2 else None
        if index and index[0].isdigit() and int(index[0]) < len(rows):
            row = rows[int(index[0])]
            row.add_error(key if key in row.fields else None, text)
            return
        section_errors[section].append(text)
        return
    if two in ("voice.main", "voice.second"):
        chain, rows = parts[1], chains[parts[1]]
        if len(parts) > 2 and parts[2].isdigit() and int(parts[2]) < len(rows):
            rows[int(parts[2])].add_error("engine" if parts[3:4] == ["engine"] else "options", text)
            return
        section_errors[chain].append(text)
        return
    section_errors["top"].append(exc.where() + ": " + text if exc.where() else text)


def _render(request: HttpRequest, status: int = 200, **ctx) -> HttpResponse:
    ctx.setdefault("section_errors", {"top": [], "slots": [], "main": [], "second": []})
    ctx["options_help"] = options_help()
    ctx["store_file"] = _store().rel(_store().station_file)
    return render(request, "web/settings.html", ctx, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ADMIN)
def settings_view(request: HttpRequest) -> HttpResponse:
    store = _store()
    try:
        current = svc.read_settings(store)
    except BroadcastError as exc:
        # station.yaml is broken by hand: the page cannot be filled; say what to fix in the file.
        return _render(request, load_error=str(exc))
    if request.method != "POST":
        main, slots, chains = _initial(current)
        return _render(request, form=main, slots=slots, chains=chains, saved=request.GET.get("da-luu") == "1")
    main = SettingsForm(request.POST)
    slots = SlotFormSet(request.POST, prefix="slots")
    chains = {c: EngineFormSet(request.POST, prefix=c) for c in _CHAINS}
    ctx = {"form": main, "slots": slots, "chains": chains}
    if not (main.is_valid() and slots.is_valid() and all(f.is_valid() for f in chains.values())):
        return _render(request, 400, **ctx)
    kept_slots = _kept(slots, "id")
    kept_chains = {c: _kept(f, "engine") for c, f in chains.items()}
    section_errors: dict[str, list[str]] = {"top": [], "slots": [], "main": [], "second": []}
    base = main.cleaned_data["base_sha256"]
    try:
        result = svc.save_settings(store, _values(main, kept_slots, kept_chains), base_sha256=base)
    except svc.SettingsConflict as exc:
        audit.record(request, "conflict", detail="station.yaml", before=base, after=exc.current_sha256)
        return _render(request, 409, conflict=str(exc), **ctx)
    except BroadcastError as exc:
        _place_error(exc, main, kept_slots, kept_chains, section_errors)
        return _render(request, 400, section_errors=section_errors, **ctx)
    if result.changed:
        audit.record(
            request,
            "settings",
            detail="đổi: " + ", ".join(result.changed),
            before=result.before,
            after=result.after,
        )
    return redirect("/cai-dat/?da-luu=1")
