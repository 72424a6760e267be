"""`broadcast normalize`: the spoken form of each line on stdin, one line out per line in."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.errors import NormalizeError
from broadcast.spoken import Normalizer
from broadcast.store import StationStore
from broadcast.yamlio import compose_yaml


def _station_spell_issuer(station_dir: Path) -> bool:
    """The station's `normalize.spell_issuer` setting (False when there is no station.yaml)."""
    if not StationStore.is_station(station_dir):
        return False
    return bool(load_station(station_dir).spell_issuer)


@click.command("normalize")
@station_options
@click.option(
    "--explain",
    is_flag=True,
    help="Ghi ra stderr quy tắc nào đã đổi chữ nào và vì ngữ cảnh nào (stdout vẫn một dòng ra "
    "cho một dòng vào).",
)
@click.option(
    "--unreadable",
    "list_unreadable",
    is_flag=True,
    help="Liệt kê ra stderr các chữ không đọc được (viết tắt lạ, ký hiệu), kèm số dòng.",
)
@click.option(
    "--spell-issuer/--no-spell-issuer",
    default=None,
    help="Đọc mã cơ quan ban hành trong số văn bản ('NQ-CP' -> 'en quy xê pê') thay vì bỏ "
    "qua. Mặc định theo station.yaml (normalize.spell_issuer).",
)
def command(
    station_dir: Path,
    verbose: bool,
    explain: bool,
    list_unreadable: bool,
    spell_issuer: bool | None,
) -> None:
    """Đọc văn bản từ stdin, ghi cách đọc (chữ tiếng Việt) ra stdout, mỗi dòng một dòng."""
    if spell_issuer is None:
        spell_issuer = _station_spell_issuer(station_dir)
    lexicon = StationStore(station_dir).station_lexicon()
    if lexicon is not None:  # bombs, nesting, FIFOs: a located error before the normaliser parses it
        compose_yaml(lexicon, error=NormalizeError)
    normalizer = Normalizer(lexicon, spell_issuer=spell_issuer)
    stdin = click.get_binary_stream("stdin")
    stdout = click.get_binary_stream("stdout")
    missing: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(stdin, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise NormalizeError(
                "dữ liệu vào không phải văn bản UTF-8.",
                file="<stdin>",
                line=number,
                hint="Lưu tệp dạng UTF-8 (trong Word/Notepad: Lưu thành… > Mã hóa UTF-8).",
            ) from exc
        # Exactly one line out per line in: no line break may survive inside a line.
        line = line.rstrip("\n").rstrip("\r").replace("\r", " ").replace("\n", " ")
        spoken = normalizer.normalize(line) if line.strip() else ""
        stdout.write(spoken.encode("utf-8") + b"\n")
        stdout.flush()
        if explain and line.strip():
            for change in normalizer.explain(line):
                why = f"  ({change.why})" if change.why else ""
                click.echo(
                    f"dòng {number} [{change.rule}] {change.before!r} -> {change.after!r}{why}",
                    err=True,
                )
        if list_unreadable and line.strip():
            tokens = normalizer.unreadable(line)
            if tokens:
                missing.append((number, tokens))
                click.echo(f"dòng {number}: không đọc được: {', '.join(tokens)}", err=True)
    if list_unreadable and missing:
        click.echo(
            f"{len(missing)} dòng có chữ không đọc được. Thêm chữ viết tắt vào lexicon.yaml "
            "của đài (xem docs/lexicon.md), ví dụ 'UBND: Ủy ban nhân dân'.",
            err=True,
        )
