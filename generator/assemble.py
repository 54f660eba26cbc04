"""Assembly: fill a template's skeleton with selected sections, fit the length, renumber, fill the unit."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date as _date

from kb.model import Section

from generator.model import Draft, DraftParagraph, DraftPart, Source
from generator.select import (Candidate, Library, choose, closing_material, gather,
                              opening_material, section_text, topic_words)
from generator.spec import DraftSpec
from generator.templates import Slot, TemplateInfo, TemplateLibrary

_CN = "零一二三四五六七八九十"
_UNIT_KINDS = ("市", "区", "县", "镇", "乡", "州", "盟", "旗", "局", "委", "厅", "办", "省", "街道", "村", "社区")
_PLACEHOLDER = re.compile(r"×年×月×日|×+(?:书记|市长|区长|县长|镇长|同志|[市区县镇乡村局委办厅省州])?")
_TODO = "【待补充：{}】"


def cn_numeral(n: int) -> str:
    """Return 1…99 as a Chinese numeral (一, 十, 十二, 二十一)."""
    if n <= 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return (_CN[tens] if tens > 1 else "") + "十" + (_CN[ones] if ones else "")


def build_draft(spec: DraftSpec, kb, templates: TemplateLibrary, *, outline_only: bool = False) -> Draft:
    """Return the draft the spec asks for, assembled from the knowledge base ``kb``."""
    library = Library(kb)
    name = spec.template or templates.for_spec(spec.kind, spec.occasion)
    info = templates.info(name)
    slots = _part_slots(info, spec)
    context = _context(spec, info, len(slots), templates, name)
    target = spec.length or info.length

    used_texts: set[str] = set()
    candidates = []
    for i, slot in enumerate(slots):
        hint = spec.headings[i] if i < len(spec.headings) else None
        found = gather(library, slot, spec.topic, kind=info.kind, occasion=info.occasion,
                       heading_hint=hint)
        if not found and info.kind == "work_plan":
            found = gather(library, replace(slot, match=""), spec.topic, kind=info.kind,
                           occasion=info.occasion, heading_hint=hint or slot.heading)
        candidates.append(found)
    picks = _diverse(choose(candidates, seed=spec.seed, distinct_docs=info.kind == "speech"),
                     candidates, slots)

    title = templates.render_block(name, "title", context)
    opening, closing, byline, salutation, signature = [], [], None, None, ()
    if info.kind == "speech":
        byline = templates.render_block(name, "byline", context, required=False) or None
        salutation = info.salutation or "同志们"
        opening.append(DraftParagraph(templates.render_block(name, "opening", context)))
        borrowed = None if outline_only else opening_material(library, spec.topic, used_texts)
        if borrowed:
            opening.append(DraftParagraph(borrowed[0], borrowed[1]))
            used_texts.add(borrowed[0])
        opening.append(DraftParagraph(templates.render_block(name, "transition", context)))
        closing.append(DraftParagraph(templates.render_block(name, "closing", context)))
        borrowed = None if outline_only else closing_material(library, spec.topic, used_texts)
        if borrowed:
            closing.append(DraftParagraph(borrowed[0], borrowed[1]))
            used_texts.add(borrowed[0])
    else:
        opening.append(DraftParagraph(templates.render_block(name, "opening", context)))
        issuer = templates.render_block(name, "signature", context, required=False)
        signature = tuple(x for x in (issuer, context["date_cn"]) if x)

    frame = sum(_len(p.text) for p in opening + closing) + _len(title) + _len(byline or "") \
        + _len(salutation or "") + sum(_len(s) for s in signature)
    # Task parts carry a plan; they get a double share of the length.
    weights = [2 if (info.kind == "work_plan" and s.repeat) else 1 for s in slots]
    unit_budget = max((target - frame) // max(sum(weights), 1), 150)

    budgets = [unit_budget * w for w in weights]
    if info.kind == "work_plan":
        # A plan's parts cannot borrow much, so give unused length to the parts that have more.
        sizes = [_part_len(_to_part(p.section, p, ())) if p else 0 for p in picks]
        budgets = _water_fill(sizes, weights, max(target - frame, 0))

    parts: list[DraftPart] = []
    for i, (slot, pick) in enumerate(zip(slots, picks)):
        hint = spec.headings[i] if i < len(spec.headings) else None
        alternatives = tuple(dict.fromkeys(
            c.section.heading for c in candidates[i] if pick is None or c.section.heading != pick.section.heading))[:4]
        if pick is None:
            heading = hint or slot.heading or _TODO.format(slot.label)
            parts.append(DraftPart("heading", 1, "", heading,
                                   (DraftParagraph(_TODO.format(f"{slot.label}部分的内容，素材库中没有找到相关材料")),),
                                   slot=slot.role, alternatives=alternatives))
            continue
        part = _to_part(pick.section, pick, ())
        budget = budgets[i]
        if outline_only:
            part = _outline_part(part)
        else:
            part = _fit(part, budget, used_texts)
            donors = [c for c in candidates[i] if c is not pick and c.doc_id != pick.doc_id]
            if info.kind == "work_plan" and slot.repeat:
                # a plan's tasks can borrow task sections of speeches on the same topic
                donors += gather(library, Slot(role="part:任务", words=slot.words, position="middle"),
                                 spec.topic, kind="speech", occasion=None)
            if info.kind == "speech" or slot.repeat:
                # a plan's stages and guarantees stay those of one plan
                part = _extend(part, budget, donors, used_texts, topic_words(spec.topic))
            _mark_used(part, used_texts)
        heading = hint or slot.heading or part.heading
        parts.append(replace(part, heading=heading, slot=slot.role, alternatives=alternatives,
                             source=None if (hint or slot.heading) else part.source))

    if not outline_only:
        parts = _fit_total(parts, target, frame)
    parts = [_renumber(p, i + 1) for i, p in enumerate(parts)]
    draft = Draft(kind=info.kind, template=name, title=title, byline=byline, salutation=salutation,
                  opening=tuple(opening), parts=tuple(parts), closing=tuple(closing),
                  signature=signature, meeting=context.get("meeting"), speaker=spec.speaker,
                  date=spec.date, topic=spec.topic, target_length=target, seed=spec.seed)
    return _fill_unit(draft, spec)


def _water_fill(sizes: list[int], weights: list[int], total: int) -> list[int]:
    """Return budgets summing to ``total``: small parts get their size, the rest share by weight."""
    budgets = [0] * len(sizes)
    open_parts = set(range(len(sizes)))
    remaining = total
    while open_parts:
        share = remaining / max(sum(weights[i] for i in open_parts), 1)
        small = [i for i in open_parts if sizes[i] <= share * weights[i]]
        if not small:
            for i in open_parts:
                budgets[i] = int(share * weights[i])
            break
        for i in small:
            budgets[i] = sizes[i]
            remaining -= sizes[i]
            open_parts.discard(i)
    return budgets


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
    return context


def _parse_date(text: str | None):
    if not text:
        return None
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", text.strip())
    if not match:
        from generator.errors import GeneratorError
        raise GeneratorError(f"日期“{text}”的格式不对，请写成 2025-03-18")
    return _date(*(int(g) for g in match.groups()))


def _len(text: str) -> int:
    return len("".join(text.split()))


def _part_len(part: DraftPart) -> int:
    return _len(part.marker + part.heading) + sum(_len(p.text) for p in part.own_paragraphs()) \
        + sum(_part_len(c) for c in part.children)


def _part_text(part: DraftPart) -> str:
    return part.heading + "".join(p.text for p in part.own_paragraphs()) + "".join(
        _part_text(c) for c in part.children)


def _to_part(section: Section, pick: Candidate, path: tuple[str, ...]) -> DraftPart:
    label = section.marker + section.heading
    source = Source(pick.doc_id, pick.doc.title, pick.doc.date, path + (label,))
    return DraftPart(section.kind, section.level, section.marker, section.heading,
                     tuple(DraftParagraph(p, source) for p in section.paragraphs),
                     tuple(_to_part(c, pick, path + (label,)) for c in section.children),
                     source=source, inline=section.inline,
                     after=tuple(DraftParagraph(p, source) for p in section.after))


def _outline_part(part: DraftPart) -> DraftPart:
    children = tuple(_outline_part(c) for c in part.children if c.kind == "heading")
    return replace(part, paragraphs=(), children=children, inline=False, after=())


def _near_duplicate(text: str, used: set[str]) -> bool:
    if text in used:
        return True
    grams = {text[i:i + 2] for i in range(len(text) - 1)}
    if len(grams) < 8:
        return False
    for other in used:
        other_grams = {other[i:i + 2] for i in range(len(other) - 1)}
        if other_grams and len(grams & other_grams) / len(grams | other_grams) > 0.8:
            return True
    return False


def _fit(part: DraftPart, budget: int, used: set[str]) -> DraftPart:
    """Trim a part to about ``budget`` characters by dropping whole points or paragraphs."""
    paragraphs = [p for p in part.paragraphs if not _near_duplicate(p.text, used)]
    total = _len(part.marker + part.heading)
    kept_paragraphs = []
    for paragraph in paragraphs:
        if kept_paragraphs and total + _len(paragraph.text) > budget and part.children:
            break
        if kept_paragraphs and total + _len(paragraph.text) > budget * 1.1:
            break
        kept_paragraphs.append(paragraph)
        total += _len(paragraph.text)
    children = [c for c in part.children if not any(_near_duplicate(p.text, used) for p in c.paragraphs)]
    kept = []
    for child in children:
        size = _part_len(child)
        if len(kept) < 2 or total + size <= budget * 1.05:
            kept.append(child)
            total += size
        else:
            break
    if len(kept) >= 2 and total > budget * 1.15:
        share = max((budget - (total - sum(_part_len(c) for c in kept))) // len(kept), 120)
        kept = [_fit(c, share, used) if c.children else c for c in kept]
    if len(kept) == 1 and sum(1 for c in children if c.kind == kept[0].kind) > 1:
        kept = [c for c in children if c.kind == kept[0].kind][:2]
    after = tuple(p for p in part.after if not _near_duplicate(p.text, used))
    return replace(part, paragraphs=tuple(kept_paragraphs), children=tuple(kept), after=after)


def _extend(part: DraftPart, budget: int, donors: list[Candidate], used: set[str],
            words: list[str]) -> DraftPart:
    """Add points about the topic from other documents' sections while the part is short."""
    if _part_len(part) >= budget * 0.9:
        return part
    kind = part.children[0].kind if part.children else "point"
    children = list(part.children)
    seen = {p.text for c in children for p in c.paragraphs} | used
    for donor in donors:
        donor_part = _to_part(donor.section, donor, ())
        for child in donor_part.children:
            if child.kind != kind or any(_near_duplicate(p.text, seen) for p in child.paragraphs):
                continue
            if words and not any(w in _part_text(child) for w in words):
                continue
            if kind == "heading" and child.level != 2:
                continue
            size = _part_len(child)
            if _part_len(part) + size > budget * 1.1:
                continue
            children.append(child)
            seen.update(p.text for p in child.paragraphs)
            part = replace(part, children=tuple(children))
            if _part_len(part) >= budget * 0.9:
                return part
    return part


def _mark_used(part: DraftPart, used: set[str]) -> None:
    for node in part.walk():
        used.update(p.text for p in node.own_paragraphs())


def _fit_total(parts: list[DraftPart], target: int, frame: int) -> list[DraftPart]:
    """Drop whole points from the longest parts while the draft is over target + 10%."""
    for _ in range(40):
        total = frame + sum(_part_len(p) for p in parts)
        if total <= target * 1.1:
            break
        longest = max(range(len(parts)), key=lambda i: _part_len(parts[i]))
        part = parts[longest]
        if len(part.children) > 2:
            parts[longest] = replace(part, children=part.children[:-1])
        elif len(part.paragraphs) > 1:
            parts[longest] = replace(part, paragraphs=part.paragraphs[:-1])
        else:
            break
    return parts


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


def _fill_unit(draft: Draft, spec: DraftSpec) -> Draft:
    """Put the writer's unit into ×市-style placeholders and list what remains to fill in."""
    unit = spec.unit
    pattern = None
    if unit and not unit.startswith("×"):
        kind = next((k for k in _UNIT_KINDS if unit.endswith(k)), None)
        if kind:
            pattern = re.compile(rf"×{kind}(?!长|委书记)")

    def fill(text: str) -> str:
        return pattern.sub(unit, text) if pattern and text else text

    def fill_part(part: DraftPart) -> DraftPart:
        return replace(part, heading=fill(part.heading),
                       paragraphs=tuple(replace(p, text=fill(p.text)) for p in part.paragraphs),
                       children=tuple(fill_part(c) for c in part.children),
                       after=tuple(replace(p, text=fill(p.text)) for p in part.after))

    draft = replace(
        draft, title=fill(draft.title), byline=fill(draft.byline) if draft.byline else None,
        meeting=fill(draft.meeting) if draft.meeting else draft.meeting,
        opening=tuple(replace(p, text=fill(p.text)) for p in draft.opening),
        parts=tuple(fill_part(p) for p in draft.parts),
        closing=tuple(replace(p, text=fill(p.text)) for p in draft.closing),
        signature=tuple(fill(s) for s in draft.signature))
    from kb.structure import document_text

    todo: dict[str, None] = {}
    for line in document_text(draft.to_document()):
        for match in re.finditer(r"【待补充：[^】]*】", line):
            todo.setdefault(match.group(0), None)
        for match in _PLACEHOLDER.finditer(line):
            todo.setdefault(match.group(0), None)
    return replace(draft, placeholders=tuple(todo))


def _diverse(picks: list[Candidate | None], candidates: list[list[Candidate]],
             slots: list[Slot]) -> list[Candidate | None]:
    """Make sure not all parts come from one document when another has material."""
    docs = {p.doc_id for p in picks if p is not None}
    if len(docs) != 1 or len([p for p in picks if p]) < 2:
        return picks
    only = docs.pop()
    best = None
    for i, options in enumerate(candidates):
        for c in options:
            if c.doc_id != only:
                loss = (picks[i].score - c.score if picks[i] else 0) + (0 if c.topical else 5) \
                    + (3 if slots[i].repeat else 0)  # keep the core tasks from the best source
                if best is None or loss < best[0]:
                    best = (loss, i, c)
                break
    if best is not None:
        picks = list(picks)
        picks[best[1]] = best[2]
    return picks


__all__ = ["build_draft", "cn_numeral", "section_text"]
