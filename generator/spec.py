"""The draft spec: what the writer asks for, from command-line options or a TOML file."""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from generator.errors import GeneratorError

KINDS = ("speech", "work_plan")
#: How many parts a draft can have (the built-in templates' 我讲三点意见 … 九点).
MAX_PARTS = 9
LENGTHS = (300, 30_000)
_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TEXT_FIELDS = ("template", "unit", "meeting", "occasion", "speaker")
_EXAMPLES = {"topic": '["基层党建", "网格"]', "headings": '["统一思想", "压实责任", "狠抓落实"]'}


@dataclass(frozen=True)
class DraftSpec:
    """What to draft.

    ``topic`` holds the topic words (基层党建 网格); ``unit`` replaces the
    matching placeholder (×市, ×区 …) in borrowed passages and template text;
    ``headings`` are the writer's own part headings (a 提纲), when given.
    """

    kind: str = "speech"
    template: str | None = None
    topic: tuple[str, ...] = ()
    unit: str | None = None
    meeting: str | None = None
    occasion: str | None = None
    speaker: str | None = None
    date: str | None = None
    length: int | None = None
    parts: int | None = None
    headings: tuple[str, ...] = ()
    seed: int = 0
    variant: int = 0  # 0 = the best draft; 1, 2 … the next-best different drafts

    def __post_init__(self):
        # Every way in (options, a TOML file, the web form, a library caller) meets these
        # checks, so a bad value is one line here and never a traceback in drafting.
        for name in _TEXT_FIELDS:
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise GeneratorError(f"{name} 应为文字，如 {name} = \"…\"")
        if self.kind not in KINDS:
            raise GeneratorError(f"不认识的文稿类型“{self.kind}”（可选：{'、'.join(KINDS)}）")
        object.__setattr__(self, "topic", _text_list(self.topic, "topic", split=True))
        object.__setattr__(self, "headings", _text_list(self.headings, "headings", split=False))
        object.__setattr__(self, "date", _checked_date(self.date))
        _check_int(self.length, "length", *LENGTHS)
        _check_int(self.parts, "parts", 1, MAX_PARTS)
        _check_int(self.seed, "seed", None, None)
        _check_int(self.variant, "variant", 0, None)
        if len(self.headings) > MAX_PARTS:
            raise GeneratorError(f"自拟的部分标题有 {len(self.headings)} 个，最多 {MAX_PARTS} 个")

    def merged(self, **options) -> "DraftSpec":
        """Return a copy with the given options set, ignoring options left at None or empty."""
        changes = {k: v for k, v in options.items() if v is not None and not _empty(v)}
        return replace(self, **changes)


def load_spec(path) -> DraftSpec:
    """Return the DraftSpec of a TOML file; unknown keys are an error naming the file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise GeneratorError(f"{path}：无法读取起草要求文件（{error}）") from None
    except tomllib.TOMLDecodeError as error:
        raise GeneratorError(f"{path}：起草要求文件不是有效的 TOML（{error}）") from None
    known = {f.name for f in fields(DraftSpec)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise GeneratorError(f"{path}：不认识的设置项 {', '.join(unknown)}（可用：{', '.join(sorted(known))}）")
    try:
        return DraftSpec(**data)
    except GeneratorError as error:
        raise GeneratorError(f"{path}：{error}") from None


def _empty(value) -> bool:
    return isinstance(value, (str, tuple, list)) and len(value) == 0


def _text_list(value, name: str, *, split: bool) -> tuple[str, ...]:
    """Return a list of texts: a single text is one item (topics are split at spaces and commas)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise GeneratorError(f"{name} 应为文字或文字的列表，如 {name} = {_EXAMPLES[name]}")
    items: list[str] = []
    for item in value:
        parts = re.split(r"[\s,，、]+", item) if split else [item.strip()]
        items.extend(part for part in parts if part)
    return tuple(items)


def _checked_date(value) -> str | None:
    """Return a date as YYYY-MM-DD text; a TOML date (date = 2025-03-18) is taken as it is."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    match = _DATE_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise GeneratorError(f"日期“{value}”的格式不对，请写成 2025-03-18")
    try:
        datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise GeneratorError(f"日期“{value}”不存在，请检查年、月、日") from None
    return value.strip()


def _check_int(value, name: str, low: int | None, high: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise GeneratorError(f"{name} 应为整数")
    if low is not None and high is not None and not low <= value <= high:
        raise GeneratorError(f"{name} 应在 {low} 到 {high} 之间（现为 {value}）")
