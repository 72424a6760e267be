"""`broadcast web`: the web console (Bàn biên tập) for the station, served by waitress."""

from __future__ import annotations

import os
from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.errors import ConfigError, NextStep
from broadcast.network.config import load_network


def _setup(station_dir: Path, network_dir: Path | None = None) -> None:
    """Check the station, configure Django for it and bring its database up to date."""
    station = load_station(station_dir)  # a broken station.yaml is reported before anything starts
    if network_dir is not None:
        load_network(network_dir)  # so is a broken network.yaml
    from broadcast.web import conf  # Django is imported only for this command (start-up cost)

    conf.configure(station.dir, network_dir=network_dir)
    conf.migrate()


@click.group("web", invoke_without_command=True)
@station_options
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ĐỊA_CHỈ",
    help="Địa chỉ nghe; 0.0.0.0 để máy khác trong mạng cơ quan mở được.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    metavar="CỔNG",
    help="Cổng nghe.",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    metavar="SỐ",
    help="Số luồng phục vụ cùng lúc.",
)
@click.option(
    "--network",
    "network_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="THƯ_MỤC",
    default=lambda: os.environ.get("BROADCAST_NETWORK") or None,
    help="Thư mục mạng đài (network.yaml): thêm trang Mạng đài để theo dõi và làm chương trình cho mọi đài.",
)
@click.pass_context
def command(
    ctx: click.Context,
    station_dir: Path,
    verbose: bool,
    host: str,
    port: int,
    threads: int,
    network_dir: Path | None,
) -> None:
    """Mở bàn biên tập trên trình duyệt (mặc định http://127.0.0.1:8000).

    Lần đầu mở, trang web mời tạo tài khoản quản trị. Lệnh con: adduser (thêm người).
    """
    ctx.obj = station_dir
    if ctx.invoked_subcommand is not None:
        return
    _setup(station_dir, network_dir)
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Bàn biên tập đang chạy: mở trình duyệt tại http://{shown}:{port}/ (Ctrl+C để dừng).")
    try:
        serve(get_wsgi_application(), host=host, port=port, threads=threads, ident="broadcast")
    except OSError as exc:
        raise ConfigError(
            f"không mở được cổng {host}:{port} ({exc.strerror or exc}).",
            hint="Có thể bàn biên tập đã chạy rồi, hoặc chương trình khác dùng cổng này; "
            "chọn cổng khác bằng --port.",
            next_step=NextStep("web"),
        ) from None


@command.command("adduser")
@click.argument("name", metavar="TÊN_ĐĂNG_NHẬP")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    metavar="VAI_TRÒ",
    help="editor (biên tập), approver (duyệt), operator (kỹ thuật), admin (quản trị); "
    "lặp lại để cho nhiều vai trò.",
)
@click.option("--full-name", default="", metavar="HỌ_TÊN", help="Họ tên (ghi vào lời duyệt).")
@click.option(
    "--password", default=None, metavar="MẬT_KHẨU", help="Mật khẩu (bỏ trống để được hỏi, không hiện khi gõ)."
)
@click.pass_obj
def adduser(
    station_dir: Path, name: str, roles: tuple[str, ...], full_name: str, password: str | None
) -> None:
    """Thêm một người dùng bàn biên tập (hoặc đặt lại mật khẩu và vai trò nếu đã có)."""
    from broadcast.web.roles import ALIASES, ROLES

    chosen = set()
    for r in roles:
        key = ALIASES.get(r.strip().lower())
        if key is None:
            raise ConfigError(
                f"không có vai trò '{r}'.",
                field="--role",
                hint="Chọn một trong: " + ", ".join(f"{k} ({v})" for k, v in ROLES.items()) + ".",
            )
        chosen.add(key)
    if password is None:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    if len(password) < 8:
        raise ConfigError("mật khẩu quá ngắn.", field="--password", hint="Dùng ít nhất 8 ký tự.")
    _setup(station_dir)
    from django.contrib.auth.models import User

    from broadcast.web import audit
    from broadcast.web.roles import set_roles

    user, created = User.objects.get_or_create(username=name)
    if full_name:
        first, _, last = full_name.strip().rpartition(" ")
        user.first_name, user.last_name = (first, last) if first else (last, "")
    user.set_password(password)
    user.save()
    set_roles(user, chosen)
    audit.record(
        None,
        "user",
        username="(dòng lệnh)",
        detail=f"{'thêm' if created else 'sửa'} {name}: {', '.join(sorted(chosen))}",
    )
    click.echo(
        f"Đã {'thêm' if created else 'cập nhật'} tài khoản {name}: "
        + ", ".join(ROLES[r] for r in sorted(chosen))
        + "."
    )
