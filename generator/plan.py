"""The plan: a template's skeleton and slots for a spec, with the words its blocks are phrased in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date

from generator.compose import cn_numeral
from generator.spec import DraftSpec
from generator.templates import Slot, TemplateInfo, TemplateLibrary

_UNIT_KINDS = ("市", "区", "县", "镇", "乡", "州", "盟", "旗", "局", "委", "厅", "办", "省", "街道", "村", "社区")


@dataclass(frozen=True)
class Plan:
    """What a draft will be: its template, the slots of its parts, the template's context, its length."""

    spec: DraftSpec
    templates: TemplateLibrary
    name: str
    info: TemplateInfo
    slots: tuple[Slot, ...]
    context: dict
    target: int


def plan_draft(spec: DraftSpec, templates: TemplateLibrary) -> Plan:
    """Return the plan of a spec: the template for its kind and occasion, and one slot per part."""
    name = spec.template or templates.for_spec(spec.kind, spec.occasion)
    info = templates.info(name)
    slots = _part_slots(info, spec)
    context = _context(spec, info, len(slots), templates, name)
    return Plan(spec, templates, name, info, tuple(slots), context, spec.length or info.length)


def _part_slots(info: TemplateInfo, spec: DraftSpec) -> list[Slot]:
    slots = list(info.parts)
    wanted = len(spec.headings) or spec.parts
    if not wanted or info.kind == "work_plan" and not spec.headings:
        return slots
    repeat = next((s for s in slots if s.repeat), slots[len(slots) // 2])
    while len(slots) < wanted:
        slots.insert(len(slots) - 1 if len(slots) > 1 else len(slots), repeat)
    while len(slots) > wanted and len(slots) > 1:
        # keep the first and the last kinds of part; drop middle ones first
        del slots[len(slots) // 2 if len(slots) > 2 else -1]
    return slots


def _context(spec: DraftSpec, info: TemplateInfo, parts: int, templates, name) -> dict:
    unit = spec.unit or "×市"
    unit_kind = next((k for k in _UNIT_KINDS if unit.endswith(k)), "市")
    topic = "、".join(spec.topic) if spec.topic else "×"
    when = _parse_date(spec.date)
    context = {
        "topic": topic, "topic_words": list(spec.topic), "unit": unit, "unit_kind": unit_kind,
        "speaker": spec.speaker or "", "parts": parts, "parts_cn": cn_numeral(parts),
        "date_cn": f"{when.year}年{when.month}月{when.day}日" if when else "×年×月×日",
        "year": str(when.year) if when else "×", "occasion": info.occasion,
        "issuer": f"{unit}人民政府办公室" if unit_kind in ("市", "区", "县", "州") else unit,
    }
    context["meeting"] = spec.meeting or templates.render_block(name, "meeting", context,
                                                                required=False) or ""
    # The speaker names their own unit 全市 / 全区 in the body: 今天，我们召开全市…会议.
    context["whole"] = f"全{unit_kind}"
    meeting = context["meeting"]
    context["meeting_here"] = (context["whole"] + meeting[len(unit):]
                               if meeting.startswith(unit) and len(meeting) > len(unit) else meeting)
    return context


def _parse_date(text: str | None):
    if not text:
        return None
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", text.strip())
    if not match:
        from generator.errors import GeneratorError
        raise GeneratorError(f"日期“{text}”的格式不对，请写成 2025-03-18")
    return _date(*(int(g) for g in match.groups()))
