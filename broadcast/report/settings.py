"""Parse the `report:` and `archive:` sections of station.yaml (called by config.load_station)."""

from __future__ import annotations

from typing import Any

from broadcast.report.models import ReportSettings


def parse_report(r: Any) -> ReportSettings:
    """ReportSettings from config's located reader `r` (errors name file, line and field)."""
    p = ("report",)
    recipients = r.get(*p, "recipients") or []
    if not isinstance(recipients, list) or not all(isinstance(x, str) and x.strip() for x in recipients):
        raise r.fail(
            (*p, "recipients"),
            "phải là danh sách nơi nhận, mỗi nơi một dòng chữ.",
            'Ví dụ:\n  recipients:\n    - "UBND tỉnh Quảng Ngãi (để b/c)"\n    - "Lưu: VT, VHXH"',
        )
    prefix = r.text(*p, "number_prefix") or "BC-UBND"
    if "/" in prefix or len(prefix) > 40:
        raise r.fail(
            (*p, "number_prefix"),
            f"ký hiệu '{prefix}' không dùng được trong số văn bản.",
            'Chỉ ghi phần sau dấu "/", ví dụ number_prefix: "BC-UBND".',
        )
    return ReportSettings(
        issuing_body=r.text(*p, "issuing_body"),
        parent_body=r.text(*p, "parent_body"),
        place=r.text(*p, "place"),
        number_prefix=prefix,
        signer_authority=r.text(*p, "signer_authority"),
        signer_title=r.text(*p, "signer_title"),
        signer_name=r.text(*p, "signer_name"),
        recipients=[x.strip() for x in recipients],
        keep_days=int(r.number("archive", "keep_days", lo=1, hi=3650, integer=True)),
    )
