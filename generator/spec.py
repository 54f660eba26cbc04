"""The draft spec: what the writer asks for, from command-line options or a TOML file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from generator.errors import GeneratorError

KINDS = ("speech", "work_plan")


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

    def merged(self, **options) -> "DraftSpec":
        """Return a copy with the given options set, ignoring options left at None or empty."""
        changes = {k: v for k, v in options.items() if v not in (None, (), [], "")}
        for key in ("topic", "headings"):
            if key in changes:
                changes[key] = _words(changes[key]) if key == "topic" else tuple(changes[key])
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
    if "topic" in data:
        data["topic"] = _words(data["topic"])
    if "headings" in data:
        data["headings"] = tuple(data["headings"])
    for key in ("length", "parts", "seed", "variant"):
        if key in data and not isinstance(data[key], int):
            raise GeneratorError(f"{path}：{key} 应为整数")
    return DraftSpec(**data)


def _words(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    words: list[str] = []
    for item in value:
        words.extend(w for w in re.split(r"[\s,，、]+", item) if w)
    return tuple(words)
