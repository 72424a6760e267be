"""The *Số liệu* form: one field per entry of facts/YYYY-MM.yaml, Vietnamese labels, help and errors.

The form checks what one field can check (a number, a percentage from 0 to 100, a count that is
a whole number, not negative); the rules between figures are the facts reader's
(`topics.read_facts`), run by the service before it writes, and shown beside the field they name.
"""

from __future__ import annotations

import math
import re

from django import forms

from broadcast.services.facts import FactsEdit
from broadcast.topics import FACT_FIELDS

Number = int | float

LABELS = {
    "period": "Kỳ số liệu",
    "source": "Nơi cung cấp số liệu",
    "received": "Số hồ sơ đã tiếp nhận",
    "resolved": "Số hồ sơ đã giải quyết xong",
    "on_time_rate": "Tỉ lệ giải quyết đúng hạn và trước hạn (%)",
    "overdue": "Số hồ sơ trễ hạn",
    "online_received": "Số hồ sơ nộp trực tuyến",
    "online_share": "Tỉ lệ hồ sơ nộp trực tuyến (%)",
    "online_payment_share": "Tỉ lệ thanh toán phí, lệ phí trực tuyến (%)",
    "digitized_rate": "Tỉ lệ hồ sơ, kết quả được số hóa (%)",
    "satisfaction": "Tỉ lệ người dân hài lòng (%)",
    "feedback_received": "Số phản ánh, kiến nghị đã tiếp nhận",
    "feedback_resolved": "Số phản ánh, kiến nghị đã xử lý xong",
    "linked_procedures": "Số hồ sơ thủ tục liên thông đã giải quyết",
    "news": "Tin ngắn trong tháng",
}

HELP = {
    "period": "Được đọc lên nguyên văn, ví dụ «tháng hai năm 2027». Để trống thì đọc «{default}».",
    "source": "Được đọc lên: «Số liệu do … cung cấp». Để trống thì không đọc câu này.",
    "received": "Tổng số hồ sơ thủ tục hành chính tiếp nhận trong kỳ (trực tiếp và trực tuyến).",
    "resolved": "Số hồ sơ đã trả kết quả trong kỳ.",
    "on_time_rate": "Từ 0 đến 100, ví dụ 99,2. Dưới 100 thì phải ghi số hồ sơ trễ hạn (lớn hơn 0).",
    "overdue": "Ghi 0 nếu không có hồ sơ nào trễ hạn (khi đó tỉ lệ đúng hạn phải là 100).",
    "online_received": "Không lớn hơn số hồ sơ đã tiếp nhận.",
    "online_share": "Từ 0 đến 100. Nếu có cả số hồ sơ tiếp nhận và số nộp trực tuyến, tỉ lệ phải khớp "
    "(lệch tối đa 1 điểm).",
    "online_payment_share": "Từ 0 đến 100.",
    "digitized_rate": "Từ 0 đến 100.",
    "satisfaction": "Từ 0 đến 100: phần trăm người dân được hỏi cho biết hài lòng.",
    "feedback_received": "Phản ánh, kiến nghị của người dân, doanh nghiệp về thủ tục hành chính.",
    "feedback_resolved": "Chỉ được đọc khi có cả số đã tiếp nhận.",
    "linked_procedures": "Ví dụ liên thông khai sinh – thường trú – thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi.",
    "news": "Mỗi dòng một tin (một vài câu), được đọc nguyên văn. Để trống nếu không có tin.",
}

GROUPS = [
    ("Chung", ["period", "source"]),
    ("Hồ sơ thủ tục hành chính", ["received", "resolved", "on_time_rate", "overdue", "linked_procedures"]),
    ("Trực tuyến và số hóa", ["online_received", "online_share", "online_payment_share", "digitized_rate"]),
    ("Hài lòng, phản ánh, kiến nghị", ["satisfaction", "feedback_received", "feedback_resolved"]),
    ("Tin ngắn", ["news"]),
]

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
MAX_NEWS_ITEM = 1500


def show_number(value: object) -> str:
    """A figure as people write it here: 99,1 (comma decimals), 1310."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return (f"{value:.2f}".rstrip("0").rstrip(".")).replace(".", ",")
    return str(value)


def parse_count(text: str) -> int | None:
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        return None
    if s.startswith("-"):
        raise forms.ValidationError("Số này không được âm; ghi 0 nếu không có.")
    if _THOUSANDS.match(s):  # 1.310 = one thousand three hundred and ten (Vietnamese writing)
        s = s.replace(".", "")
    if not s.isdigit():
        raise forms.ValidationError("Ghi một số nguyên, ví dụ 412 (không có chữ, không có phần lẻ).")
    if len(s) > 9:
        raise forms.ValidationError("Số quá lớn; kiểm tra lại (có gõ thừa chữ số không?).")
    return int(s)


def parse_percent(text: str) -> Number | None:
    s = text.strip().replace(" ", "").replace("\u00a0", "").removesuffix("%").replace(",", ".")
    if not s:
        return None
    try:
        value = float(s)
    except ValueError:
        raise forms.ValidationError("Ghi một con số, ví dụ 98,6 (không có chữ).") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise forms.ValidationError("Tỉ lệ phần trăm phải từ 0 đến 100.")
    if "." in s and len(s.split(".")[1].rstrip("0")) > 2:
        raise forms.ValidationError("Ghi tối đa hai chữ số sau dấu phẩy, ví dụ 98,65.")
    return int(value) if value.is_integer() else value


class FactsForm(forms.Form):
    """Every entry of a facts file; hidden: the file's hash and whether the figures are examples."""

    base_sha256 = forms.RegexField(regex=r"^([0-9a-f]{64})?$", required=False, widget=forms.HiddenInput)
    example = forms.BooleanField(required=False, widget=forms.HiddenInput)
    period = forms.CharField(label=LABELS["period"], max_length=120, required=False)
    source = forms.CharField(label=LABELS["source"], max_length=300, required=False)
    news = forms.CharField(
        label=LABELS["news"], required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    confirm_real = forms.BooleanField(
        label="Tôi xác nhận các số trên là số liệu thật của địa phương (bỏ dấu «số liệu ví dụ»)",
        required=False,
    )

    def __init__(self, *args, default_period: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, (kind, _) in FACT_FIELDS.items():
            mode = "numeric" if kind == "count" else "decimal"
            self.fields[key] = forms.CharField(
                label=LABELS[key],
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": mode, "class": "num", "autocomplete": "off"}),
            )
        for key, field in self.fields.items():
            if key in HELP:
                field.help_text = HELP[key].format(default=default_period or "tháng trước")

    def clean(self) -> dict:
        data = super().clean()
        for key, (kind, _) in FACT_FIELDS.items():
            if key in self.errors:
                continue
            try:
                parse = parse_count if kind == "count" else parse_percent
                data[key] = parse(data.get(key) or "")
            except forms.ValidationError as exc:
                self.add_error(key, exc)
        news = [" ".join(line.split()) for line in (data.get("news") or "").splitlines()]
        data["news_items"] = [n for n in news if n]
        if any(len(n) > MAX_NEWS_ITEM for n in data["news_items"]):
            self.add_error("news", f"Mỗi tin tối đa {MAX_NEWS_ITEM} ký tự; chia tin dài thành nhiều dòng.")
        return data

    def edit(self, *, example: bool) -> FactsEdit:
        """The cleaned form as the service takes it (`example`: whether the figures stay examples)."""
        d = self.cleaned_data
        return FactsEdit(
            period=" ".join(d["period"].split()),
            source=" ".join(d["source"].split()),
            figures={k: d.get(k) for k in FACT_FIELDS},
            news=d["news_items"],
            example=example and not d["confirm_real"],
        )


def initial_from(values: dict[str, object], *, sha256: str, example: bool) -> dict[str, object]:
    """Form values from a facts file's raw values (possibly invalid after a hand edit) or an edit."""
    initial: dict[str, object] = {"base_sha256": sha256, "example": example}
    for key in ("period", "source"):
        value = values.get(key)
        initial[key] = "" if value is None else str(value)
    for key in FACT_FIELDS:
        initial[key] = show_number(values.get(key))
    news = values.get("news")
    if isinstance(news, list):
        initial["news"] = "\n".join(str(n) for n in news)
    else:
        initial["news"] = "" if news is None else str(news)
    return initial


def edit_values(edit: FactsEdit) -> dict[str, object]:
    """A FactsEdit as raw values (for `initial_from`)."""
    return {"period": edit.period, "source": edit.source, "news": list(edit.news), **edit.figures}
