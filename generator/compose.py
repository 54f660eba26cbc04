"""Composition: the level-1 headings of a speech as one parallel set, and the numbering.

Headings are not copied from three different speeches: each set takes one
row of frames (generator/headings.toml), one frame per slot, with the topic in
its place, so the headings share one shape (a four-character phrase, a comma,
a clause led by a verb) and lengths within ±3 characters. The source's own
heading stays in each paragraph's provenance note.
"""

from __future__ import annotations

import re
from dataclasses import replace

from generator.candidates import _package_table
from generator.model import Draft, DraftPart

_CN = "零一二三四五六七八九十"


def cn_numeral(n: int) -> str:
    """Return 1…99 as a Chinese numeral (一, 十, 十二, 二十一)."""
    if n <= 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return (_CN[tens] if tens > 1 else "") + "十" + (_CN[ones] if ones else "")


def number_parts(draft: Draft) -> Draft:
    """Return the draft with markers renumbered: 一、（一）1.（1） by level, 一是二是 by family."""
    return replace(draft, parts=tuple(_renumber(p, i + 1) for i, p in enumerate(draft.parts)))


def _family(marker: str) -> str:
    if marker.startswith("第"):
        return "第"
    return marker[-1:] if marker else "是"


def _point_marker(family: str, n: int) -> str:
    if family == "第":
        return f"第{cn_numeral(n)}，"
    return f"{cn_numeral(n)}{family}"


def _heading_marker(level: int, n: int) -> str:
    if level == 1:
        return f"{cn_numeral(n)}、"
    if level == 2:
        return f"（{cn_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def _renumber(part: DraftPart, n: int, level: int = 1) -> DraftPart:
    """Return the part with markers renumbered: 一、（一）1.（1） by level, 一是二是 by family."""
    children = []
    points = [c for c in part.children if c.kind == "point"]
    family = _family(points[0].marker) if points else "是"
    heading_n = point_n = 0
    for child in part.children:
        if child.kind == "point":
            point_n += 1
            children.append(replace(_renumber_points(child, level + 1), level=level + 1,
                                    marker=_point_marker(family, point_n)))
        else:
            heading_n += 1
            children.append(_renumber(child, heading_n, min(level + 1, 4)))
    marker = _heading_marker(level, n) if part.kind == "heading" else part.marker
    return replace(part, level=level, marker=marker, children=tuple(children))


def _renumber_points(part: DraftPart, level: int) -> DraftPart:
    return part if not part.children else _renumber(part, 1, level)




def heading_frames(label: str, learned: dict | None = None) -> list[str]:
    """Return the heading frames of a slot label (认识, 任务, 保障 …): learned ones first, then curated.

    ``learned`` maps a section role to frames learned from the library's own
    headings (generator.learn); a label without frames of its own takes the
    curated 任务 frames, unless the library taught it some.
    """
    own = list((learned or {}).get(label, []))
    curated = list(_package_table("headings.toml").get(label, {}).get("frames", []))
    if not curated and not own and label != "任务":
        curated = heading_frames("任务")
    return list(dict.fromkeys(own + curated))


def topic_phrase(topic: tuple[str, ...]) -> str:
    """Return the topic as it stands inside a heading (信访工作 → 信访工作, two topics joined by 和)."""
    return "和".join(topic) if topic else "各项工作"


def heading_sets(labels: list[str], topic: tuple[str, ...], *, count: int = 4,
                 learned: dict | None = None) -> list[list[str]]:
    """Return up to ``count`` parallel heading sets for parts of the given slot labels.

    Set k takes the k-th frame of each label: the frames learned from the
    library (``learned``: role → frames) first, then the curated ones.
    Repeated labels (two 任务 parts) take different frames of the same set.
    A set whose lengths spread more than ±3 characters, or where two headings
    open with the same phrase, is dropped.

    >>> heading_sets(["认识", "任务", "保障"], ("安全生产",))[0]
    ['提高政治站位，深刻认识安全生产的重要意义', '突出工作重点，扎实推进安全生产各项任务', '压实工作责任，确保安全生产各项任务落地见效']
    >>> heading_sets(["认识", "保障"], ("安全生产",), learned={"保障": ["强化责任担当，为{t}提供坚强保障"]})[0]
    ['提高政治站位，深刻认识安全生产的重要意义', '强化责任担当，为安全生产提供坚强保障']
    >>> heading_sets(["认识", "任务"], ("信访工作",))[1][1]
    '聚焦关键环节，全力抓好信访重点工作'

    """
    t = topic_phrase(topic)
    frames = {label: heading_frames(label, learned) for label in dict.fromkeys(labels)}
    rows = max((len(f) for f in frames.values()), default=0)
    sets: list[list[str]] = []
    for row in range(rows):
        headings = []
        seen: dict[str, int] = {}
        for label in labels:
            options = frames[label]
            n = seen.get(label, 0)
            seen[label] = n + 1
            frame = options[(row + n) % len(options)]
            headings.append(_tidy(frame.format(t=_core(t) if "工作" in frame.partition("{t}")[2] else t)))
        lengths = [len(h) for h in headings]
        leads = {h.partition("，")[0] for h in headings}  # two 坚持问题导向 in one set read as one
        if headings and max(lengths) - min(lengths) <= 6 and len(leads) == len(headings) \
                and headings not in sets:
            sets.append(headings)
        if len(sets) == count:
            break
    return sets


def _core(topic: str) -> str:
    """Return a topic without a closing 工作 where the frame says 工作 itself (信访重点工作, not 信访工作重点工作)."""
    return topic[:-2] if topic.endswith("工作") and len(topic) > 3 else topic


def _tidy(text: str) -> str:
    """Collapse doubled words a frame can make with the topic (信访工作工作 → 信访工作)."""
    return re.sub(r"工作(?:工作)+", "工作", text)
