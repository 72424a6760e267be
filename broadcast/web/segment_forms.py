"""The form of one script segment: its title, text blocks and cue controls (Tháng page).

The form's layout (which block is text, which a cue) travels with the form ("t"/"c" per
block), so a save is rebuilt from what the editor saw even if the file changed meanwhile;
the services decide whether it can still be applied (broadcast/services/segments.py).
"""

from __future__ import annotations

from typing import Any

from django import forms

from broadcast.errors import BroadcastError
from broadcast.services.content import ScriptText
from broadcast.services.segments import (
    CUE_KINDS,
    REMOVE,
    EditedCue,
    SegmentText,
    cue_problem,
    split_script,
)

MAX_BLOCKS = 400
_HEX = r"^[0-9a-f]{64}$"


def _number(text: str) -> float | None:
    text = (text or "").strip().replace(",", ".").replace("−", "-")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e6 else None  # NaN / huge: not a number


class SegmentForm(forms.Form):
    base_sha256 = forms.RegexField(regex=_HEX, widget=forms.HiddenInput)
    segment_sha256 = forms.RegexField(regex=_HEX, widget=forms.HiddenInput)
    layout = forms.RegexField(regex=rf"^[tc]{{1,{MAX_BLOCKS}}}$", widget=forms.HiddenInput)
    heading = forms.CharField(max_length=10_000, strip=False, widget=forms.HiddenInput)
    title = forms.CharField(label="Tên đoạn (không đọc lên)", max_length=300)

    def __init__(self, *args: Any, index: int, layout: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"d{index}", **kwargs)
        self.index = index
        if not layout or len(layout) > MAX_BLOCKS or set(layout) - {"t", "c"}:
            layout = ""
        self.block_layout = layout
        for i, kind in enumerate(layout):
            if kind == "t":
                self.fields[f"b{i}"] = forms.CharField(
                    label="Lời đọc",
                    required=False,
                    strip=False,
                    max_length=200_000,
                    widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "seg-text"}),
                )
            else:
                self.fields[f"b{i}"] = forms.ChoiceField(
                    label="Tín hiệu",
                    choices=[*CUE_KINDS.items(), (REMOVE, "(bỏ tín hiệu này)")],
                    required=False,
                )
                self.fields[f"b{i}_so"] = forms.CharField(
                    label="Số",
                    required=False,
                    max_length=20,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 4, "class": "cue-value"}),
                )
                self.fields[f"b{i}_goc"] = forms.CharField(
                    required=False, max_length=10_000, strip=False, widget=forms.HiddenInput
                )

    @classmethod
    def for_segment(cls, seg: SegmentText, base_sha256: str) -> SegmentForm:
        layout = "".join("t" if b.kind == "text" else "c" for b in seg.blocks)
        initial: dict[str, Any] = {
            "base_sha256": base_sha256,
            "segment_sha256": seg.sha256,
            "layout": layout,
            "heading": seg.heading,
            "title": seg.title,
        }
        for i, block in enumerate(seg.blocks):
            if block.kind == "text":
                initial[f"b{i}"] = block.text
            else:
                initial[f"b{i}"] = block.cue
                initial[f"b{i}_so"] = "" if block.value is None else f"{block.value:g}"
                initial[f"b{i}_goc"] = block.raw
        return cls(index=seg.index, layout=layout, initial=initial)

    @classmethod
    def from_post(cls, data: Any, index: int) -> SegmentForm:
        return cls(data, index=index, layout=str(data.get(f"d{index}-layout", ""))[: MAX_BLOCKS + 1])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("layout") and data["layout"] != self.block_layout:
            raise forms.ValidationError("Biểu mẫu không khớp; tải lại trang.")
        for i, kind in enumerate(self.block_layout):
            if kind != "c":
                continue
            cue = data.get(f"b{i}") or REMOVE
            if cue in ("pause", "gain"):
                value = _number(data.get(f"b{i}_so", ""))
                problem = cue_problem(cue, value)
                if problem:
                    self.add_error(f"b{i}_so", problem)
        return data

    def parts(self) -> list[str | EditedCue]:
        """The blocks as the services rebuild them (call after is_valid())."""
        out: list[str | EditedCue] = []
        for i, kind in enumerate(self.block_layout):
            if kind == "t":
                out.append(self.cleaned_data.get(f"b{i}") or "")
            else:
                cue = self.cleaned_data.get(f"b{i}") or REMOVE
                value = _number(self.cleaned_data.get(f"b{i}_so", "")) if cue in ("pause", "gain") else None
                out.append(EditedCue(cue, value, self.cleaned_data.get(f"b{i}_goc") or ""))
        return out

    def rows(self) -> list[dict[str, Any]]:
        """The blocks for the template: a text area, or a cue's select, number and unit."""
        rows: list[dict[str, Any]] = []
        for i, kind in enumerate(self.block_layout):
            if kind == "t":
                field = self[f"b{i}"]
                # as tall as the text (a paragraph is one long line; ~80 characters a row)
                text = str(field.value() or "").replace("\r\n", "\n")
                height = sum(1 + len(line) // 80 for line in text.split("\n"))
                self.fields[f"b{i}"].widget.attrs["rows"] = max(2, min(16, height))
                rows.append({"kind": "text", "field": field})
            else:
                field = self[f"b{i}"]
                rows.append(
                    {
                        "kind": "cue",
                        "field": field,
                        "value": self[f"b{i}_so"],
                        "original": self[f"b{i}_goc"],
                        "unit": {"pause": "giây", "gain": "dB"}.get(str(field.value() or ""), ""),
                    }
                )
        return rows


def segment_rows(
    loaded: ScriptText, *, editable: bool, bound: dict[int, SegmentForm] | None = None
) -> tuple[list[dict[str, Any]], str]:
    """Each segment of the loaded script with its form (editors) for the Tháng page.

    Returns (rows, error): error is a Vietnamese sentence when the file cannot be edited by
    segment (the whole-text editor still works).
    """
    try:
        split = split_script(loaded.text, loaded.script)
    except BroadcastError as exc:
        return [], str(exc)
    bound = bound or {}
    rows = []
    for seg in split.segments:
        form = bound.get(seg.index) or (SegmentForm.for_segment(seg, loaded.sha256) if editable else None)
        rows.append({"seg": seg, "form": form, "open": seg.index in bound})
    return rows, ""
