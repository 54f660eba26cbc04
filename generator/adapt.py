"""Adaptation: borrowed text made to speak for the draft's unit, at its date and occasion.

Runs after selection and composition, on the whole draft. Borrowed
paragraphs (those with a source) are rewritten; the template's own text is
only tidied (工作工作, 江州市特色). Each rule is a function on text, so the
rules can be tested, and ``bigan check`` finds what they fix (kb/annotate.py).

- self-references to the target level: 我区 / 全区 / 区委 / 区级 → 我市 / 全市 / 市委 / 市级;
- × placeholders: ×市 from --unit, ×年×月×日 from --date, the rest marked 【待补充】;
- sentences bound to another meeting or in another voice are dropped;
- targets and steps dated before the draft's year are shifted by the years between the
  source and the draft, or marked 【待核：年份】; a plan's 实施步骤 start at --date;
- season words contradicting the date are dropped or marked 【待核：季节】;
- superseded formulations (党的十九大精神, 十四五 targets in 2026) are marked 【待核】;
- announced counts (讲五个方面) agree with what follows; no sentence twice; never 工作工作.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kb.annotate import (LEVEL_RUNG, QUOTATION, RANK, announced_counts, content_grams, foreign_unit_refs, foreign_voice,
                         level_chains, meeting_bound, overlap, point_lead, same_point, same_sentence, season_conflicts,
                         sentences, stale_years, superseded, title_unit_level, unit_name_level)

from generator.model import Draft, DraftParagraph, DraftPart
from generator.plan import _UNIT_KINDS

_UNIT_SUFFIXES = ("自治州", "自治县", "街道", "社区", "市", "区", "县", "镇", "乡", "州", "旗", "省", "村")
_LEVEL_CHAR = {"省": "省", "市": "市", "区": "区", "县": "县", "乡镇": "镇"}
_PLACEHOLDER = re.compile(r"×年×月×日|×+(?:街道|社区|书记|市长|区长|县长|镇长|同志|[省市区县镇乡村局委办厅州])?")
_TODO_NAME = {"村": "村名", "镇": "镇名", "乡": "乡名", "街道": "街道名", "社区": "社区名", "县": "县名",
              "区": "区名", "市": "市名", "省": "省名", "同志": "姓名", "书记": "姓名", "局": "单位名称",
              "委": "单位名称", "办": "单位名称", "厅": "单位名称", "州": "州名"}


def target_level(unit: str | None) -> str:
    """Return the level the draft speaks for, from --unit (江州市 → 市, 南湖区 → 区); 市 by default.

    >>> target_level("南湖区"), target_level("青山县"), target_level(None)
    ('区', '县', '市')
    """
    if not unit:
        return "市"
    return unit_name_level(unit) or title_unit_level(unit) or "市"


# -- rules on text -------------------------------------------------------------------------------

def rewrite_level(text: str, level: str, *, source: str | None = None) -> str:
    """Return the text speaking for ``level``: 我区 / 全区 / 区委 / 区级 → 我市 / 全市 / 市委 / 市级 …

    ``source`` is the level the borrowed text spoke for (found in it when not given).

    >>> rewrite_level("过去一年，全区安全生产形势总体平稳，区委常委会多次研究，区级领导带头。", "市")
    '过去一年，全市安全生产形势总体平稳，市委常委会多次研究，市级领导带头。'
    >>> rewrite_level("认真贯彻省委部署，各镇党委要落实。", "市")
    '认真贯彻省委部署，各镇党委要落实。'
    """
    char = _LEVEL_CHAR.get(level)
    if not char:
        return text
    from kb.annotate import self_references

    given = source is not None
    if source is None:
        # the level the text speaks as: its own-unit words (我区 / 全区), not the organs it cites
        own = [r.level for r in self_references(text) if r.kind == "own"]
        source = max(sorted(set(own)), key=own.count) if own else None
    refs = foreign_unit_refs(text, level)
    # the source speaker's own organs (区委 in a district speech) are the speaker's too

    # Given the source's level (from its title), its own-unit words are the speaker's too
    # (对全市网格进行优化调整 in a city speech borrowed by a district).
    kinds = ("org", "grade", "own") if given else ("org", "grade")
    extra = [r for r in self_references(text, grades=True)
             if r.level == source and r.level != level and r.kind in kinds]
    spans = {(r.start, r.end): r for r in refs + extra}
    out = []
    last = 0
    for (start, end), ref in sorted(spans.items()):
        if start < last:
            continue
        unit_char = {"乡镇": "镇镇乡"}.get(ref.level, ref.level)
        word = ref.text
        index = next((i for i, c in enumerate(word) if c in unit_char), None)
        if index is None:
            continue
        new = word[:index] + char + word[index + 1:]
        if level == "乡镇" and ref.kind == "org" and new.endswith("委"):
            new = new[:-1] + "党委"
        out.append(text[last:start] + new)
        last = end
    out.append(text[last:])
    text = "".join(out)
    if given and RANK.get(source, 0) > RANK.get(level, 0):
        text = lower_organs(text, source, level)
    return text


# A higher unit's own organs and the units under it, as a city speech names them.
_ORGANS = {"市": re.compile(r"(?<![城超都门夜集股上])市(?!场|民(?!政)|容|值|面|井|区|政(?!府))(?=直|领导|财政|督查室|[^\s，。、；：（）]{1,6}?局(?!面|部|势)"
                           r"|[^\s，。、；：（）]{1,12}?(?:领导小组|委员会|指挥部))")}
_UNDER = {"市": re.compile(r"(?:各县[（(]市[、，]区[）)]|各县[（(]市[）)]区|各县市区|各县区|各区县)(政府)?")}
_UNDER_WORDS = {"区": "各街道（镇）", "县": "各乡镇", "乡镇": "各村（社区）"}


def lower_organs(text: str, source: str, level: str) -> str:
    """Return a higher unit's text with its organs and sub-units those of ``level``.

    >>> lower_organs("市直各部门和市民政局要支持，各县区政府要落实，分管市领导约谈。", "市", "区")
    '区直各部门和区民政局要支持，各街道（镇）要落实，分管区领导约谈。'
    >>> lower_organs("市基层治理工作领导小组牵头。", "市", "县")
    '县基层治理工作领导小组牵头。'
    >>> lower_organs("城市更新和市场主体，市场监管局和市政工程局。", "市", "区")
    '城市更新和市场主体，市场监管局和市政工程局。'
    """
    char = _LEVEL_CHAR.get(level)
    organs, under = _ORGANS.get(source), _UNDER.get(source)
    if not char or not organs:
        return text
    text = organs.sub(char, text)
    if under and level in _UNDER_WORDS:
        # 街道 have offices, not governments: 各县区政府要落实 → 各街道（镇）要落实
        text = under.sub(lambda m: _UNDER_WORDS[level] + (m.group(1) or "" if level == "县" else ""), text)
    return text


_URBAN = {0: "省", 1: "市", 2: "区", 3: "街道", 4: "社区"}
_RURAL = {0: "省", 1: "市", 2: "县", 3: "乡镇", 4: "村"}
_CITY_MIXED = {2: "县（区）", 3: "乡镇（街道）", 4: "村（社区）"}


def rewrite_chains(text: str, level: str, source: str | None) -> str:
    """Return the text with level chains of the source's unit moved to ``level``.

    ``source`` is the level the borrowed text spoke for. A chain that starts at the source's own
    level (区、街道、社区三级 in a district speech) or at the units just below it (各街道) is moved
    up or down the ladder; one that cannot be (a 区 draft given 省、市、县、乡四级) is marked
    【待核：层级】; chains of other units (县、乡、村 in a city speech) stay.

    >>> rewrite_chains("完善区、街道、社区三级应急预案体系，各街道要落实。", "市", "区")
    '完善市、区、街道三级应急预案体系，各区要落实。'
    >>> rewrite_chains("健全县、乡、村三级服务网络，各乡镇要落实。", "市", "县")
    '健全市、县（区）、乡镇（街道）三级服务网络，各县（区）要落实。'
    >>> rewrite_chains("完善区、街道、社区三级体系，各街道要落实。", "区", "区")
    '完善区、街道、社区三级体系，各街道要落实。'
    """
    if not source or source == level or source not in LEVEL_RUNG or level not in LEVEL_RUNG:
        return text
    delta = LEVEL_RUNG[level] - LEVEL_RUNG[source]
    out, last = [], 0
    for chain in level_chains(text):
        rungs = chain.rungs
        if rungs[0] != LEVEL_RUNG[source] + (1 if chain.each else 0):
            continue  # a chain of other units is not the speaker's
        urban = any(w in ("区", "街道", "社区") for w in chain.words)
        moved = [r + delta for r in rungs]
        words = text[chain.start:chain.end]
        if min(moved) < 0 or max(moved) > 4:
            new = words + "【待核：层级】"
        else:
            names = []
            for rung in moved:
                if rung == LEVEL_RUNG[level]:
                    names.append(level)
                elif level == "市" and not urban:
                    names.append(_CITY_MIXED[rung])
                else:
                    names.append((_URBAN if urban else _RURAL)[rung])
            new = ("各" if chain.each else "") + "、".join(names) + chain.tail
        out.append(text[last:chain.start] + new)
        last = chain.end
    out.append(text[last:])
    return "".join(out)


def _source_level(text: str, source) -> str | None:
    """Return the level a borrowed paragraph spoke for: its own words (我区 / 全区), else its title's unit."""
    from kb.annotate import self_references

    own = [r.level for r in self_references(text) if r.kind == "own"]
    if own:
        return max(sorted(set(own)), key=own.count)
    return title_unit_level(source.title) if source is not None and source.title else None


def fill_placeholders(text: str, unit: str | None, date_cn: str | None, level: str) -> str:
    """Return the text with × filled from the unit and date, and other × marked 【待补充：…】.

    >>> fill_placeholders("支撑×市发展，×县好物，×年×月×日", "南湖区", "2026年3月1日", "区")
    '支撑南湖区发展，【待补充：县名】好物，2026年3月1日'
    """
    def fill(match: re.Match) -> str:
        word = match.group()
        if word == "×年×月×日":
            return date_cn or word
        if not unit or unit.startswith("×"):
            return word
        tail = word.lstrip("×")
        own = _LEVEL_CHAR.get(level, "市")
        if tail in (own, "") or (tail in ("市", "区", "县", "州") and tail != own and _speaker_unit(text, match)):
            return unit
        return f"【待补充：{_TODO_NAME.get(tail, '名称')}】" + ("" if tail in _TODO_NAME else tail)
    return _PLACEHOLDER.sub(fill, text)


def _speaker_unit(text: str, match: re.Match) -> bool:
    # ×市 in a borrowed city speech is the speaker's own unit (支撑×市发展); an example
    # county (×县好物) is not: the speaker's unit is followed by what it does or has.
    after = text[match.end():match.end() + 2]
    return after[:1] in "发委政经上人的各" or after in ("党建", "实际", "特色")


def drop_bound(text: str, occasion: str | None = None) -> str:
    """Return the text without sentences bound to another meeting or in another voice.

    >>> drop_bound("刚才，几位同志作了很好的发言。要抓好落实。各省、自治区、直辖市人民政府要认真执行。")
    '要抓好落实。'
    """
    drop = {b.sentence for b in meeting_bound(text)} | set(foreign_voice(text))
    if not drop:
        return text
    kept = [s for s in sentences(text) if s not in drop]
    result = "".join(kept).strip()
    # a paragraph left hanging on a connective (同时， / 因此，) loses it
    return re.sub(r"^(?:同时|因此|所以|为此|此外|对此)，", "", result)


def shift_years(text: str, year: int, source_year: int | None) -> str:
    """Return the text with stale targets shifted by the years since the source, or marked.

    >>> shift_years("到2025年底，覆盖率达到90%。", 2026, 2024)
    '到2027年底，覆盖率达到90%。'
    >>> shift_years("回顾2023年，成绩来之不易。", 2026, 2024)
    '回顾2023年【待核：年份】，成绩来之不易。'
    """
    stale = stale_years(text, year)
    if not stale:
        return text
    out = []
    last = 0
    for start, words in stale:
        found = re.search(r"(?:19|20)\d{2}", words)
        value = int(found.group())
        target = "回顾" not in words and not re.search(r"以来|是|全年", words)
        if target and source_year and value >= source_year and value + (year - source_year) >= year:
            new = words.replace(found.group(), str(value + year - source_year), 1)
        else:
            year_end = words.index("年", found.end() - 1) + 1
            new = words[:year_end] + "【待核：年份】" + words[year_end:]
        out.append(text[last:start] + new)
        last = start + len(words)
    out.append(text[last:])
    return "".join(out)


_YEAR_CLAIM = re.compile(r"^(?:今年|明年|去年)是[^。！？；，]*(?:之年|周年|关键一年|攻坚年|收官|开局)[^。！？；，]*([。！？；，])")


def drop_year_claims(text: str, year: int, source_year: int | None) -> str:
    """Return the text without sentences saying what the source's year was (今年是“十四五”规划的收官之年).

    They were true of the year the source was given in, not of the draft's.

    >>> drop_year_claims("今年是“十四五”规划的收官之年，任务繁重。要抓好落实。", 2026, 2025)
    '要抓好落实。'
    >>> drop_year_claims("今年是治本攻坚的关键一年，要把重心转到事前预防上来。", 2026, 2024)
    '要把重心转到事前预防上来。'
    >>> drop_year_claims("今年是“十五五”规划的开局之年。要抓好落实。", 2026, 2026)
    '今年是“十五五”规划的开局之年。要抓好落实。'
    """
    if not source_year or source_year == year:
        return text
    out = []
    for sentence in sentences(text):
        claim = _YEAR_CLAIM.match(sentence.lstrip())
        if claim is None:
            out.append(sentence)
        elif claim.group(1) == "，" and re.match(r"(?:要|必须|务必|我们|各级|全[市区县])",
                                                 sentence.lstrip()[claim.end():]):
            # 今年是…关键一年，要把工作重心…转移: the claim goes, what it asks stays
            out.append(sentence.lstrip()[claim.end():])
    return "".join(out)


def fix_seasons(text: str, month: int, date: str | None = None) -> str:
    """Return the text without season words the date contradicts (a lead clause goes, others are marked).

    With ``date`` (YYYY-MM-DD) the words bound to the Spring Festival are judged against its real date.

    >>> fix_seasons("秋收在即，各地要抓紧排查隐患。", 2)
    '各地要抓紧排查隐患。'
    >>> fix_seasons("当前盛夏时节，要抓住有利时机推进。", 1)
    '要抓住有利时机推进。'
    >>> fix_seasons("要在入冬前完工。", 7)
    '要在入冬前完工。'
    >>> fix_seasons("全市上下要抓好节前安全检查，确保春节前后平稳。", 3, "2026-03-18")
    '全市上下要抓好节前【待核：季节】安全检查，确保春节前后【待核：季节】平稳。'
    """
    out = []
    for sentence in sentences(text) or [text]:
        found = season_conflicts(sentence, month, date=date)
        while found:
            start, word = found[0]
            clause = re.match(r"^[^，。；]*，", sentence)
            if clause and start < clause.end() and len(clause.group()) - len(word) <= 6 \
                    and not re.search(r"要|抓好|做好|确保|加强", clause.group()):
                # a lead clause that only says the season (秋收在即， / 当前盛夏时节，) goes
                sentence = sentence[clause.end():]
            else:
                end = start + len(word)
                sentence = sentence[:end] + "【待核：季节】" + sentence[end:]
            found = season_conflicts(sentence, month, date=date)
        out.append(sentence)
    return "".join(out)


def season_bound(text: str, month: int, date: str | None = None, context: str = "") -> bool:
    """Return True when a point's lead (its first sentence) is bound to a season the date contradicts.

    >>> season_bound("五是抓好春节前后安全防范。要加强值守。", 3, "2026-03-18")
    True
    >>> season_bound("五是抓好隐患排查。春节前后要加强值守。", 3, "2026-03-18")
    False
    >>> season_bound("五是抓实节日期间安全防范。确保群众过一个祥和的新春佳节。", 3, "2026-03-18")
    True
    """
    lead = (sentences(text) or [text])[0]
    return bool(season_conflicts(lead, month, date=date, context=context or text))


def drop_season_points(texts: list[str], month: int, date: str | None = None) -> list[str]:
    """Return paragraphs without the run-in points bound to a contradicted season, the rest renumbered.

    A paragraph that is a whole point (一是… / 五是…) goes; so does a point inside a paragraph
    of several (…。二是…。三是…。); the leads after it are renumbered.

    >>> drop_season_points(["一是抓排查。", "二是抓好春节前后值班值守。", "三是抓整改。"], 3, "2026-03-18")
    ['一是抓排查。', '二是抓整改。']
    >>> drop_season_points(["一是抓排查。二是做好春节前后值守。三是抓整改。"], 3, "2026-03-18")
    ['一是抓排查。二是抓整改。']
    """
    out = []
    for text in texts:
        if point_lead(text) and season_bound(text, month, date):
            continue
        pieces = _point_pieces(text)
        if sum(1 for p in pieces if point_lead(p)) >= 2:
            kept = [p for p in pieces if not (point_lead(p) and season_bound(p, month, date))]
            if len(kept) < len(pieces):
                text = "".join(renumber_leads(kept))
        out.append(text)
    return renumber_leads(out)


def _point_pieces(text: str) -> list[str]:
    """Return a paragraph cut before each sentence that opens with a point lead."""
    pieces: list[str] = []
    for sentence in sentences(text):
        if point_lead(sentence.lstrip()) or not pieces:
            pieces.append(sentence)
        else:
            pieces[-1] += sentence
    return pieces


_LEAD_NUMERAL = re.compile(r"^(\s*)(?:(?P<n>[一二两三四五六七八九十]+)(?=是|要|方面|个方面)|第(?P<o>[一二三四五六七八九十])(?=[，、,]))")


def renumber_leads(texts: list[str]) -> list[str]:
    """Return texts whose runs of point leads (一是 三是 → 一是 二是) count on from their first.

    >>> renumber_leads(["一是抓排查。", "三是抓整改。", "要抓好落实。", "二要抓学习。"])
    ['一是抓排查。', '二是抓整改。', '要抓好落实。', '二要抓学习。']
    """
    from generator.compose import cn_numeral

    out = []
    previous = None
    for text in texts:
        lead = point_lead(text.lstrip())
        if lead is None or lead[0] == "首先":
            previous = None
            out.append(text)
            continue
        if previous is not None and previous[0] == lead[0] and lead[1] != previous[1] + 1:
            wanted = previous[1] + 1
            match = _LEAD_NUMERAL.match(text)
            if match:
                at = match.start("n") if match.group("n") else match.start("o")
                old = match.group("n") or match.group("o")
                text = text[:at] + cn_numeral(wanted) + text[at + len(old):]
            lead = (lead[0], wanted)
        previous = lead
        out.append(text)
    return out


def mark_superseded(text: str, when: str) -> str:
    """Return the text with formulations superseded at ``when`` marked 【待核：现提…】.

    >>> mark_superseded("深入贯彻党的十九大精神。", "2026-02-18")
    '深入贯彻党的十九大精神【待核：现提“党的二十大精神”】。'
    """
    found = superseded(text, when)
    for start, words, row in reversed(found):
        end = start + len(words)
        text = text[:end] + f"【待核：现提“{row.instead.strip('“”')}”】" + text[end:]
    return text


def tidy(text: str, unit: str | None) -> str:
    """Return the text without doubled 工作 and with 江州特色 for 江州市特色.

    >>> tidy("江州市信访工作工作座谈会，走出江州市特色之路", "江州市")
    '江州市信访工作座谈会，走出江州特色之路'
    """
    text = re.sub(r"工作(?:工作)+", "工作", text)
    if unit:
        stem = next((unit[:-len(s)] for s in _UNIT_SUFFIXES if unit.endswith(s) and len(unit) - len(s) >= 2),
                    None)
        if stem:
            text = text.replace(unit + "特色", stem + "特色")
    return text


def schedule(text: str, start_year: int, start_month: int, first: tuple[int, int] | None) -> str:
    """Return a 实施步骤 text with its dates moved so that the first step starts at the draft's month.

    ``first`` is the (year, month) of the part's first date.

    >>> schedule("动员部署阶段（2023年6月—7月）。", 2026, 3, (2023, 6))
    '动员部署阶段（2026年3月—4月）。'
    """
    if first is None:
        return text
    delta = (start_year * 12 + start_month - 1) - (first[0] * 12 + first[1] - 1)
    context = [first[0]]

    def move(match: re.Match) -> str:
        year = int(match.group(1)) if match.group(1) else context[0]
        month = int(match.group(2))
        context[0] = year
        total = year * 12 + month - 1 + delta
        new_year, new_month = divmod(total, 12)
        day = match.group(3) or ""
        shown_year = f"{new_year}年" if match.group(1) else ""
        return f"{shown_year}{new_month + 1}月{day}"

    return re.sub(r"(?:((?:19|20)\d{2})年)?(\d{1,2})月(\d{1,2}日)?", move, text)


def first_date(texts) -> tuple[int, int] | None:
    """Return the (year, month) of the first dated month in some texts, or None."""
    for text in texts:
        match = re.search(r"((?:19|20)\d{2})年(\d{1,2})月", text)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


# -- the draft ------------------------------------------------------------------------------------

def adapt(draft: Draft, spec) -> Draft:
    """Return the draft with every rule applied; the template's text is only tidied."""
    level = target_level(spec.unit)
    when = spec.date or ""
    year = int(when[:4]) if when[:4].isdigit() else None
    month = int(when[5:7]) if len(when) >= 7 and when[5:7].isdigit() else None
    date_cn = f"{year}年{month}月{int(when[8:10])}日" if year and month and len(when) >= 10 else None

    def borrowed(paragraph: DraftParagraph, steps=None) -> DraftParagraph | None:
        if QUOTATION.match(paragraph.text):
            return paragraph  # an attributed quotation keeps its words verbatim
        text = drop_bound(paragraph.text)
        if not text:
            return None
        source_year = None
        if paragraph.source is not None and paragraph.source.date and paragraph.source.date[:4].isdigit():
            source_year = int(paragraph.source.date[:4])
        source_level = title_unit_level(paragraph.source.title or "") if paragraph.source else None
        text = rewrite_chains(text, level, _source_level(text, paragraph.source))
        text = rewrite_level(text, level, source=source_level if source_level in RANK else None)
        text = fill_placeholders(text, spec.unit, date_cn, level)
        if steps is not None and year and month:
            text = schedule(text, year, month, steps)
        if year:
            text = drop_year_claims(text, year, source_year)
            if not text:
                return None
            text = shift_years(text, year, source_year)
            text = mark_superseded(text, when)
        if month:
            text = fix_seasons(text, month, when if date_cn else None)
        return replace(paragraph, text=tidy(text, spec.unit))

    def unseasonal(paragraphs: tuple[DraftParagraph, ...]) -> tuple[DraftParagraph, ...]:
        # run-in points (一是… / 五是春节前后…) bound to a contradicted season go; the rest renumbered
        if not month:
            return paragraphs
        borrowed_ones = [p for p in paragraphs if p.source is not None]
        texts = drop_season_points([p.text for p in borrowed_ones], month, when if date_cn else None)
        if len(texts) == len(borrowed_ones) and all(a.text == b for a, b in zip(borrowed_ones, texts)):
            return paragraphs
        kept = iter(texts)
        out = []
        for paragraph in paragraphs:
            if paragraph.source is None:
                out.append(paragraph)
            elif point_lead(paragraph.text) and season_bound(paragraph.text, month, when if date_cn else None):
                continue
            else:
                out.append(replace(paragraph, text=next(kept)))
        return tuple(out)

    def part(node: DraftPart, steps=None) -> DraftPart | None:
        if month and (node.kind == "point" or node.level > 1) and season_bound(
                (node.heading or (node.paragraphs[0].text if node.paragraphs else "")) + "。", month,
                when if date_cn else None, "".join(p.text for n in node.walk() for p in n.own_paragraphs())):
            return None  # a whole point about a season the date contradicts (春节前后 in March) goes
        node = replace(node, paragraphs=unseasonal(node.paragraphs))
        if node.source is not None or node.kind == "point":
            heading = node.heading
            if node.kind == "point" or node.level > 1:
                heading = borrowed(DraftParagraph(heading, node.source), steps)
                heading = heading.text if heading else ""
        else:
            heading = node.heading
        paragraphs = tuple(p for p in (borrowed(x, steps) if x.source else x for x in node.paragraphs) if p)
        if node.kind == "point" or any(c.kind == "point" for c in node.children):
            # a paragraph opening with 四是 inside a point list belongs to another list
            paragraphs = paragraphs[:1] + tuple(p for p in paragraphs[1:] if not point_lead(p.text))
        after = tuple(p for p in (borrowed(x, steps) if x.source else x for x in node.after) if p)
        children = tuple(c for c in (part(c, steps) for c in node.children) if c is not None)
        if node.kind == "point" and not children and (not heading or (node.paragraphs and not paragraphs)):
            return None  # a point whose body went with another meeting goes too
        return replace(node, heading=tidy(heading, spec.unit), paragraphs=paragraphs, children=children,
                       after=after)

    parts = []
    for node in draft.parts:
        steps = None
        if node.slot == "part:实施步骤":
            steps = first_date(p.text for n in node.walk() for p in (DraftParagraph(n.heading),)
                               + n.own_paragraphs())
        parts.append(part(node, steps))
    parts = [p for p in parts if p is not None]
    opening = tuple(p for p in (borrowed(x) if x.source else replace(x, text=tidy(x.text, spec.unit))
                                for x in draft.opening) if p)
    closing = tuple(p for p in (borrowed(x) if x.source else replace(x, text=tidy(x.text, spec.unit))
                                for x in draft.closing) if p)
    draft = replace(draft, title=tidy(draft.title, spec.unit),
                    meeting=tidy(draft.meeting, spec.unit) if draft.meeting else draft.meeting,
                    opening=opening, parts=tuple(parts), closing=closing)
    from generator.compose import number_parts

    return list_placeholders(number_parts(agree_counts(dedupe(draft))), spec)


def list_placeholders(draft: Draft, spec) -> Draft:
    """Return the draft with the unit in the template's ×市-style placeholders and what remains listed."""
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




def _point_lead_text(text: str) -> str | None:
    """Return the lead of a run-in point (四要健全容错纠错机制。… → 健全容错纠错机制), if long enough to name it."""
    match = re.match(r"[一二三四五六七八九十]+(?:是|要)([^。；：！？，]{6,20})[。；：]", text)
    return match.group(1) if match and len(content_grams(match.group(1))) >= 5 else None


def dedupe(draft: Draft) -> Draft:
    """Return the draft without a borrowed sentence said twice or a paragraph saying the same again."""
    seen: set[str] = set()
    said: list[tuple[str, str]] = []  # (sentence, source) kept: one said again in other words goes
    kept: list[str] = []
    leads: list[tuple[str, str, str]] = []  # (a run-in point's lead, its paragraph, source)

    def clean(paragraph: DraftParagraph) -> DraftParagraph | None:
        if paragraph.source is None:
            seen.update(s for s in sentences(paragraph.text) if len(s) >= 12)
            return paragraph
        if any(same_point(paragraph.text, other) for other in kept):
            return None
        if any(doc != paragraph.source.doc_id and lead in paragraph.text and overlap(paragraph.text, whole) >= 0.25
               for lead, whole, doc in leads):
            return None  # another source's point (健全容错纠错机制) made again inside this one
        lead = _point_lead_text(paragraph.text)
        if lead:
            leads.append((lead, paragraph.text, paragraph.source.doc_id))
        out = []
        for s in sentences(paragraph.text):
            # only across sources: one speech's parallel sentences (排比) are meant
            if len(s) >= 12 and (s in seen or any(doc != paragraph.source.doc_id and same_sentence(s, t)
                                                  for t, doc in said)):
                continue
            seen.add(s)
            said.append((s, paragraph.source.doc_id))
            out.append(s)
        text = "".join(out)
        if not text:
            return None
        kept.append(text)
        return replace(paragraph, text=text)

    def part(node: DraftPart) -> DraftPart | None:
        if node.kind == "point" and node.heading and any(
                same_point(node.heading + "。", other) for other in kept):
            return None
        if node.kind == "point" and node.heading:
            kept.append(node.heading + "。")
        paragraphs = tuple(p for p in map(clean, node.paragraphs) if p)
        children = tuple(c for c in map(part, node.children) if c is not None)
        after = tuple(p for p in map(clean, node.after) if p)
        if node.kind == "point" and not children and (not node.heading or (node.paragraphs and not paragraphs)):
            return None  # its body was said already: the point goes
        return replace(node, paragraphs=paragraphs, children=children, after=after)

    opening = tuple(p for p in map(clean, draft.opening) if p)
    parts = tuple(p for p in map(part, draft.parts) if p is not None)
    closing = tuple(p for p in map(clean, draft.closing) if p)
    return replace(draft, opening=opening, parts=parts, closing=closing)


def agree_counts(draft: Draft) -> Draft:
    """Return the draft with each announced count (讲三点 / 以下六个方面) equal to what follows."""
    def fix(text: str, actual: int) -> str:
        from generator.compose import cn_numeral

        for announced in reversed(announced_counts(text)):
            if actual and announced.count != actual:
                numeral = re.search(r"十?[一二两三四五六七八九十]", announced.text).group()
                new = announced.text.replace(numeral, "两" if actual == 2 else cn_numeral(actual), 1)  # 两个方面
                text = text[:announced.start] + new + text[announced.start + len(announced.text):]
        return text

    def part(node: DraftPart) -> DraftPart:
        children = tuple(part(c) for c in node.children)
        paragraphs = list(node.paragraphs)
        for i, paragraph in enumerate(paragraphs):
            if not announced_counts(paragraph.text):
                continue
            if children:
                actual = len(children)
            else:
                following = [p.text for p in paragraphs[i + 1:]]
                actual = sum(1 for t in following if point_lead(t)) or sum(
                    1 for s in sentences(paragraph.text) if point_lead(s.lstrip()))
            paragraphs[i] = replace(paragraph, text=fix(paragraph.text, actual))
        return replace(node, paragraphs=tuple(paragraphs), children=children)

    opening = tuple(replace(p, text=fix(p.text, len(draft.parts))) if announced_counts(p.text) else p
                    for p in draft.opening)
    return replace(draft, opening=opening, parts=tuple(part(p) for p in draft.parts))
