"""The `broadcast` command: a click group with one module per command.

Only this entry point turns `BroadcastError` into a Vietnamese message and an exit code
(0 ok, 1 wrong input, 2 wrong environment); tracebacks are shown only with `-v`.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from broadcast.cli import _click_vi
from broadcast.cli.wording import error_text
from broadcast.errors import BroadcastError

_click_vi.install()

# click prints these in usage lines ("broadcast make [OPTIONS]").
OPTIONS_METAVAR = "[TÙY_CHỌN]"

# One module per command, in the order `broadcast --help` lists them. Each module exposes
# `command`, a click.Command.
_COMMANDS = [
    "make",
    "plan",
    "script",
    "check",
    "approve",
    "normalize",
    "produce",
    "voices",
    "reading",
    "schedule",
    "check_air",
    "day",
    "play",
    "asrun",
    "report",
    "archive",
    "daemon",
    "init",
    "network",
    "worker",
    "web",
]


class _Group(click.Group):
    """Loads command modules lazily so `broadcast normalize` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name.replace("_", "-") for name in _COMMANDS]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = name.replace("-", "_")
        if module_name not in _COMMANDS:
            return None
        module = importlib.import_module(f"broadcast.cli.{module_name}")
        _vietnamese_metavars(module.command)
        return module.command


def _vietnamese_metavars(command: click.Command) -> None:
    """Usage lines in Vietnamese: `[TÙY_CHỌN]` instead of `[OPTIONS]`, also in subgroups."""
    command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, click.Group):
        command.subcommand_metavar = "LỆNH [THAM_SỐ]..."
        for sub in command.commands.values():
            _vietnamese_metavars(sub)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    options_metavar=OPTIONS_METAVAR,
    subcommand_metavar="LỆNH [THAM_SỐ]...",
)
@click.version_option(
    None,
    "-V",
    "--version",
    package_name="broadcast",
    prog_name="broadcast",
    message="%(prog)s phiên bản %(version)s",
)
def cli() -> None:
    """Chương trình phát thanh cải cách hành chính hằng tháng cho đài truyền thanh cơ sở."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the group and map errors to messages and exit codes."""
    args = argv if argv is not None else sys.argv[1:]
    verbose = "-v" in args or "--verbose" in args
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if verbose else "Cảnh báo: %(message)s",
    )
    try:
        cli.main(args=argv, prog_name="broadcast", standalone_mode=False)
    except BroadcastError as exc:
        if verbose:
            logging.exception("chi tiết lỗi")
        click.echo(f"Lỗi: {error_text(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Đã dừng.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(1 if exc.exit_code == 2 else exc.exit_code)
    except OSError as exc:
        # Last resort: the stages turn the OS errors they expect into BroadcastError; anything
        # else (a file locked by another program, a vanished USB stick) still gets a sentence.
        if verbose:
            logging.exception("chi tiết lỗi")
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        click.echo(
            f"Lỗi hệ thống khi đọc/ghi tệp{where}: {exc.strerror or exc}.\n"
            "  Cách sửa: kiểm tra ổ đĩa còn chỗ trống, quyền ghi thư mục, và tệp không bị "
            "chương trình khác đang mở; chạy lại lệnh với -v để xem chi tiết.",
            err=True,
        )
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Đã dừng (Ctrl+C). Các tệp đã làm xong vẫn còn nguyên.", err=True)
        sys.exit(130)
