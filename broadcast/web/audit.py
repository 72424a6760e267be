"""Writing the audit log (who, when, what, hash before/after)."""

from __future__ import annotations

from django.http import HttpRequest

from broadcast.web.models import AuditEntry

ACTIONS = {
    "login": "đăng nhập",
    "login_failed": "đăng nhập sai",
    "logout": "đăng xuất",
    "setup": "tạo quản trị đầu tiên",
    "edit": "sửa kịch bản",
    "facts": "sửa số liệu",
    "conflict": "lưu bị từ chối (xung đột)",
    "approve": "duyệt",
    "produce": "dựng bản nghe thử",
    "make": "dựng và xếp lịch",
    "reading": "giọng người đọc",
    "download": "tải về",
    "user": "tài khoản",
    "settings": "cài đặt",
    "network": "làm chương trình cho mạng đài",
    "playout_play": "phát ngay (bảng phát sóng)",
    "playout_stop": "dừng phát (bảng phát sóng)",
    "playout_skip": "bỏ qua mục đang phát (bảng phát sóng)",
}


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def record(
    request: HttpRequest | None,
    action: str,
    *,
    month: str = "",
    detail: str = "",
    before: str = "",
    after: str = "",
    username: str | None = None,
) -> AuditEntry:
    if username is None:
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else ""
    return AuditEntry.objects.create(
        username=username,
        action=action,
        month=month,
        detail=detail[:2000],
        sha_before=before or "",
        sha_after=after or "",
        ip=client_ip(request) if request else "",
    )
