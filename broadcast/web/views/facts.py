"""Số liệu: the month's figures (facts/YYYY-MM.yaml) as a form; editors save, others read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from broadcast.config import Station
from broadcast.errors import BroadcastError
from broadcast.services import facts as fs
from broadcast.services.content import ConflictError
from broadcast.topics import FACT_FIELDS
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.forms_facts import GROUPS, LABELS, FactsForm, edit_values, initial_from, show_number
from broadcast.web.roles import EDITOR, user_roles
from broadcast.web.views.common import ANY, month_or_404, station


def _is_example(loaded: fs.FactsFile) -> bool:
    return loaded.raw.get("example") is True


def _shown(key: str, value: object) -> str:
    if key == "news":
        return "\n".join(str(n) for n in value) if isinstance(value, list) else str(value or "")
    if key in FACT_FIELDS:
        return show_number(value)
    return "" if value is None else str(value)


def _rows(values: dict[str, object]) -> list[dict]:
    """What the read-only page lists: every entry with its label and value as people write it."""
    return [
        {"title": title, "rows": [{"label": LABELS[k], "value": _shown(k, values.get(k))} for k in keys]}
        for title, keys in GROUPS
    ]


def _context(
    request: HttpRequest, st: Station, month: str, loaded: fs.FactsFile, form: FactsForm | None, **extra
) -> dict:
    can_edit = EDITOR in user_roles(request.user)
    example = bool(form["example"].value()) if form is not None else _is_example(loaded)
    ctx: dict = {
        "month": month,
        "station": st,
        "loaded": loaded,
        "rel_path": st.store.rel(loaded.path),
        "can_edit": can_edit,
        "example": example,
        "default_period": fs.default_period(month),
        "values": _rows(loaded.raw) if loaded.exists and (loaded.raw or loaded.error is None) else [],
        "file_error": _file_error(st, loaded),
    }
    if form is not None:
        ctx["form"] = form
        ctx["groups"] = [(title, [form[k] for k in keys]) for title, keys in GROUPS]
    ctx.update(extra)
    return ctx


def _editor_form(st: Station, month: str, loaded: fs.FactsFile, start: str) -> FactsForm | None:
    """The form an editor gets on opening the page (None: choose how to start, or cannot edit)."""
    default = fs.default_period(month)
    if loaded.exists:
        if loaded.error is not None and not loaded.raw:
            return None  # not even readable as 'key: value' lines: fixed by hand, shown as an error
        initial = initial_from(loaded.raw, sha256=loaded.sha256, example=_is_example(loaded))
        if loaded.error is None:
            return FactsForm(initial=initial, default_period=default)
        form = FactsForm(initial, default_period=default)  # bound: the hand edit's errors beside fields
        if form.is_valid() and loaded.error.field in form.fields:
            form.add_error(loaded.error.field, _field_message(loaded.error))
        return form
    points = {p.key: p for p in fs.starting_points(st, month)}
    if start not in points:
        return None
    edit = points[start].edit
    return FactsForm(
        initial=initial_from(edit_values(edit), sha256="", example=edit.example), default_period=default
    )


def _file_error(st: Station, loaded: fs.FactsFile) -> str:
    """A hand edit the rules refuse: the file (relative to the station) and line, what, how to fix."""
    exc = loaded.error
    if exc is None:
        return ""
    where = ", ".join([st.store.rel(exc.file or loaded.path)] + ([f"dòng {exc.line}"] if exc.line else []))
    return f"{where}: {_field_message(exc)}"


def _field_message(exc: BroadcastError) -> str:
    return exc.message + (f" {exc.hint}" if exc.hint else "")


@require_GET
@role_required(*ANY)
def facts_view(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    st = station()
    loaded = fs.load_facts_file(st, month)
    form = None
    if EDITOR in user_roles(request.user):
        form = _editor_form(st, month, loaded, request.GET.get("bat-dau", ""))
    points = [] if loaded.exists else fs.starting_points(st, month)
    return render(
        request,
        "web/facts.html",
        _context(request, st, month, loaded, form, points=points, saved=request.GET.get("da-luu") == "1"),
    )


@require_POST
@role_required(EDITOR)
def facts_save(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    st = station()
    loaded = fs.load_facts_file(st, month)
    form = FactsForm(request.POST, default_period=fs.default_period(month))
    if not form.is_valid():
        return render(request, "web/facts.html", _context(request, st, month, loaded, form), status=400)
    base = form.cleaned_data["base_sha256"] or ""
    # Whether the figures stay examples: the file says (a new file: where the editor started).
    example = _is_example(loaded) if loaded.exists and base == loaded.sha256 else form.cleaned_data["example"]
    edit = form.edit(example=example)
    try:
        saved = fs.save_facts(st, month, edit, base_sha256=base)
    except ConflictError as exc:
        audit.record(
            request, "conflict", month=month, before=base, after=exc.current_sha256, detail="số liệu"
        )
        data = request.POST.copy()
        data["base_sha256"] = loaded.sha256  # a second Lưu, after seeing the differences, is deliberate
        data["example"] = "on" if _is_example(loaded) else ""
        changed = [
            {"label": LABELS[k], "theirs": _shown(k, loaded.raw.get(k)), "yours": _shown(k, v)}
            for k, v in edit_values(edit).items()
            if _shown(k, loaded.raw.get(k)) != _shown(k, v)
        ]
        form = FactsForm(data, default_period=fs.default_period(month))
        form.is_valid()
        return render(
            request,
            "web/facts.html",
            _context(request, st, month, loaded, form, conflict=str(exc), changed=changed),
            status=409,
        )
    except BroadcastError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, _field_message(exc))
        else:
            form.add_error(None, str(exc))
        return render(request, "web/facts.html", _context(request, st, month, loaded, form), status=400)
    detail = "số liệu ví dụ" if saved.facts is not None and saved.facts.example else "số liệu thật"
    if example and not edit.example:
        detail = "xác nhận số liệu thật (bỏ dấu số liệu ví dụ)"
    audit.record(request, "facts", month=month, before=base, after=saved.sha256, detail=detail)
    response = redirect("facts", month=month)
    response["Location"] += "?da-luu=1"
    return response
