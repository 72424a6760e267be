"""Vietnamese for click's own words (usage line, option list, usage errors).

Click 8.1 looks up its messages through `gettext` in each of its modules. Content staff and
operators read `broadcast --help` and usage errors, so the strings they see are replaced
here by Vietnamese ones; anything not in the table keeps click's English.
"""

from __future__ import annotations

import importlib

# click's message id -> Vietnamese. Placeholders may be dropped (str.format ignores extras).
MESSAGES: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Các lệnh",
    "Show this message and exit.": "Xem hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Xem phiên bản rồi thoát.",
    "Aborted!": "Đã dừng.",
    "(Deprecated) {text}": "(Không dùng nữa) {text}",
    "Missing command.": "Thiếu tên lệnh. Xem các lệnh: broadcast --help",
    "No such command {name!r}.": "Không có lệnh '{name}'. Xem các lệnh: broadcast --help",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: {command} {option}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị {param_hint} không hợp lệ: {message}",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "No such option: {name}": "Không có tùy chọn {name}.",
    "Option {name!r} does not take a value.": "Tùy chọn {name} không đi kèm giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name} cần {nargs} giá trị.",
    "env var: {var}": "biến môi trường: {var}",
    "(dynamic)": "(tùy lúc chạy)",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "{value!r} is not a valid {number_type}.": "'{value}' không phải là một số.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng cho phép {range}.",
    "{value} is not in the range {min} to {max}.": "{value} nằm ngoài khoảng cho phép (từ {min} đến {max}).",
    "{value!r} is not a valid boolean.": "'{value}' không phải là có/không (true/false).",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "{name} '{filename}' không tồn tại.",
    "{name} {filename!r} is a file.": "{name} '{filename}' là một tệp, cần một thư mục.",
    "{name} {filename!r} is a directory.": "{name} '{filename}' là một thư mục, cần một tệp.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} '{filename}'.",
    "{name} {filename!r} is not writable.": "Không ghi được vào {name} '{filename}'.",
}

# (singular, plural) -> Vietnamese (no plural forms in Vietnamese).
PLURALS: dict[tuple[str, str], str] = {
    (
        "Did you mean {possibility}?",
        "(Possible options: {possibilities})",
    ): "Có phải ý bạn là: {possibility}?",
    (
        "Got unexpected extra argument ({args})",
        "Got unexpected extra arguments ({args})",
    ): "Thừa tham số: {args}",
    (
        "Option {name!r} requires an argument.",
        "Option {name!r} requires {nargs} arguments.",
    ): "Tùy chọn {name} cần đi kèm một giá trị.",
    (
        "{value!r} is not {choice}.",
        "{value!r} is not one of {choices}.",
    ): "'{value}' không hợp lệ; chọn một trong: {choices}.",
}

_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    if (singular, plural) in PLURALS:
        return PLURALS[(singular, plural)]
    return singular if n == 1 else plural


def install() -> None:
    """Make click speak Vietnamese in every module that has messages (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
