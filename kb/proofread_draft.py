"""`bigan check` rules for drafts: what borrowing text from other documents gets wrong.

The same detection as drafting (kb/annotate.py), so a draft made by hand is
checked as a generated one is adapted: a self-reference of another unit level,
a leftover ×, an announced count that disagrees with what follows, stale years
and superseded formulations, season words against the date, a sentence said
twice, and point series of mixed families or with gaps. proofread.py calls
:func:`draft_findings` and wraps its tuples as Findings.
"""

from __future__ import annotations

import re

from kb.annotate import (announced_counts, foreign_unit_refs, point_lead, season_conflicts, sentences,
                         series_problems, stale_years, superseded, title_unit_level, unit_name_level)

_LEVEL1 = re.compile(r"^(?:#+\s*)?[一二三四五六七八九十]+、")
_LEVEL2 = re.compile(r"^(?:#+\s*)?[（(][一二三四五六七八九十]+[）)]")
_PLACEHOLDER = re.compile(r"×年×月×日|(?<!×)×(?:街道|社区|[省市区县镇乡村州])")  # what the other rules leave
_DATE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日|date:\s*((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})")


def draft_findings(paras, *, unit: str | None = None, date: str | None = None):
    """Yield (para, index, rule, level, message[, suggestion]) for the draft rules over a text's paragraphs.

    ``paras`` have ``.text``; the unit level comes from ``unit`` (the writer's unit, 江州市)
    or the title (the first line naming a unit), the date from ``date`` (YYYY-MM-DD) or the
    byline （2026年2月18日）. Season words are judged against the date's month, and the
    Spring Festival words (春节前后, 新春伊始) against that year's festival.
    """
    texts = [p.text for p in paras]
    level = unit_name_level(unit) if unit else _level(texts)
    when = date or _date(texts)
    year = int(when[:4]) if when else None
    month = int(when[5:7]) if when else None
    seen: dict[str, int] = {}
    for i, para in enumerate(paras):
        text = para.text
        quoted = _quoted_spans(text)
        if level:
            for ref in foreign_unit_refs(text, level):
                whose = f"本单位（{unit}）" if unit else "本稿"
                yield para, ref.start, "单位层级", "疑似", f"“{ref.text}”与{whose}的“{level}”级不一致，请改为本级说法"
        for match in _PLACEHOLDER.finditer(text) if (unit or date) else ():
            yield (para, match.start(), "占位符", "提示", f"还有占位符“{match.group()}”未填写",
                   *_filling(text, match, unit, level, when))
        for announced in announced_counts(text, strict=True):
            actual = _following_count(paras, i, announced.start)
            if actual and actual != announced.count:
                yield para, announced.start, "数量不符", "错误", \
                    f"“{announced.text}”与下文实有的 {actual} 点（部分）不一致"
        # a leader's words quoted with attribution (总书记强调，“…”) are verbatim: not judged by the date
        if year:
            for start, words in stale_years(text, year):
                if not _inside(quoted, start):
                    yield para, start, "年份过时", "疑似", f"“{words}”早于本稿的 {year} 年，请核对"
            for start, words, row in superseded(text, when):
                if not _inside(quoted, start):
                    yield para, start, "提法过时", "疑似", f"“{words}”自 {row.since} 起已有新提法“{row.instead}”，请核对"
        if month:
            for start, word in season_conflicts(text, month, date=when if len(when) >= 10 else None):
                if not _inside(quoted, start):
                    yield para, start, "季节不符", "疑似", f"“{word}”与 {_date_words(when)}的日期不符"
        for sentence in sentences(text):
            if len(sentence) >= 12 and sentence[-1] in "。！？；" and not sentence.startswith("#"):
                if sentence in seen:
                    yield para, text.find(sentence), "重复句", "疑似", f"这句话在第 {seen[sentence]} 行已出现过"
                else:
                    seen[sentence] = getattr(para, "line", i + 1)
    yield from _series(paras)


_ATTRIBUTED = re.compile(r"(?:总书记|主席|总理|委员长|同志)(?:强调|指出|要求|说)[，：]“([^“”]*)”")


def _quoted_spans(text):
    return [(m.start(1), m.end(1)) for m in _ATTRIBUTED.finditer(text)]


def _inside(spans, index):
    return any(start <= index < end for start, end in spans)


def _filling(text, match, unit, level, when):
    """Return (suggestion,) for a placeholder the writer's unit or date fills, or ()."""
    word = match.group()
    if word == "×年×月×日":
        return (_date_words(when),) if when and len(when) >= 10 else ()
    kind = word.lstrip("×")
    if unit and kind and unit_name_level(kind) == level and unit.endswith(kind):
        return (unit,)
    return ()


def _date_words(when: str) -> str:
    if len(when) >= 10:
        return f"{int(when[:4])}年{int(when[5:7])}月{int(when[8:10])}日"
    return f"{int(when[5:7])} 月"


def _level(texts):
    for text in texts[:5]:
        level = title_unit_level(text.lstrip("# "))
        if level and level != "中央":
            return level
    return None


def _date(texts):
    for text in texts[:12]:
        match = _DATE.search(text)
        if match:
            y, m, d = [g for g in match.groups() if g][:3]
            return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    return None


def _following_count(paras, i, start):
    """Return how many parts / points follow an announced count, or 0 when nothing numbered follows."""
    following = [p.text.strip() for p in paras[i + 1:]]
    if not following:
        return 0
    first = following[0]
    if _LEVEL1.match(first) or (not _LEVEL2.match(first) and not point_lead(first)
                                 and any(_LEVEL1.match(t) for t in following[:3])):
        return sum(1 for t in following if _LEVEL1.match(t))
    if _LEVEL2.match(first):
        count = 0
        for t in following:
            if _LEVEL1.match(t):
                break
            count += bool(_LEVEL2.match(t))
        return count
    if point_lead(first):
        count = 0
        for t in following:
            if _LEVEL1.match(t) or _LEVEL2.match(t):
                break
            count += bool(point_lead(t))
        return count
    return 0


def _series(paras):
    """Yield findings for runs of paragraphs opening with point leads (一是 / 一要 / 第一，)."""
    run = []
    for para in list(paras) + [None]:
        lead = point_lead(para.text.strip()) if para is not None else None
        if lead:
            run.append((para, lead))
            continue
        if len(run) >= 2:
            for problem in series_problems([x[1] for x in run]):
                yield run[0][0], 0, "要点序列", "疑似", problem
        run = []
