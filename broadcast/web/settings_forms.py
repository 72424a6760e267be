"""Forms of the *Cài đặt đài* page: the station's values, its air slots and its voice chains.

The forms only check shapes (a number is a number, a line has no control characters); every
rule of station.yaml is checked by the station validation itself when the page saves
(broadcast.services.settings), so the page and the file can never disagree.
"""

from __future__ import annotations

import re

from django import forms

from broadcast.config import ENGINE_OPTIONS, known_engines
from broadcast.services.settings import WEEKDAY_CODES, format_options

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DAYS = [(c, c) for c in WEEKDAY_CODES]


def _one_line(value: str) -> str:
    if _CONTROL.search(value or ""):
        raise forms.ValidationError("Chỉ viết trên một dòng (không xuống dòng, không ký tự điều khiển).")
    return value


class _Text(forms.CharField):
    def __init__(self, label: str, *, required: bool = False, max_length: int = 200, **kw) -> None:
        super().__init__(label=label, required=required, max_length=max_length, validators=[_one_line], **kw)


def _days_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=DAYS, widget=forms.CheckboxSelectMultiple, required=False
    )


class SettingsForm(forms.Form):
    base_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    name = _Text("Tên đài (đọc trong lời chào)", required=True)
    hotline = _Text("Đường dây nóng", max_length=80)
    address = _Text("Nơi tiếp nhận hồ sơ (địa chỉ)", max_length=300)
    email = _Text("Thư điện tử", max_length=200)
    per_month = forms.IntegerField(label="Số lần phát chương trình trong tháng")
    from_day = forms.IntegerField(label="Không phát trước ngày (trong tháng)")
    airing_weekdays = _days_field("Phát vào các ngày trong tuần")
    skip_holidays = forms.BooleanField(label="Không phát vào ngày lễ, Tết", required=False)
    days_off = _Text("Ngày nghỉ thêm (ví dụ 24/12/2026, 02/01/2027)", max_length=1000)
    extra_days = _Text("Ngày phát thêm", max_length=1000)
    reminder_min = forms.IntegerField(label="Lịch .ics nhắc trước mỗi lần phát (phút, 0: không nhắc)")
    fallback = forms.BooleanField(
        label="Cho phép phát bằng giọng dự phòng (bỏ chọn: báo lỗi thay vì phát)", required=False
    )
    timeout_s = forms.FloatField(label="Chờ mạng tối đa cho giọng trực tuyến (giây)")
    separate_approver = forms.BooleanField(
        label="Người duyệt phải khác người sửa kịch bản sau cùng", required=False
    )


class SlotForm(forms.Form):
    """One air slot row; `origin` is the row's position in station.yaml when the page was made."""

    origin = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=99)
    id = _Text("Mã (không dấu)", max_length=40)
    name = _Text("Tên buổi", max_length=80)
    start = _Text(
        "Giờ bắt đầu", max_length=5, widget=forms.TextInput(attrs={"placeholder": "06:00", "size": 5})
    )
    length_min = forms.FloatField(
        label="Dài (phút)", required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    weekdays = _days_field("Ngày trong tuần")
    airs = forms.BooleanField(label="Phát chương trình", required=False)

    @property
    def existing(self) -> bool:
        """A row read from station.yaml (not the empty row for a new one)."""
        return self["origin"].value() not in (None, "")

    def __init__(self, *args, **kwargs) -> None:
        if not kwargs.get("initial"):  # the empty row for a new slot: every day, airs the programme
            kwargs["initial"] = {"weekdays": list(WEEKDAY_CODES), "airs": True}
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if self.has_changed() and not data.get("DELETE"):
            for key, message in (("id", "Ghi mã buổi, ví dụ sang."), ("start", "Ghi giờ, ví dụ 06:00.")):
                if not data.get(key) and key not in self.errors:
                    self.add_error(key, message)
            if data.get("length_min") is None and "length_min" not in self.errors:
                self.add_error("length_min", "Ghi số phút của buổi phát.")
        return data


def _engine_choices() -> list[tuple[str, str]]:
    return [("", "— chọn bộ đọc —"), *((name, name) for name in known_engines())]


class EngineForm(forms.Form):
    """One engine of a voice chain: its name (from the registry) and its options on one line."""

    origin = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=99)
    engine = forms.ChoiceField(label="Bộ đọc", choices=_engine_choices, required=False)
    options = _Text(
        "Tùy chọn",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "ví dụ: voice: vi; speed: 150"}),
    )

    @property
    def existing(self) -> bool:
        """A row read from station.yaml (not the empty row for a new one)."""
        return self["origin"].value() not in (None, "")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("options") and not data.get("engine") and not data.get("DELETE"):
            self.add_error("engine", "Chọn bộ đọc cho các tùy chọn này.")
        return data


SlotFormSet = forms.formset_factory(SlotForm, extra=1, can_delete=True, max_num=12, absolute_max=20)
EngineFormSet = forms.formset_factory(EngineForm, extra=1, can_delete=True, max_num=6, absolute_max=10)


def options_help() -> list[tuple[str, str]]:
    """(engine, its options) for the help line under the voice chains."""
    return [(name, ", ".join(ENGINE_OPTIONS.get(name, {})) or "không có") for name in known_engines()]


def engine_initial(rows) -> list[dict]:
    return [{"origin": r.origin, "engine": r.engine, "options": format_options(r.options)} for r in rows]
