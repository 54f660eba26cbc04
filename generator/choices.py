"""The writer's choices on a draft: another candidate for a part, another parallel heading set.

A draft offers, for each part, the candidates of its slot best first
(``Draft.candidates``, with ``Draft.picks`` naming the one in use) and
several parallel heading sets (``Draft.heading_sets``, ``Draft.heading_set``
the one in use). A :class:`Choices` value names which to use instead;
``generator.draft(spec, kb, choices=…)`` rebuilds the draft with them, adapted
the same way as any draft. Indices count from 0 in the lists of the draft made
from the same spec, so the same choices always give the same draft; a part
the writer does not choose for keeps the section the selection gave it (one
of its paragraphs can still come or go, since the draft never says a thing
twice and is fitted to its length: on the starter library, 11 of 88 other
parts changed so across 4 topics' swaps, never in heading or source).

>>> Choices(heading_set=1, parts={2: 0}).parts
((2, 0),)
>>> parse_pick("2:3")
(1, 2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.errors import GeneratorError
from generator.model import PartCandidate

#: How many candidates of each part a draft offers the writer (the one in use among them).
OFFERED = 6
_PICK = re.compile(r"\s*([0-9]{1,3})\s*[:：]\s*([0-9]{1,3})\s*")


@dataclass(frozen=True)
class Choices:
    """A writer's choices: the heading set to use and, per part, the candidate to use.

    ``parts`` maps a part's index to a candidate's index (both from 0), given
    as a dict or as pairs; it is kept as sorted pairs so a Choices is hashable.
    """

    heading_set: int | None = None
    parts: tuple[tuple[int, int], ...] = ()

    def __post_init__(self):
        pairs = self.parts.items() if isinstance(self.parts, dict) else self.parts
        try:
            pairs = tuple((part, pick) for part, pick in pairs)
        except (TypeError, ValueError):
            raise GeneratorError("换用的材料应写成“部分:候选”的序号对，如 2:3") from None
        for value in [self.heading_set] + [n for pair in pairs for n in pair]:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise GeneratorError(f"序号应为不小于 0 的整数（现为 {value!r}）")
        parts = [part for part, _ in pairs]
        if len(set(parts)) != len(parts):
            raise GeneratorError("同一部分只能换用一个候选材料")
        object.__setattr__(self, "parts", tuple(sorted(pairs)))

    def __bool__(self) -> bool:
        return self.heading_set is not None or bool(self.parts)


def parse_pick(text: str) -> tuple[int, int]:
    """Return (part, candidate) from the writer's 1-based ``部分:候选`` (2:3 → (1, 2))."""
    match = _PICK.fullmatch(text or "")
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise GeneratorError(f"换用写成“部分:候选”，都从 1 数起，如 2:3（现为“{text}”）")
    return int(match.group(1)) - 1, int(match.group(2)) - 1


def apply_picks(picks: list, candidates: list[list], choices: Choices | None) -> list:
    """Return the picks with the writer's chosen candidates put in; GeneratorError when one is out of range.

    Parts the writer does not choose for keep the selection's pick; no
    section may fill two parts.
    """
    from generator.compose import cn_numeral

    picks = list(picks)
    for part, index in (choices.parts if choices else ()):
        if part >= len(picks):
            raise GeneratorError(f"没有第{cn_numeral(part + 1)}部分（本稿共 {len(picks)} 部分）")
        offered = candidates[part]
        if not offered:
            raise GeneratorError(f"第{cn_numeral(part + 1)}部分在素材库中没有可换用的材料")
        if index >= len(offered):
            raise GeneratorError(f"第{cn_numeral(part + 1)}部分没有第 {index + 1} 个候选材料"
                                 f"（共 {len(offered)} 个）")
        picks[part] = offered[index]
    seen: dict = {}
    for part, pick in enumerate(picks):
        if pick is None:
            continue
        key = (pick.doc_id, pick.index)
        if key in seen:
            raise GeneratorError(f"第{cn_numeral(seen[key] + 1)}部分和第{cn_numeral(part + 1)}部分用了同一段材料"
                                 f"（《{pick.doc.title}》· {pick.section.heading}），请换用别的候选")
        seen[key] = part
    return picks


def heading_set_index(heading_sets: list, choices: Choices | None) -> int:
    """Return the index of the heading set to use: the writer's, else 0; GeneratorError when out of range."""
    chosen = choices.heading_set if choices else None
    if chosen is None:
        return 0
    if not heading_sets:
        raise GeneratorError("本稿没有可换用的标题组（工作方案和自拟提纲的稿子没有备选标题组）")
    if chosen >= len(heading_sets):
        raise GeneratorError(f"没有第 {chosen + 1} 组标题（共 {len(heading_sets)} 组）")
    return chosen


def offered(candidates: list[list], picks: list) -> tuple[tuple[PartCandidate, ...], ...]:
    """Return, per part, the candidates offered to the writer: the first few, and the one in use."""
    out = []
    for found, pick in zip(candidates, picks):
        shown = [(k, c) for k, c in enumerate(found) if k < OFFERED or c is pick]
        out.append(tuple(_describe(k, c) for k, c in shown))
    return tuple(out)


def pick_indices(candidates: list[list], picks: list) -> tuple[int | None, ...]:
    """Return the index of each part's pick among its candidates (None for a part without material)."""
    return tuple(next((k for k, c in enumerate(found) if c is pick), None) if pick is not None else None
                 for found, pick in zip(candidates, picks))


def _describe(index: int, candidate) -> PartCandidate:
    from generator.candidates import section_text

    section = candidate.section
    preview = re.sub(r"\s+", "", _body(section))
    preview = preview[:60] + ("…" if len(preview) > 60 else "")
    return PartCandidate(index, candidate.source, section.heading, preview, round(candidate.score, 2),
                         len(re.sub(r"\s+", "", section_text(section))))


def _body(section) -> str:
    """Return a section's body as it reads: its paragraphs, then each child with its marker and heading."""
    parts = list(section.paragraphs)
    for child in section.children:
        heading = child.marker + child.heading
        if heading and not re.search(r"[。；！？：]$", heading):
            heading += "。"
        parts.append(heading + _body(child))
    return "".join(parts + list(section.after))
