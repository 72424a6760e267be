"""Topic library, the annual plan (topic per month) and the month's local facts.

Topics are YAML files: the built-in ones in broadcast/data/topics/, and the station's own in
<station>/topics/*.yaml, which replace a built-in topic with the same id or add new ones.
The annual plan `schedules/plan-YYYY.yaml` is written by `broadcast plan` and may be edited
by staff. Local figures come only from `facts/YYYY-MM.yaml`: a missing figure is left out of
the script, never invented.
"""

from __future__ import annotations

import copy
import difflib
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from broadcast.config import Station, validate_month
from broadcast.errors import ConfigError, NextStep
from broadcast.fsutil import atomic_write_text
from broadcast.textutil import fold
from broadcast.yamlio import Located, load_yaml

log = logging.getLogger(__name__)

# The six reform areas of the State administrative reform programme (Nghị quyết 76/NQ-CP).
AREAS: dict[str, str] = {
    "the-che": "cải cách thể chế",
    "thu-tuc-hanh-chinh": "cải cách thủ tục hành chính",
    "to-chuc-bo-may": "cải cách tổ chức bộ máy hành chính nhà nước",
    "che-do-cong-vu": "cải cách chế độ công vụ",
    "tai-chinh-cong": "cải cách tài chính công",
    "chinh-quyen-so": "xây dựng và phát triển chính quyền điện tử, chính quyền số",
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_TITLE_START = re.compile(r",? (về|ban hành|quy định|thực hiện|triển khai) ")
_REQUIRED_TEXT = ("id", "title", "area", "summary")
_REQUIRED_LISTS = ("key_messages", "explanation", "how_to", "qa", "legal")
_OPTIONAL = ("short_title", "months", "intro", "story", "order", "tip")
_TOPIC_FIELDS = _REQUIRED_TEXT + _REQUIRED_LISTS + _OPTIONAL

# Facts fields (facts/YYYY-MM.yaml): name -> (kind, Vietnamese description for messages/docs).
FACT_FIELDS: dict[str, tuple[str, str]] = {
    "received": ("count", "số hồ sơ thủ tục hành chính đã tiếp nhận"),
    "resolved": ("count", "số hồ sơ đã giải quyết xong"),
    "on_time_rate": ("percent", "tỉ lệ hồ sơ giải quyết đúng hạn và trước hạn (%)"),
    "overdue": ("count", "số hồ sơ trễ hạn"),
    "online_received": ("count", "số hồ sơ nộp trực tuyến"),
    "online_share": ("percent", "tỉ lệ hồ sơ nộp trực tuyến (%)"),
    "online_payment_share": ("percent", "tỉ lệ hồ sơ thanh toán phí, lệ phí trực tuyến (%)"),
    "digitized_rate": ("percent", "tỉ lệ hồ sơ, kết quả được số hóa (%)"),
    "satisfaction": ("percent", "tỉ lệ người dân hài lòng (%)"),
    "feedback_received": ("count", "số phản ánh, kiến nghị đã tiếp nhận"),
    "feedback_resolved": ("count", "số phản ánh, kiến nghị đã xử lý xong"),
    "linked_procedures": ("count", "số hồ sơ thủ tục liên thông đã giải quyết"),
}
_FACT_META = {
    "example": "true nếu là số liệu ví dụ (không phải số liệu thật)",
    "period": 'khoảng thời gian của số liệu, ví dụ "tháng mười một năm 2026"',
    "source": 'nơi cung cấp số liệu, ví dụ "Trung tâm Phục vụ hành chính công phường"',
    "news": "danh sách tin ngắn trong tháng, mỗi tin một câu hoặc vài câu",
}


# --------------------------------------------------------------------------- topics


@dataclass
class LegalRef:
    """A legal reference as written in the plans, optionally tied to one province."""

    text: str
    province: str = ""
    """Empty for national documents; e.g. "Quảng Ngãi" for a provincial one."""

    @property
    def short(self) -> str:
        """Number, date and issuer only ("Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ"):
        easier on the ear than the full title."""
        idx = self.text.find(" của ")
        if idx < 0:
            return self.text
        m = _TITLE_START.search(self.text, idx + 5)
        return self.text[: m.start()] if m else self.text

    def applies_to(self, station: Station) -> bool:
        """National references apply everywhere; provincial ones only to that province."""
        if not self.province:
            return True
        wanted = fold(self.province).replace(" ", "")
        own = getattr(station, "province", "") or ""
        if own:
            return fold(own).replace(" ", "") == wanted
        hay = " ".join(
            [station.name, station.locality, station.authority, *(station.contacts or {}).values()]
        )
        return wanted in fold(hay).replace(" ", "")


@dataclass
class Topic:
    """One programme topic: what to say, how to explain it, what to do, and the law behind it."""

    id: str
    title: str
    area: str
    summary: str
    key_messages: list[str]
    explanation: list[str]
    how_to: list[str]
    qa: list[dict[str, str]]
    legal: list[LegalRef]
    short_title: str = ""
    months: list[int] = field(default_factory=list)
    """Calendar placement (e.g. [1] for the start-of-year plan); empty = any month."""
    intro: str = ""
    story: list[str] = field(default_factory=list)
    tip: str = ""
    order: int = 100
    source: Path | None = None
    builtin: bool = True

    @property
    def area_name(self) -> str:
        return AREAS[self.area]

    def for_template(self, station: Station) -> dict[str, Any]:
        """The topic as the templates see it (legal references filtered for the station)."""
        return {
            "id": self.id,
            "title": self.title,
            "short_title": self.short_title or self.title,
            "area": self.area,
            "area_name": self.area_name,
            "summary": self.summary,
            "key_messages": list(self.key_messages),
            "explanation": list(self.explanation),
            "how_to": list(self.how_to),
            "qa": [dict(q) for q in self.qa],
            "legal": [r.text for r in self.legal if r.applies_to(station)],
            "legal_short": [r.short for r in self.legal if r.applies_to(station)],
            "intro": self.intro,
            "story": list(self.story),
            "tip": self.tip,
        }


def _builtin_topic_files() -> list[Path]:
    root = Path(str(resources.files("broadcast").joinpath("data/topics")))
    return sorted(root.glob("*.yaml"))


def _text(src: Located, data: dict, key: str, required: bool) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(
                f"chủ đề thiếu mục '{key}'.",
                file=src.file,
                line=src.line(key) or 1,
                field=key,
                hint="Xem mẫu trong docs/content.md.",
            )
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ConfigError(f"mục '{key}' phải là một đoạn chữ.", file=src.file, line=src.line(key), field=key)
    return " ".join(str(value).split())


def _text_list(src: Located, data: dict, key: str, required: bool) -> list[str]:
    value = data.get(key)
    if value is None:
        if required:
            raise ConfigError(
                f"chủ đề thiếu mục '{key}'.",
                file=src.file,
                line=1,
                field=key,
                hint=f"Thêm '{key}:' với ít nhất một dòng '- …'. Xem docs/content.md.",
            )
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or (required and not value):
        raise ConfigError(
            f"mục '{key}' phải là danh sách (mỗi dòng bắt đầu bằng '- ').",
            file=src.file,
            line=src.line(key),
            field=key,
        )
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, (str, int, float)) or isinstance(item, bool) or not str(item).strip():
            raise ConfigError(
                f"dòng thứ {i + 1} của mục '{key}' phải là một đoạn chữ.",
                file=src.file,
                line=src.line(key, i),
                field=f"{key}[{i}]",
            )
        out.append(" ".join(str(item).split()))
    return out


def parse_topic(src: Located, *, builtin: bool) -> Topic:
    """Validate one topic document; errors name file, line and field (ConfigError)."""
    data = src.data
    if not isinstance(data, dict):
        raise ConfigError("tệp chủ đề phải gồm các mục dạng 'khóa: giá trị'.", file=src.file, line=1)
    for key in data:
        if key not in _TOPIC_FIELDS:
            raise ConfigError(
                f"không có mục tên '{key}' trong chủ đề.",
                file=src.file,
                line=src.line(key),
                field=str(key),
                hint="Các mục hợp lệ: " + ", ".join(_TOPIC_FIELDS) + ".",
            )
    tid = _text(src, data, "id", True)
    if not _SLUG.match(tid):
        raise ConfigError(
            f"mã chủ đề '{tid}' phải viết thường, không dấu, chỉ chữ, số và '-'.",
            file=src.file,
            line=src.line("id"),
            field="id",
            hint="Ví dụ: id: mot-cua-lien-thong",
        )
    area = _text(src, data, "area", True)
    if area not in AREAS:
        raise ConfigError(
            f"lĩnh vực '{area}' không có.",
            file=src.file,
            line=src.line("area"),
            field="area",
            hint="Chọn một trong: " + ", ".join(f"{k} ({v})" for k, v in AREAS.items()) + ".",
        )
    qa_raw = data.get("qa")
    if not isinstance(qa_raw, list) or not qa_raw:
        raise ConfigError(
            "mục 'qa' phải là danh sách các cặp hỏi – đáp.",
            file=src.file,
            line=src.line("qa") or 1,
            field="qa",
            hint="Ví dụ:\n  qa:\n    - q: Câu hỏi?\n      a: Câu trả lời.",
        )
    qa = []
    for i, pair in enumerate(qa_raw):
        if (
            not isinstance(pair, dict)
            or not str(pair.get("q") or "").strip()
            or not str(pair.get("a") or "").strip()
        ):
            raise ConfigError(
                f"cặp hỏi – đáp thứ {i + 1} phải có cả 'q' (câu hỏi) và 'a' (câu trả lời).",
                file=src.file,
                line=src.line("qa", i),
                field=f"qa[{i}]",
            )
        extra = set(pair) - {"q", "a", "who"}
        if extra:
            raise ConfigError(
                f"cặp hỏi – đáp thứ {i + 1} có mục lạ: {', '.join(map(str, extra))}.",
                file=src.file,
                line=src.line("qa", i),
                field=f"qa[{i}]",
                hint="Chỉ dùng q, a và who.",
            )
        qa.append({k: " ".join(str(v).split()) for k, v in pair.items()})
    legal_raw = data.get("legal")
    if not isinstance(legal_raw, list) or not legal_raw:
        raise ConfigError(
            "mục 'legal' phải liệt kê ít nhất một văn bản (số, ngày, cơ quan ban hành).",
            file=src.file,
            line=src.line("legal") or 1,
            field="legal",
        )
    legal = []
    for i, ref in enumerate(legal_raw):
        if isinstance(ref, str) and ref.strip():
            legal.append(LegalRef(" ".join(ref.split())))
        elif isinstance(ref, dict) and str(ref.get("text") or "").strip():
            legal.append(LegalRef(" ".join(str(ref["text"]).split()), str(ref.get("province") or "")))
        else:
            raise ConfigError(
                f"văn bản thứ {i + 1} trong 'legal' phải là một dòng chữ hoặc có 'text:'.",
                file=src.file,
                line=src.line("legal", i),
                field=f"legal[{i}]",
            )
    months_raw = data.get("months") or []
    if not isinstance(months_raw, list) or any(
        isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12 for m in months_raw
    ):
        raise ConfigError(
            "mục 'months' phải là danh sách tháng từ 1 đến 12.",
            file=src.file,
            line=src.line("months"),
            field="months",
            hint="Ví dụ: months: [10]",
        )
    order = data.get("order", 100)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ConfigError(
            "mục 'order' phải là số nguyên.", file=src.file, line=src.line("order"), field="order"
        )
    return Topic(
        id=tid,
        title=_text(src, data, "title", True),
        area=area,
        summary=_text(src, data, "summary", True),
        key_messages=_text_list(src, data, "key_messages", True),
        explanation=_text_list(src, data, "explanation", True),
        how_to=_text_list(src, data, "how_to", True),
        qa=qa,
        legal=legal,
        short_title=_text(src, data, "short_title", False),
        months=list(months_raw),
        intro=_text(src, data, "intro", False),
        story=_text_list(src, data, "story", False),
        tip=_text(src, data, "tip", False),
        order=order,
        source=src.file,
        builtin=builtin,
    )


def station_topics_dir(station: Station) -> Path:
    """Where a station keeps its own topics."""
    return station.store.topics_dir


# Parsed topic files by (path, mtime, size): the web console's year page asks for the topics
# twelve times per view; a changed file is parsed again. Copies are handed out.
_TOPIC_CACHE: dict[tuple[str, int, int, bool], Topic] = {}


def _parsed_topic(path: Path, builtin: bool) -> Topic:
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size, builtin)
    if key not in _TOPIC_CACHE:
        if len(_TOPIC_CACHE) > 512:
            _TOPIC_CACHE.clear()
        _TOPIC_CACHE[key] = parse_topic(load_yaml(path), builtin=builtin)
    return copy.deepcopy(_TOPIC_CACHE[key])


def load_topics(station: Station | None = None) -> dict[str, Topic]:
    """Built-in topics, then the station's (same id replaces, new id adds), by id."""
    topics: dict[str, Topic] = {}
    files = [(p, True) for p in _builtin_topic_files()]
    if station is not None and station_topics_dir(station).is_dir():
        files += [(p, False) for p in sorted(station_topics_dir(station).glob("*.yaml"))]
    seen: dict[str, Path] = {}
    for path, builtin in files:
        topic = _parsed_topic(path, builtin)
        if topic.id in seen and seen[topic.id].parent == path.parent:
            raise ConfigError(
                f"mã chủ đề '{topic.id}' bị trùng với tệp {seen[topic.id].name}.",
                file=path,
                line=1,
                field="id",
                hint="Mỗi chủ đề cần một mã (id) riêng.",
            )
        seen[topic.id] = path
        topics[topic.id] = topic
    return topics


# --------------------------------------------------------------------------- plan


@dataclass
class PlanEntry:
    """One month of the annual plan."""

    month: str
    topic: str
    line: int | None = None


def default_plan(topics: dict[str, Topic], year: int) -> dict[int, str]:
    """Topic id per month (1..12): calendar topics in place, all six areas, rotating by year."""
    ordered = sorted(topics.values(), key=lambda t: (t.order, t.id))
    plan: dict[int, str] = {}
    for t in ordered:
        for m in t.months:
            if m not in plan:
                plan[m] = t.id
                break
    free = [m for m in range(1, 13) if m not in plan]
    pool = [t for t in ordered if not t.months]
    if not pool:
        pool = ordered
    count = min(len(free), len(pool))
    start = (year * len(free)) % len(pool)
    chosen = [pool[(start + i) % len(pool)] for i in range(count)]
    # Every area at least once over the year: swap in a topic of a missing area for one of
    # an area that appears more than once.
    used = [topics[t] for t in plan.values()] + chosen
    for area in AREAS:
        if any(t.area == area for t in used):
            continue
        candidates = [t for t in pool if t.area == area and t not in chosen]
        if not candidates:
            continue
        counts: dict[str, int] = {}
        for t in used:
            counts[t.area] = counts.get(t.area, 0) + 1
        for i in range(len(chosen) - 1, -1, -1):
            if counts[chosen[i].area] > 1:
                chosen[i] = candidates[0]
                break
        used = [topics[t] for t in plan.values()] + chosen
    # Spread areas: never the same area two months running when it can be avoided.
    remaining = list(chosen)
    for m in free:
        if not remaining:
            break
        prev = topics[plan[m - 1]].area if m - 1 in plan else None
        nxt = topics[plan[m + 1]].area if m + 1 in plan else None
        pick = next((t for t in remaining if t.area not in (prev, nxt)), remaining[0])
        remaining.remove(pick)
        plan[m] = pick.id
    # Fewer topics than months: repeat from the start of the pool.
    for i, m in enumerate(m for m in range(1, 13) if m not in plan):
        plan[m] = pool[i % len(pool)].id
    return dict(sorted(plan.items()))


def plan_path(station: Station, year: int) -> Path:
    """schedules/plan-YYYY.yaml of the station."""
    return Path(station.store.schedules_dir) / f"plan-{year}.yaml"


def plan_year(station: Station, year: int, *, force: bool = False) -> Path:
    """Write schedules/plan-YYYY.yaml (topic per month); keep an existing plan unless `force`."""
    if not 2000 <= int(year) <= 2100:
        raise ConfigError(f"năm {year} nằm ngoài khoảng 2000–2100.", field="--year")
    path = plan_path(station, year)
    if path.exists() and not force:
        load_plan(station, year)  # still validate what staff wrote
        log.info("plan %s exists; kept", path)
        return path
    topics = load_topics(station)
    plan = default_plan(topics, int(year))
    lines = [
        f"# Kế hoạch chủ đề chương trình phát thanh cải cách hành chính năm {year}.",
        "# Cán bộ có thể sửa: đổi mã chủ đề (topic) của tháng bất kỳ. Danh sách chủ đề có sẵn",
        "# xem trong docs/content.md; chủ đề riêng của đài đặt trong thư mục topics/.",
        "# Dòng 'title' và 'area' chỉ để đọc cho dễ, công cụ không dùng.",
        f"year: {year}",
        "months:",
    ]
    for m, tid in plan.items():
        t = topics[tid]
        lines.append(f'  - month: "{year}-{m:02d}"')
        lines.append(f"    topic: {tid}")
        lines.append(
            f"    title: {yaml.safe_dump(t.title, allow_unicode=True, width=10_000).strip().removesuffix('...').strip()}"
        )
        lines.append(f"    area: {t.area}            # {AREAS[t.area]}")
    if path.exists():
        backup = path.with_name(f"plan-{year}.{date.today():%Y%m%d}.bak.yaml")
        backup.write_bytes(path.read_bytes())
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def load_plan(station: Station, year: int) -> dict[str, PlanEntry] | None:
    """The station's plan for `year` as {"YYYY-MM": PlanEntry}, or None if there is no file."""
    path = plan_path(station, year)
    if not path.exists():
        return None
    src = load_yaml(path)
    data = src.data or {}
    topics = load_topics(station)
    months = data.get("months") if isinstance(data, dict) else None
    if not isinstance(months, list):
        raise ConfigError(
            "kế hoạch phải có mục 'months:' là danh sách các tháng.",
            file=path,
            line=src.line("months") or 1,
            hint="Lập lại kế hoạch của năm (ghi đè) để có tệp mẫu đúng cách viết.",
            next_step=NextStep(
                "plan-force",
                year=int(path.stem.split("-")[-1]) if path.stem.split("-")[-1].isdigit() else None,
            ),
        )
    out: dict[str, PlanEntry] = {}
    for i, entry in enumerate(months):
        line = src.line("months", i)
        if not isinstance(entry, dict):
            raise ConfigError("mỗi tháng phải có 'month:' và 'topic:'.", file=path, line=line)
        month = str(entry.get("month") or "")
        m = _MONTH.match(month)
        if not m or int(m.group(1)) != int(year):
            raise ConfigError(
                f"tháng '{month}' không hợp lệ hoặc không thuộc năm {year}.",
                file=path,
                line=src.line("months", i, "month"),
                field="month",
                hint=f'Viết dạng "{year}-03".',
            )
        if month in out:
            raise ConfigError(f"tháng {month} xuất hiện hai lần.", file=path, line=line, field="month")
        tid = str(entry.get("topic") or "")
        if tid not in topics:
            raise ConfigError(
                f"không có chủ đề mã '{tid}'.",
                file=path,
                line=src.line("months", i, "topic"),
                field="topic",
                hint="Các chủ đề có sẵn: " + ", ".join(sorted(topics)) + ".",
            )
        out[month] = PlanEntry(month, tid, line)
    return out


def topic_for_month(station: Station, month: str, *, topics: dict[str, Topic] | None = None) -> Topic:
    """The month's topic: from the plan file if it lists the month, else the default rotation.

    `topics` (from `load_topics`) saves loading them again when asking for many months.
    """
    month = validate_month(month)
    if topics is None:
        topics = load_topics(station)
    year, mon = int(month[:4]), int(month[5:])
    plan = load_plan(station, year)
    if plan and month in plan:
        return topics[plan[month].topic]
    return topics[default_plan(topics, year)[mon]]


# --------------------------------------------------------------------------- facts


@dataclass
class Facts:
    """The month's local figures from facts/YYYY-MM.yaml; None means 'not given'."""

    path: Path | None = None
    example: bool = False
    period: str = ""
    source: str = ""
    news: list[str] = field(default_factory=list)
    figures: dict[str, float | int | None] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return self.path is not None

    @property
    def has_figures(self) -> bool:
        return any(v is not None for v in self.figures.values())

    def for_template(self, prev_month: str = "") -> dict[str, Any]:
        """All known fields (None when missing), so templates can test each one."""
        data: dict[str, Any] = {k: self.figures.get(k) for k in FACT_FIELDS}
        data.update(
            present=self.present,
            file=(f"facts/{self.path.name}" if self.path else None),
            example=self.example,
            period=self.period or prev_month,
            source=self.source,
            news=list(self.news),
            has_figures=self.has_figures,
        )
        return data


def _check_consistency(f: dict[str, float | int | None], path: Path, src: Located) -> None:
    """Figures that depend on each other must agree (the script reads both on air)."""

    def fail(key: str, message: str, hint: str) -> ConfigError:
        return ConfigError(message, file=path, line=src.line(key), field=key, hint=hint)

    rate, overdue = f.get("on_time_rate"), f.get("overdue")
    if rate is not None and overdue is not None:
        if overdue == 0 and rate < 100:
            raise fail(
                "on_time_rate",
                f"số liệu mâu thuẫn: đúng hạn {str(rate).replace('.', ',')}% (dưới 100%) nhưng 'overdue: 0' "
                "(không có hồ sơ nào trễ hạn).",
                "Nếu có hồ sơ trễ hạn, ghi đúng số đó vào 'overdue'; nếu không có, tỉ lệ đúng hạn là 100.",
            )
        if overdue > 0 and rate >= 100:
            raise fail(
                "on_time_rate",
                f"số liệu mâu thuẫn: đúng hạn 100% nhưng có {overdue} hồ sơ trễ hạn ('overdue').",
                "Sửa một trong hai mục cho khớp với báo cáo của Bộ phận Một cửa.",
            )
    received, online = f.get("received"), f.get("online_received")
    if received is not None and online is not None:
        if online > received:
            raise fail(
                "online_received",
                f"số liệu mâu thuẫn: số hồ sơ nộp trực tuyến ({online}) lớn hơn tổng số "
                f"hồ sơ tiếp nhận ({received}).",
                "Kiểm tra lại hai mục 'online_received' và 'received'.",
            )
        share = f.get("online_share")
        if share is not None and received > 0 and abs(online * 100 / received - share) > 1:
            raise fail(
                "online_share",
                f"số liệu mâu thuẫn: {online}/{received} hồ sơ nộp trực tuyến là "
                f"{online * 100 / received:.1f}%, không phải {share:g}%.".replace(".", ","),
                "Sửa 'online_share' (hoặc xóa dòng đó để khỏi đọc tỉ lệ).",
            )


def facts_path(station: Station, month: str) -> Path:
    """facts/YYYY-MM.yaml of the station."""
    return Path(station.store.facts_dir) / f"{month}.yaml"


def load_facts(station: Station, month: str) -> Facts:
    """Read facts/YYYY-MM.yaml; no file = no figures (nothing is ever made up)."""
    month = validate_month(month)
    path = facts_path(station, month)
    if not path.exists():
        return Facts()
    return read_facts(path)


def read_facts(path: Path, *, text: str | None = None) -> Facts:
    """Validate a facts file (or `text` about to be written to `path`): the one set of rules."""
    src = load_yaml(path, text=text)
    data = src.data if src.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError("tệp số liệu phải gồm các dòng 'khóa: giá trị'.", file=path, line=1)
    valid = list(_FACT_META) + list(FACT_FIELDS)
    for key in data:
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
            guess = f"Có phải ý bạn là '{close[0]}'? " if close else ""
            raise ConfigError(
                f"không có mục số liệu tên '{key}'.",
                file=path,
                line=src.line(key),
                field=str(key),
                hint=guess + "Các mục hợp lệ: " + ", ".join(valid) + ". Xem facts/README.md.",
            )
    example = data.get("example", False)
    if not isinstance(example, bool):
        raise ConfigError(
            "mục 'example' phải là true hoặc false.", file=path, line=src.line("example"), field="example"
        )
    figures: dict[str, float | int | None] = {}
    for key, (kind, label) in FACT_FIELDS.items():
        value = data.get(key)
        if value is None or value == "":
            figures[key] = None
            continue
        if isinstance(value, str):
            try:
                value = float(value.replace("%", "").replace(",", ".").strip())
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(
                f"'{key}' ({label}) phải là một con số.",
                file=path,
                line=src.line(key),
                field=key,
                hint="Để trống hoặc xóa dòng nếu chưa có số liệu; đừng điền số ước đoán.",
            )
        if kind == "percent" and not 0 <= value <= 100:
            raise ConfigError(
                f"'{key}' là tỉ lệ phần trăm, phải từ 0 đến 100.", file=path, line=src.line(key), field=key
            )
        if kind == "count" and (value < 0 or int(value) != value):
            raise ConfigError(
                f"'{key}' là số hồ sơ, phải là số nguyên không âm.", file=path, line=src.line(key), field=key
            )
        figures[key] = int(value) if kind == "count" or float(value).is_integer() else float(value)
    _check_consistency(figures, path, src)
    news = data.get("news") or []
    if isinstance(news, str):
        news = [news]
    if not isinstance(news, list) or not all(isinstance(n, str) and n.strip() for n in news):
        raise ConfigError(
            "mục 'news' phải là danh sách các tin (mỗi dòng '- …').",
            file=path,
            line=src.line("news"),
            field="news",
        )
    return Facts(
        path=path,
        example=example,
        period=" ".join(str(data.get("period") or "").split()),
        source=" ".join(str(data.get("source") or "").split()),
        news=[" ".join(n.split()) for n in news],
        figures=figures,
    )
