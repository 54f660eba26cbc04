"""Assembly: fill a template's skeleton with selected sections, fit the length, renumber, fill the unit."""

from __future__ import annotations

import re
from dataclasses import replace

from kb.model import Section

from generator.candidates import (Candidate, Library, gather, opening_material, quotation_material, section_text,
                                  topic_cores, topic_words)
from generator.model import Draft, DraftParagraph, DraftPart, Source
from generator.compose import _family, cn_numeral  # noqa: F401 (cn_numeral: its old home)
from generator.select import choose
from generator.spec import DraftSpec
from generator.templates import Slot, TemplateLibrary

_TODO = "【待补充：{}】"
#: What a plan's part holds, for the writer filling one the library has no material for.
_PLAN_ADVICE = {
    "guiding": "写明指导思想和工作原则（坚持以……为指导，坚持……）",
    "goals": "写明到何时、达到什么目标，尽量量化（到某年底，……达到……）",
    "tasks": "按条目写明重点任务，每条写清做什么、怎么做、谁牵头",
    "steps": "分阶段写明时间和任务（动员部署、组织实施、总结提升）",
    "safeguards": "写明组织领导、责任分工、督查考核、宣传引导",
}


def build_draft(spec: DraftSpec, kb, templates: TemplateLibrary, *, outline_only: bool = False,
                choices=None) -> Draft:
    """Return the draft the spec asks for: plan → assemble → adapt (what generator.draft chains)."""
    from generator.adapt import adapt
    from generator.plan import plan_draft

    return adapt(assemble(plan_draft(spec, templates), kb, outline_only=outline_only, choices=choices),
                 spec)


def assemble(plan, kb, *, outline_only: bool = False, choices=None) -> Draft:
    """Return the draft of a plan before adaptation: candidates, one selection, headings, length.

    Borrowed text is still as its source wrote it; generator.adapt makes it
    speak for the draft's unit, date and occasion and numbers the parts.
    ``choices`` (generator.choices.Choices) are the writer's: a candidate for
    some parts, a heading set.
    """
    from generator.choices import apply_picks, heading_set_index, offered, pick_indices

    spec, templates, name, info, slots, context, target = (
        plan.spec, plan.templates, plan.name, plan.info, plan.slots, plan.context, plan.target)
    library = Library(kb)
    # adaptation drops sentences of other meetings and voices: select a little more than asked
    fill_target = int(target * 1.25)

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
    picks = choose(candidates, variant=spec.variant or spec.seed % 8, distinct_docs=info.kind == "speech")
    picks = apply_picks(picks, candidates, choices)
    shortfalls = tuple(f"关于“{'、'.join(spec.topic)}”的“{slot.label}”部分素材不足"
                       for slot, pick in zip(slots, picks) if pick is None)
    heading_sets = []
    if info.kind == "speech":
        from generator.compose import heading_sets as _sets

        # each heading says what its part's body is (a 形势 part under a 认识 slot gets a 形势 heading)
        labels = [library.part_role(p.doc_id, p.doc, p.index, plan=False) if p else s.label
                  for s, p in zip(slots, picks)]
        # frames learned from the library's own headings first, the curated ones after
        heading_sets = _sets(labels, spec.topic, count=6, learned=library.learned.frame_table())
        if heading_sets:
            # each occasion has its own default wording; variants move on from there
            base = {"推进会": 1, "座谈会": 2, "工作会议": 3, "总结表彰会": 1}.get(info.occasion, 0)
            shift = (base + (spec.variant or 0)) % len(heading_sets)
            heading_sets = heading_sets[shift:] + heading_sets[:shift]
    chosen = heading_set_index(heading_sets if not spec.headings else [], choices)
    # the chosen set gives the headings; the others stay alternatives
    composing = heading_sets[chosen:chosen + 1] + heading_sets[:chosen] + heading_sets[chosen + 1:]

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
        # one closing: the template's, which names this meeting (a borrowed one names another)
    else:
        opening.append(DraftParagraph(templates.render_block(name, "opening", context)))
        issuer = templates.render_block(name, "signature", context, required=False)
        signature = tuple(x for x in (issuer, context["date_cn"]) if x)

    frame = sum(_len(p.text) for p in opening + closing) + _len(title) + _len(byline or "") \
        + _len(salutation or "") + sum(_len(s) for s in signature)
    # Task parts carry a plan; they get a double share of the length.
    weights = [2 if (info.kind == "work_plan" and s.repeat) else 1 for s in slots]
    unit_budget = max((fill_target - frame) // max(sum(weights), 1), 150)

    budgets = [unit_budget * w for w in weights]
    if info.kind == "work_plan":
        # A plan's parts cannot borrow much, so give unused length to the parts that have more.
        sizes = [_part_len(_to_part(p.section, p, ())) if p else 0 for p in picks]
        budgets = _water_fill(sizes, weights, max(fill_target - frame, 0))

    warnings = []
    for i, pick in enumerate(picks):
        hint = spec.headings[i] if i < len(spec.headings) else None
        if hint and pick is not None and _matches(hint, section_text(pick.section)) < 0.2:
            warnings.append(f"自拟标题“{hint}”与所选正文（《{pick.doc.title}》· {pick.section.heading}）"
                            "关联不大，请核对或换一个标题")
    for i, pick in enumerate(picks):
        if pick is not None and spec.topic and not any(
                c in section_text(pick.section) or c in (pick.doc.title or "") for c in topic_cores(spec.topic)):
            found = [w for w in topic_words(spec.topic, library.learned) if w in section_text(pick.section)][:2]
            warnings.append(f"第{cn_numeral(i + 1)}部分的材料讲的是“{'、'.join(found)}”，与“{'、'.join(spec.topic)}”"
                            "相关但不直接，请按本主题改写")
    parts: list[DraftPart] = []
    quoted = 0
    for i, (slot, pick) in enumerate(zip(slots, picks)):
        hint = spec.headings[i] if i < len(spec.headings) else None
        composed = [s[i] for s in composing if i < len(s)]
        alternatives = tuple(dict.fromkeys(composed[1:4] + [
            c.section.heading for c in candidates[i] if pick is None or c.section.heading != pick.section.heading]))[:4]
        if pick is None:
            heading = hint or slot.heading or (composed[0] if composed else _TODO.format(slot.label))
            advice = (f"可参考的标题：{'；'.join(composed[:3])}" if composed
                      else _PLAN_ADVICE.get(slot.key, f"可参考：{slot.words}"))
            parts.append(DraftPart("heading", 1, "", heading,
                                   (DraftParagraph(_TODO.format(
                                       f"关于“{'、'.join(spec.topic)}”的“{slot.label}”部分素材不足，"
                                       f"请补充。{advice}")),),
                                   slot=slot.role, alternatives=alternatives))
            continue
        part = _to_part(pick.section, pick, ())
        budget = budgets[i]
        if outline_only:
            part = _outline_part(part)
        else:
            part = _fit(part, budget, used_texts)
            donors = [c for c in candidates[i] if c is not pick and c.doc_id != pick.doc_id]
            slot_roles = _slot_roles(slot, info.kind)
            if info.kind == "work_plan" and slot.repeat:
                # a plan's tasks can borrow task sections of speeches on the same topic
                donors += gather(library, Slot(role="part:任务", words=slot.words, position="middle"),
                                 spec.topic, kind="speech", occasion=None)
            if info.kind == "speech" or slot.repeat:
                # a plan's stages and guarantees stay those of one plan
                part = _extend(part, budget, donors, used_texts, topic_words(spec.topic, library.learned), spec.topic,
                               slot_roles)
            _mark_used(part, used_texts)
            if info.kind == "speech" and slot.label in ("认识", "理论") and quoted < 2:
                # a central leader's words enter only as an attributed quotation, first in the part
                found = quotation_material(library, spec.topic, used_texts)
                if found:
                    quoted += 1
                    used_texts.add(found[0])
                    part = replace(part, paragraphs=(DraftParagraph(found[0], found[1]),) + part.paragraphs)
        heading = hint or slot.heading or (composed[0] if composed else part.heading)
        # a composed heading keeps its part's source: the note names the heading it replaced
        parts.append(replace(part, heading=heading, slot=slot.role, alternatives=alternatives,
                             source=None if (hint or slot.heading) else part.source))

    if not outline_only:
        parts = _fit_total(parts, target, frame)
    draft = Draft(kind=info.kind, template=name, title=title, byline=byline, salutation=salutation,
                  opening=tuple(opening), parts=tuple(parts), closing=tuple(closing),
                  signature=signature, meeting=context.get("meeting"), speaker=spec.speaker,
                  date=spec.date, topic=spec.topic, target_length=target, seed=spec.seed,
                  shortfalls=shortfalls, warnings=tuple(warnings),
                  heading_sets=tuple(tuple(s) for s in heading_sets) if not spec.headings else (),
                  heading_set=chosen, candidates=offered(candidates, picks),
                  picks=pick_indices(candidates, picks))
    return draft


def _matches(heading: str, body: str) -> float:
    """Return the share of a heading's content bigrams that its body holds (0–1)."""
    from kb.annotate import content_grams

    grams = content_grams(heading)
    return len(grams & content_grams(body)) / len(grams) if grams else 1.0


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


MAX_POINTS = 7


def _slot_roles(slot: Slot, kind: str):
    from kb.annotate import SLOT_ROLES

    if kind != "speech":
        return None
    return SLOT_ROLES.get(slot.label, (slot.label,))


def _extend(part: DraftPart, budget: int, donors: list[Candidate], used: set[str],
            words: list[str], topic: tuple[str, ...] = (), roles=None) -> DraftPart:
    """Add points about the topic from other documents' sections while the part is short.

    A donor point joins only with the list's shape: the same lead pattern
    (一是 / 一要 / 第一，…) and a similar length; never more than seven points,
    never two that say the same thing.
    """
    from kb.annotate import point_lead, same_point, section_role

    from generator.candidates import relevance

    if _part_len(part) >= budget * 0.9:
        return part
    original = part
    kind = part.children[0].kind if part.children else "point"
    family = _family(part.children[0].marker) if part.children else None
    children = list(part.children)
    if len(children) >= MAX_POINTS:
        return replace(part, children=tuple(children[:MAX_POINTS]))
    sizes = sorted(_part_len(c) for c in children) or [0]
    median = sizes[len(sizes) // 2]
    heads = sorted(len(c.heading) for c in children) or [0]
    head_median = heads[len(heads) // 2]
    opens_with_yao = sum(c.heading.startswith("要") for c in children) * 2 > len(children)
    # a list whose headings share a frame (在……上求突破) takes only headings in that frame
    frame_start, frame_end = _shared_frame([c.heading for c in children])
    seen = [_part_text(c) for c in children]
    for donor in donors:
        donor_part = _to_part(donor.section, donor, ())
        for child in donor_part.children:
            if child.kind != kind or (family and kind == "point" and _family(child.marker) != family):
                continue
            text = _part_text(child)
            if any(_near_duplicate(p.text, used) for p in child.paragraphs) or any(
                    same_point(text, other) or same_point(child.heading + "。", _lead_of(other))
                    for other in seen):
                continue
            if words and relevance(text, "", words, topic) <= 0:
                continue  # a donor point must be about the topic itself
            if roles and section_role(child.heading, "") not in roles + ("任务",) * (roles[0] == "保障"):
                continue  # and fit the part's role (no 认识 point in a 保障 list)
            if head_median and not (head_median * 0.7 <= len(child.heading) <= head_median * 1.45):
                continue  # the list's shape: headings of a similar length …
            if kind == "heading" and not (child.heading.startswith(frame_start)
                                          and child.heading.endswith(frame_end)):
                continue  # sub-headings in the list's frame; points go by lead and length
            if children and child.heading.startswith("要") != opens_with_yao:
                continue  # … and the same lead pattern
            if any(point_lead(p.text) for p in child.paragraphs[1:]):
                continue  # a point holding another list's numbering
            if kind == "heading" and child.level != 2:
                continue
            size = _part_len(child)
            if median and not (median * 0.4 <= size <= median * 2.2):
                continue
            if _part_len(part) + size > budget * 1.1:
                continue
            children.append(child)
            seen.append(text)
            part = replace(part, children=tuple(children))
            if _part_len(part) >= budget * 0.9 or len(children) >= MAX_POINTS:
                break
    if len(children) == 1 and kind == "point":
        return original  # 一是 without 二是 is no list
    return part


def _shared_frame(headings: list[str]) -> tuple[str, str]:
    """Return the start and end two or more headings share (在 … 上求突破), or empty strings.

    >>> _shared_frame(["在提升效能上求突破", "在规范执法上求突破"])
    ('在', '上求突破')
    """
    if len(headings) < 2:
        return "", ""
    import os

    start = os.path.commonprefix(headings)
    end = os.path.commonprefix([h[::-1] for h in headings])[::-1]
    return (start if len(start) >= 2 or start in ("在", "以", "把", "让") else "",
            end if len(end) >= 2 else "")


def _lead_of(text: str) -> str:
    return re.split(r"[。；]", text, maxsplit=1)[0] + "。"


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


__all__ = ["assemble", "build_draft", "cn_numeral", "section_text"]
