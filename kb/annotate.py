"""What a passage of official writing says about itself: pure detection functions on text.

No I/O and no imports from the generator: drafting (generator/adapt.py,
selection) and ``bigan check`` (kb/proofread_draft.py) call the same rules.

- :func:`self_references` — 我市 / 全区 / 县委 … and the level of the unit they speak for;
- :func:`unit_level` — the level a text speaks for (its dominant self-reference);
- :func:`register` — central leadership, State Council document, regulation, local speech or plan;
- :func:`meeting_bound` — sentences that only make sense at their own meeting (今天 / 刚才 / 受到表彰的…);
- :func:`time_bound` — sentences holding years, seasons, 上半年 / 今年 …;
- :func:`announced_counts` — 讲五个方面 / 以下六个方面 / 强调三点;
- :func:`section_role` — what a section is for (认识, 任务, 保障 …, or a plan's 实施步骤 …);
- :func:`season_conflicts`, :func:`stale_years`, :func:`superseded` — what a date makes wrong
  (the Spring Festival words against that year's festival, :func:`spring_festival`);
- :func:`level_chains` — 区、街道、社区三级 / 各街道: the ladder of units a text speaks down;
- :func:`leader`, :func:`quotable_sentences` — who may be quoted, and which of their sentences.
- :func:`annotate_document` — all of the above for a whole document and its parts, once, at ingest.

>>> [r.level for r in self_references("过去一年，全区安全生产形势总体平稳，区委高度重视。")]
['区', '区']
>>> unit_level("我县坚持……全县上下……县委县政府")
'县'
>>> register("各省、自治区、直辖市人民政府要在本意见印发之日起30日内制定方案。")
'国务院文件'
>>> announced_counts("下面，我讲三点意见。")[0].count
3
>>> section_role("提高政治站位，深刻认识作风建设的重大意义")
'认识'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.model import (LEVELS, PARTS, PLAN_ROLES, REGISTERS, SPEECH_ROLES,  # noqa: F401 (re-exported)
                      Annotation, Document, DocumentAnnotation, Section)

# The values these rules give (unit LEVELS, SPEECH_ROLES, PLAN_ROLES, REGISTERS, PARTS) live in
# kb.model, beside the Annotation that stores them, so that the CLI lists them without this module.

_NUM = "一二两三四五六七八九十"
_CN_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九十")}
_CN_VALUE["两"] = 2

# Self-references by level. "Strong" ones (我市, 全区, 县委 …) are the speaker's own unit;
# 市级 / 区级 only count when the text already speaks as that level (a city speech
# talks about 县级 matters without speaking as a county).
_UNIT_CHAR = {"省": "省", "市": "市", "区": "区", "县": "县", "镇": "乡镇", "乡": "乡镇"}
_STRONG = re.compile(
    r"(?P<own>[我本]|(?<![健完齐安周十万])(?<!(?<!确)保)全)(?P<u1>[省市区县镇乡])(?![长级域委直属内外镇村土场民])"
    r"|(?<![各地州盟自治×])(?P<u2>[省市区县])(?P<org>委(?!员)|政府|人大|政协|纪委)"
    r"|(?<![各、])(?P<u3>[镇乡])(?P<org2>党委|政府)")
_GRADE = re.compile(r"(?<![各省市区县乡镇])(?P<u>[省市区县])级")
_CENTRAL = re.compile(r"党中央|中共中央|中央政治局|国务院")


@dataclass(frozen=True)
class SelfRef:
    """A self-reference in a text: its span, its words and the level it speaks for."""

    start: int
    end: int
    text: str
    level: str
    strong: bool = True
    kind: str = "own"  # own: 我市 / 全市 / 本市; org: 市委 / 市政府; grade: 市级


def self_references(text: str, *, grades: bool = False) -> list[SelfRef]:
    """Return the self-references of a text (我市, 全区, 区委, 县政府 …) in order.

    With ``grades`` the 市级 / 区级 forms are included (marked not strong).

    >>> [r.text for r in self_references("各县区要对照市委要求，全市上下……")]
    ['市委', '全市']
    """
    refs = []
    for match in _STRONG.finditer(text):
        unit = match.group("u1") or match.group("u2") or match.group("u3")
        if match.group("u2") and match.start() > 0 and text[match.start() - 1] in "省市区县":
            continue  # 县市区委 …: a list of units, not the speaker
        kind = "own" if match.group("own") else "org"
        refs.append(SelfRef(match.start(), match.end(), match.group(), _UNIT_CHAR[unit], kind=kind))
    if grades:
        for match in _GRADE.finditer(text):
            refs.append(SelfRef(match.start(), match.end(), match.group(), _UNIT_CHAR[match.group("u")],
                                strong=False, kind="grade"))
        refs.sort(key=lambda r: r.start)
    return refs


RANK = {"中央": 4, "国务院": 4, "省": 3, "市": 2, "区": 1, "县": 1, "乡镇": 0}


def foreign_unit_refs(text: str, level: str) -> list[SelfRef]:
    """Return the self-references of a text that speak for another unit level than ``level``.

    我区 / 全县 / 本省 of another level always; 区委 / 县政府 of another level
    unless it is a higher one (a city speech cites 省委) or a township (镇党委);
    区级 / 县级 only when the text speaks as that level.

    >>> [r.text for r in foreign_unit_refs("全区上下要贯彻省委部署，区委要牵头，各镇党委要落实。", "市")]
    ['全区', '区委']
    """
    own_level = unit_level(text)
    out = []
    for ref in self_references(text, grades=True):
        if ref.level == level or ref.level not in RANK:
            continue
        if ref.kind == "own":
            if ref.text.startswith("全") and RANK[ref.level] > RANK.get(level, 2):
                continue  # 在全省的位次: a city compares itself with its province
            out.append(ref)
        elif ref.kind == "org" and RANK[ref.level] <= RANK.get(level, 2) and ref.level != "乡镇":
            out.append(ref)
        elif ref.kind == "grade" and ref.level == own_level:
            out.append(ref)
    return out


def unit_name_level(unit: str | None) -> str | None:
    """Return the level of a unit's name (江州市 → 市, 南湖街道 → 乡镇), or None when its suffix says none.

    >>> unit_name_level("江州市"), unit_name_level("南湖街道"), unit_name_level("青山自治县"), unit_name_level("宣传部")
    ('市', '乡镇', '县', None)
    >>> unit_name_level("江州市委宣传部")
    '市'
    """
    if not unit:
        return None
    for suffix, level in (("街道", "乡镇"), ("镇", "乡镇"), ("乡", "乡镇"), ("自治县", "县"), ("县", "县"),
                          ("区", "区"), ("市", "市"), ("州", "市"), ("盟", "市"), ("旗", "县"), ("省", "省")):
        if unit.endswith(suffix):
            return level
    found = re.search(r"([省市区县])(?:委|人民政府|政府|人大|政协|纪委)", unit)  # 市委宣传部 speaks for a 市
    return _UNIT_CHAR[found.group(1)] if found else None


# -- level chains ------------------------------------------------------------------------------

#: The ladder of administrative levels a chain (区、街道、社区三级) walks down: the rung of each word.
_RUNG = {"省": 0, "市": 1, "区": 2, "县": 2, "街道": 3, "乡镇": 3, "镇": 3, "乡": 3, "社区": 4, "村": 4}
_AFTER_UNIT = ("要", "和", "也", "都", "务必", "必须", "在", "结合", "分别", "应", "主要", "负责")
LEVEL_RUNG = {"省": 0, "市": 1, "区": 2, "县": 2, "乡镇": 3}
_CHAIN = re.compile(r"(?P<each>各)?(?P<chain>(?:乡镇|街道|社区|[省市区县镇乡村])(?:、(?:乡镇|街道|社区|[省市区县镇乡村]))*)"
                    r"(?P<tail>[二两三四五]级)?")


@dataclass(frozen=True)
class Chain:
    """A run of bare level words (区、街道、社区三级 / 各街道): its span, its words and their rungs."""

    start: int
    end: int
    words: tuple[str, ...]
    each: bool  # led by 各: the units one rung below the speaker
    tail: str   # 三级 …, or ""

    @property
    def rungs(self) -> tuple[int, ...]:
        return tuple(_RUNG[w] for w in self.words)


def level_chains(text: str) -> list[Chain]:
    """Return the level chains of a text: 区、街道、社区三级, 市、县两级, 各街道 (not 南湖街道, not 各区县).

    A chain is two or more bare level words, one rung apart, going down (区、街道、社区),
    or one level word after 各 that names a kind of unit (各街道, 各乡镇, 各区).

    >>> [(c.words, c.tail) for c in level_chains("完善区、街道、社区三级应急预案体系，各街道、各部门要落实。")]
    [(('区', '街道', '社区'), '三级'), (('街道',), '')]
    >>> level_chains("南湖街道办事处要牵头，各区县要配合，各县（市、区）和县区、乡镇两级要落实县、乡、村、校四级责任。")
    []
    """
    out = []
    for match in _CHAIN.finditer(text):
        words = tuple(match.group("chain").split("、"))
        rungs = [_RUNG[w] for w in words]
        after = text[match.end("chain"):match.end("chain") + 2]
        before = text[match.start() - 1:match.start()] if match.start() else ""
        if before in ("（", "(") or after[:1] in ("（", "(", "）", ")") or (not match.group("each") and (
                (before and before in "省市区县乡镇村") or after[:1] == "、")):
            continue  # 县（市、区）, 各乡镇（街道）, 县区、乡镇两级, 县、乡、村、校: names and lists, left alone
        if match.group("each") and len(words) == 1:
            # 各街道 / 各乡镇 / 各社区 (not 各区县, 各村庄, 各街道办事处): a kind of unit, then no more name
            if words[0] not in ("区", "县", "街道", "乡镇", "社区", "镇", "村") or (
                    re.match(r"[\u4e00-\u9fff]", after[:1]) and not after.startswith(_AFTER_UNIT)):
                continue
        elif len(words) < 2 or any(b != a + 1 for a, b in zip(rungs, rungs[1:])):
            continue
        out.append(Chain(match.start(), match.end(), words, bool(match.group("each")), match.group("tail") or ""))
    return out


def unit_level(text: str, title: str = "") -> str | None:
    """Return the level a text speaks for: its most frequent strong self-reference, or None.

    The title's unit (江州市…, 全省…) counts three times.

    >>> unit_level("全市要……市委……我区", title="")
    '市'
    >>> unit_level("") is None
    True
    """
    counts: dict[str, int] = {}
    for ref in self_references(text):
        counts[ref.level] = counts.get(ref.level, 0) + 1
    title_level = title_unit_level(title)
    if title_level:
        counts[title_level] = counts.get(title_level, 0) + 3
    if not counts:
        return None
    return max(sorted(counts), key=lambda level: counts[level])


_TITLE_UNIT = re.compile(r"(?:在)?(?:[\u4e00-\u9fff]{2,6}?|[全我])(省|市|区|县|镇|乡)(?=[\u4e00-\u9fff]{2})")


def title_unit_level(title: str) -> str | None:
    """Return the level of the unit named in a title (江州市… → 市, 全区… → 区), or None.

    >>> title_unit_level("在全市安全生产工作会议上的讲话")
    '市'
    >>> title_unit_level("在哲学社会科学工作座谈会上的讲话") is None
    True
    """
    if not title:
        return None
    if re.search(r"全国|国务院|中共中央", title):
        return "中央"
    match = re.search(r"(?:全|我|本|×)(省|市|区|县|镇|乡)(?!域|间|块|位|长)", title)
    if match:
        return _UNIT_CHAR[match.group(1)]
    match = re.search(r"[\u4e00-\u9fff]{2,4}?(省|市|县|区)(?!域|间|块|位|长)(?:委|政府|人民政府)?(?=[\u4e00-\u9fff])",
                      title)
    if match and not match.group(0).startswith(("城市", "都市", "超市", "社区", "园区", "景区", "城区",
                                                 "街区", "片区", "辖区", "地区", "山区", "牧区", "灾区")):
        return _UNIT_CHAR[match.group(1)]
    return None


# -- register ---------------------------------------------------------------------------------

_CENTRAL_VOICE = re.compile(
    r"我代表(?:党中央|中共中央|中央|国务院|全国人大)|中央政治局(?:经过|决定|常委会)|这次全会"
    r"|全会(?:决定|审议)|中央决定(?:用|成立|召开)|各位代表|全党同志(?:一定|必须|要)|我们这样一个大党"
    r"|党中央(?:决定|认为|强调)(?:，|，我们)|中央认为")
_STATE_COUNCIL = re.compile(
    r"本(?:意见|通知|方案|规划|决定|办法)(?:印发|所称|自|施行)|各省、自治区、直辖市(?:人民政府|和新疆生产建设兵团)"
    r"|国务院各部委、各直属机构|（[^（）]{0,40}(?:部|委|局|署|办|院|总局|银行)[^（）]{0,20}(?:按职责分工)?负责）"
    r"|省级人民政府(?:要|应当)")
_REGULATION = re.compile(r"^第[一二三四五六七八九十百零]+条|本(?:条例|法|规定|细则)(?:自|所称|规定)")
_PLAN_VOICE = re.compile(r"制定本方案|特制定本|现(?:制定|提出)如下|本方案")


def register(text: str, *, doc_type: str | None = None) -> str:
    """Return the voice a passage speaks in (one of REGISTERS).

    >>> register("我代表党中央，向全国劳动模范致以崇高敬意。")
    '中央领导'
    >>> register("（财政部、人力资源社会保障部按职责分工负责）")
    '国务院文件'
    >>> register("全市各级党组织要迅速行动起来。")
    '地方讲话'
    """
    if _CENTRAL_VOICE.search(text):
        return "中央领导"
    if _STATE_COUNCIL.search(text):
        return "国务院文件"
    if _REGULATION.search(text):
        return "法规"
    if doc_type == "work_plan" or _PLAN_VOICE.search(text):
        return "地方方案"
    return "地方讲话"


def foreign_voice(text: str) -> list[str]:
    """Return the sentences of a text a local speaker cannot say as their own.

    Central leadership's first person and a State Council document's
    directions to provinces may enter a local speech only as attributed quotations.

    >>> foreign_voice("要抓好落实。各省、自治区、直辖市人民政府要在本意见印发之日起30日内报送。")
    ['各省、自治区、直辖市人民政府要在本意见印发之日起30日内报送。']
    """
    return [s for s in sentences(text)
            if (_CENTRAL_VOICE.search(s) or _STATE_COUNCIL.search(s) or _REGULATION.search(s))
            and not _QUOTED.search(s)]


_QUOTED = re.compile(r"(?:总书记|同志|主席|总理|委员长)(?:强调|指出|要求|说)[，：]“")


# -- attributed quotations -------------------------------------------------------------------------

#: A quotation as a draft carries it: 习近平总书记强调，“…”。 (the quoted words verbatim).
QUOTATION = re.compile(r"^(?P<name>[\u4e00-\u9fff]{2,4}?)(?P<title>总书记|主席|总理|委员长)(?P<verb>强调|指出)，"
                       r"“(?P<words>[^“”]+)”。$")
_CENTRAL_TITLE = re.compile(r"(?:中共中央|中央)?总书记|国家主席|国务院总理|全国人大常委会委员长|全国政协主席")
_LEADERS: list[tuple[str, str, str, str]] = []


def leader(speaker: str | None, date: str | None = None, byline: str | None = None) -> tuple[str, str] | None:
    """Return (name, title) of a central leader a draft may quote (习近平, 总书记), or None when not one.

    The title is the central title the source itself gives before the name (国家主席习近平…,
    国务院总理王某某 …), else the one the table ``kb/data/leaders.tsv`` gives for the date of the
    speech. Anyone else (a 市委书记, an unknown name) gets None: an attribution is never invented.

    >>> leader("习近平", "2016-05-17"), leader("习近平", "2010-01-01"), leader("市委书记")
    (('习近平', '总书记'), None, None)
    >>> leader("王某某", "2020-01-01", "国务院总理王某某在会上发表讲话")
    ('王某某', '总理')
    >>> leader("习近平", "2015-04-28", "国家主席习近平28日在大会上发表重要讲话")
    ('习近平', '主席')
    >>> leader("中共中央总书记、国家主席 林某某"), leader("林某某", None, "林某某"), leader("北京市市长 殷某")
    (('林某某', '总书记'), None, None)
    """
    if not speaker:
        return None
    line = re.sub(r"\s+", "", speaker)
    titled = re.search(rf"(?:{_CENTRAL_TITLE.pattern})(?:、[\u4e00-\u9fff]{{2,12}}?(?:主席|总理|委员长))*"
                       r"(?P<name>[\u4e00-\u9fff]{2,4})$", line)
    name = titled.group("name") if titled else speaker.split()[-1]
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
        return None
    if not _LEADERS:
        from pathlib import Path

        path = Path(__file__).resolve().parent / "data" / "leaders.tsv"
        for row in path.read_text(encoding="utf-8").splitlines():
            if row.strip() and not row.startswith("#"):
                cells = (row.split("\t") + ["", "", ""])[:4]
                _LEADERS.append(tuple(c.strip() for c in cells))
    # the title the source gives before the name comes first (中共中央总书记、国家主席、中央军委主席习近平 /
    # 国务院总理 王某某: the first title names them); else the table's, by the date of the speech
    text = re.sub(r"\s+", "", byline or "") + "\n" + line
    for found in re.finditer(rf"(?P<first>{_CENTRAL_TITLE.pattern})(?:、[\u4e00-\u9fff]{{2,12}}?(?:主席|总理|委员长))*"
                             rf"{re.escape(name)}", text):
        return name, next(t for t in ("总书记", "主席", "总理", "委员长") if t in found.group("first"))
    for row_name, title, since, until in _LEADERS:
        if row_name == name and (not date or (date[:10] >= since and (not until or date[:10] < until))):
            return name, title
    return None


_NOT_QUOTABLE = re.compile(
    r"我|咱们|同志们|大家|你们|在座|今天|刚才|这次|本次|上午|下午|各省|各地区|各部门|各级党委|各级政府|各级党组织"
    r"|省区市|中央和国家机关|[“”‘’《》（）()？！：—]|\d|[一二三四五六七八九十]是|第[一二三四五六七八九十]"
    r"|他们|她们|它们|[这那]|该[项类]|此[项类次]|上述|同志|[说讲]，|指出，|认为，|所以|目前|当前|政府")  # what needs its context to be understood
_NOT_SELF_CONTAINED = re.compile(
    r"^(?:这|那|此|其|它|他|她|该|上述|以上|因此|所以|但|而|同时|另外|此外|对此|为此|总之|可见|也|还|又|并|就|是"
    r"|尽管|虽然|如果|可以说|应该说|总的说|不少|很多|有的|有些|一些|作者|现在"
    r"|首先|其次|再次|最后|一方面|另一方面|特别是|尤其是|比如|例如|当然|总的看|实践证明|历史证明)")
_PRINCIPLE = re.compile(r"是|必须|关键|根本|只有|才能|就是|离不开|始终|决定|在于|务必|贵在|重在")


def quotable_sentences(text: str, words=()) -> list[str]:
    """Return the sentences of a central leader's passage a local speech may quote.

    A quotable sentence is short (12–60 characters), self-contained (no 这 / 因此
    lead, no point lead), states a principle (是 / 必须 / 关键 …), and is not
    first person, not a list of names, not bound to its meeting and not a
    directive to provinces. With ``words``, only sentences holding one of them.

    >>> quotable_sentences("我代表党中央表示祝贺。作风建设永远在路上，必须常抓不懈、久久为功。这是一个好办法。")
    ['作风建设永远在路上，必须常抓不懈、久久为功。']
    >>> quotable_sentences("各省、自治区、直辖市要抓好落实。", ["落实"])
    []
    """
    out = []
    for sentence in sentences(text):
        sentence = sentence.strip()
        if not (12 <= len(sentence) <= 60 and sentence.endswith("。")):
            continue
        if _NOT_QUOTABLE.search(sentence) or _NOT_SELF_CONTAINED.match(sentence) or point_lead(sentence):
            continue
        if sentence.count("、") >= 3 or not _PRINCIPLE.search(sentence):
            continue  # a list (of names, of units) is no principle
        if foreign_voice(sentence) or meeting_bound(sentence) or time_bound(sentence):
            continue
        if words and not any(w in sentence for w in words):
            continue
        out.append(sentence)
    return out


def quotation(name: str, title: str, sentence: str) -> str:
    """Return a quotation as a draft carries it, the quoted words verbatim.

    >>> quotation("习近平", "总书记", "作风建设永远在路上。")
    '习近平总书记强调，“作风建设永远在路上”。'
    """
    return f"{name}{title}强调，“{sentence.rstrip('。')}”。"


# -- sentences ------------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^。！？；]*(?:[。！？；]|$)")
_SENTENCE_MARKS = re.compile(r"[“（(”）)。！？；]")


def sentences(text: str) -> list[str]:
    """Return a text's sentences, each with its end mark (。！？；).

    >>> sentences("一是抓学习。二是抓落实；三是抓考核")
    ['一是抓学习。', '二是抓落实；', '三是抓考核']
    """
    out = []
    depth = 0
    start = 0
    # Only brackets and end marks matter: visit those, not every character (ingest runs this).
    for match in _SENTENCE_MARKS.finditer(text):
        ch = match.group()
        if ch in "“（(":
            depth += 1
        elif ch in "”）)":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(text[start:match.end()])
            start = match.end()
    if text[start:].strip():
        out.append(text[start:])
    return [s for s in out if s.strip()]


# -- the occasion ---------------------------------------------------------------------------

#: Sentences bound to their own meeting, with the kind of occasion they belong to ("" = any).
_MEETING_RULES = (
    (re.compile(r"受到表彰|受表彰|获得表彰|表彰的先进|先进集体和先进个人|向受到|颁奖|获奖"), "总结表彰会"),
    (re.compile(r"这堂党课|这次党课|今天的党课|讲党课|讲一次党课(?:，|。)?$|上党课"), "专题党课"),
    (re.compile(r"今天座谈|座谈的|刚才(?:，)?[^。]{0,20}(?:发言|交流|谈了|介绍)|大家的发言|几位同志|同志们的发言"
                r"|会上大家|听取了[^。]{0,20}(?:意见|发言)|这次座谈"), "座谈会"),
    (re.compile(r"这次调研|这次来|实地(?:观摩|察看|查看|调研)|观摩了|看了几个|走访了|调研中"), "调研"),
    (re.compile(r"这次全会|全会(?:审议|通过|的主要任务)|这次(?:全会|大会)|各位代表"), "中央"),
    (re.compile(r"今天|刚才|上午|下午|昨天|这次会议|本次会议|这次会|今天的会|会前|会上|会后|会议结束后"
                r"|这个会|在座的"), ""),
)


@dataclass(frozen=True)
class Bound:
    """A sentence tied to something outside the text (a meeting, a year, a season)."""

    sentence: str
    start: int
    kind: str  # the occasion, or "年份" / "季节" / "上下半年" / "今年去年"
    word: str


def meeting_bound(text: str) -> list[Bound]:
    """Return the sentences of a text that only make sense at their own meeting.

    >>> [b.kind for b in meeting_bound("希望受到表彰的先进集体珍惜荣誉。要抓好落实。刚才，几位同志作了发言。")]
    ['总结表彰会', '座谈会']
    """
    out = []
    pos = 0
    for sentence in sentences(text):
        for pattern, kind in _MEETING_RULES:
            match = pattern.search(sentence)
            if match and not _in_quote(sentence, match.start()):
                out.append(Bound(sentence, text.find(sentence, pos), kind, match.group()))
                break
        pos += len(sentence)
    return out


def _in_quote(sentence: str, index: int) -> bool:
    return sentence.count("“", 0, index) > sentence.count("”", 0, index)


# -- time --------------------------------------------------------------------------------------

#: Season words that describe the present (秋收在即, 新春伊始 …) and the months (1–12) in which they
#: can be said. A bare season word is a plan (入冬前完工, 秋冬季要…), never a contradiction.
SEASON_MONTHS = {
    "新春伊始": (1, 2, 3), "新春佳节": (1, 2), "春回大地": (2, 3, 4), "春暖花开": (3, 4, 5),
    "一年之计在于春": (1, 2, 3, 4), "春耕在即": (2, 3, 4), "春耕时节": (3, 4, 5), "春耕春播": (3, 4, 5),
    "盛夏时节": (6, 7, 8), "盛夏": (6, 7, 8), "酷暑": (6, 7, 8), "三夏时节": (5, 6), "夏收在即": (5, 6),
    "汛期将至": (3, 4, 5), "主汛期已到": (6, 7, 8), "入汛以来": (4, 5, 6, 7, 8, 9),
    "秋收在即": (8, 9), "秋收时节": (9, 10), "金秋时节": (8, 9, 10, 11), "三秋时节": (9, 10, 11),
    "入冬以来": (11, 12, 1, 2), "寒冬时节": (12, 1, 2), "岁末年初": (11, 12, 1, 2), "年终岁尾": (11, 12),
    "下半年时间已经过半": (9, 10, 11), "全年时间过半": (6, 7, 8), "时间过半": (6, 7, 8, 9),
    "上半年即将结束": (5, 6), "一季度即将结束": (3,),
}
_SEASON = re.compile("|".join(sorted(SEASON_MONTHS, key=len, reverse=True)))
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
_RELATIVE = re.compile(r"上半年|下半年|今年|去年|明年|前年|过去一年|新的一年|年初|年底|年内")


def time_bound(text: str) -> list[Bound]:
    """Return the sentences of a text bound to a time: years, seasons, 上半年 / 今年 ….

    >>> [b.kind for b in time_bound("回顾2023年，成绩来之不易。秋收在即，要抓好。全市要抓好落实。")]
    ['年份', '季节']
    """
    out = []
    pos = 0
    for sentence in sentences(text):
        start = text.find(sentence, pos)
        pos = start + len(sentence)
        for pattern, kind in ((_YEAR, "年份"), (_SEASON, "季节"), (_RELATIVE, "相对时间")):
            match = pattern.search(sentence)
            if match:
                out.append(Bound(sentence, start, kind, match.group()))
                break
    return out


def season_conflicts(text: str, month: int, *, date: str | None = None,
                     context: str = "") -> list[tuple[int, str]]:
    """Return (offset, word) for each season word a text says that cannot be said in ``month``.

    With ``date`` (YYYY-MM-DD), words bound to the Spring Festival (春节前后, 节前,
    新春伊始 …) are judged against that year's real festival (:func:`spring_festival`);
    ``context`` (the whole point or paragraph) tells which festival a bare 节前 / 节日期间 is.

    >>> season_conflicts("秋收在即，各地要抓紧。", 2)
    [(0, '秋收在即')]
    >>> season_conflicts("新春伊始，万象更新。", 2)
    []
    >>> season_conflicts("新春伊始，万象更新。", 3, date="2026-03-18")
    [(0, '新春伊始')]
    >>> season_conflicts("要抓好春节前后的安全防范。", 1, date="2026-01-20")
    []
    """
    offset = _festival_offset(date) if date else None
    out = []
    for m in _SEASON.finditer(text):
        if _marked(text, m.end()) or (offset is not None and m.group() in FESTIVAL_DAYS):
            continue
        if month not in SEASON_MONTHS[m.group()]:
            out.append((m.start(), m.group()))
    if offset is not None:
        out += festival_conflicts(text, offset, context=context)
    return sorted(out)


#: Words bound to the Spring Festival and the days around it (正月初一 = 0) in which they can be
#: said. Words marked forward-only (春节期间 …) are wrong outside their days only where they set
#: a task (要抓好春节前后的…), not where they look back (春节期间，全市未发生…).
FESTIVAL_DAYS = {
    "春节将至": (-45, -1), "春节临近": (-45, -1), "春节即将来临": (-45, -1), "春节即将到来": (-45, -1),
    "新春佳节即将来临": (-45, -1), "新春佳节即将到来": (-45, -1), "新春佳节": (-60, 15),
    "新春伊始": (-3, 21), "春节刚过": (1, 21), "春节过后": (1, 30), "节后复工": (1, 30),
    "春节前后": (-100, 10), "元旦春节期间": (-100, 10), "元旦春节": (-100, 5), "两节期间": (-100, 10),
    "春节期间": (-100, 10), "春节前": (-100, 0), "节前": (-100, 0), "节日期间": (-100, 10),
}
_FORWARD_ONLY = {"春节前后", "元旦春节期间", "元旦春节", "两节期间", "春节期间", "春节前", "节前", "节日期间"}
_FESTIVAL = re.compile("|".join(sorted(FESTIVAL_DAYS, key=len, reverse=True)))
_TASK = re.compile(r"要|务必|必须|抓好|做好|确保|切实|强化|加强|严防|防范|部署")
_REVIEW = re.compile(r"了|以来|已经|已|过去|回顾|期间，[^。；]{0,12}(?:未|没有|共|累计)")


def festival_conflicts(text: str, offset: int, *, context: str = "") -> list[tuple[int, str]]:
    """Return (offset, word) for Spring Festival words a text cannot say ``offset`` days from the festival.

    >>> festival_conflicts("要抓好春节前后的安全防范。", 29)
    [(3, '春节前后')]
    >>> festival_conflicts("春节期间，全市未发生较大事故。", 29)
    []
    >>> festival_conflicts("节前要开展一次检查。", 29)
    []
    """
    out = []
    for sentence, start in _sentence_spans(text):
        for m in _FESTIVAL.finditer(sentence):
            word = m.group()
            if _marked(sentence, m.end()):
                continue
            if word in ("节前", "节日期间") and not re.search("春节|新春", text + context):
                continue  # 节前 of which festival: only with 春节 in the text or around it
            low, high = FESTIVAL_DAYS[word]
            if low <= offset <= high:
                continue
            if word in _FORWARD_ONLY and (not _TASK.search(sentence) or _REVIEW.search(sentence)):
                continue
            out.append((start + m.start(), word))
    return out


def _sentence_spans(text: str):
    pos = 0
    for sentence in sentences(text):
        start = text.find(sentence, pos)
        pos = start + len(sentence)
        yield sentence, start


_FESTIVALS: dict[int, str] = {}


def spring_festival(year: int):
    """Return the date of the Spring Festival (正月初一) of ``year`` (2015–2040), or None.

    The dates are package data: ``kb/data/spring_festival.tsv``.

    >>> str(spring_festival(2026)), spring_festival(1990)
    ('2026-02-17', None)
    """
    from datetime import date as _date
    from pathlib import Path

    if not _FESTIVALS:
        path = Path(__file__).resolve().parent / "data" / "spring_festival.tsv"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                y, day = line.split("\t")
                _FESTIVALS[int(y)] = day.strip()
    found = _FESTIVALS.get(year)
    return _date.fromisoformat(found) if found else None


def _festival_offset(when: str) -> int | None:
    """Return the days from the nearest Spring Festival to the date ``when``, or None when unknown."""
    from datetime import date as _date

    try:
        day = _date.fromisoformat(when[:10])
    except ValueError:
        return None
    offsets = [(day - f).days for f in (spring_festival(day.year), spring_festival(day.year + 1)) if f]
    return min(offsets, key=abs) if offsets else None


def _marked(text: str, end: int) -> bool:
    """Return True when a 【待核…】 mark follows (the writer has been told)."""
    return text.startswith("【待核", end)


# Years in targets, schedules and reviews: 到2025年底 / 2023年6月—7月 / 回顾2023年 / 2024年以来.
_TARGET_YEAR = re.compile(r"(?:(?:到|至|力争|确保)|(?:^|(?<=[。；：]))(?=(?:19|20)\d{2}年，))"
                          r"((?:19|20)\d{2})年(?:底|末|前|年底|上半年|下半年|\d{1,2}月|(?=，))?")
_STEP_YEAR = re.compile(r"((?:19|20)\d{2})年\d{1,2}(?:月(?:\d{1,2}日)?)?(?:—|－|-|－|至|到)")
_REVIEW_YEAR = re.compile(r"(?:回顾|过去的|刚刚过去的|总结)((?:19|20)\d{2})年|((?:19|20)\d{2})年(?:以来|是|，我们|全年|，全[市区县])")


def stale_years(text: str, year: int) -> list[tuple[int, str]]:
    """Return (offset, words) for targets, steps or reviews a draft of ``year`` cannot say.

    A target or step dated before ``year`` is stale; a review of a year
    before last is stale (a 2026 speech reviews 2025).

    >>> stale_years("到2025年底，覆盖率达到90%。回顾2023年，成绩显著。", 2026)
    [(0, '到2025年底'), (17, '回顾2023年')]
    >>> stale_years("到2027年，基本建成。回顾2025年，成绩显著。", 2026)
    []
    """
    out = []
    for match in _TARGET_YEAR.finditer(text):
        if _marked(text, match.end()) or _marked(text, text.find("年", match.start()) + 1):
            continue
        before = text[max(match.start() - 4, 0):match.start()]
        if text[match.end():match.end() + 1] == "的" or re.search(r"提高|增加|增长|下降|扩大|降低|年$", before):
            continue  # 从…提高到2025年的… / 2021年至2025年: a review, not a target
        if year - 6 < int(match.group(1)) < year:  # older years are history, not targets
            out.append((match.start(), match.group()))
    for match in _STEP_YEAR.finditer(text):
        if _marked(text, text.find("年", match.start()) + 1):
            continue
        if year - 6 < int(match.group(1)) < year and not any(s <= match.start() < s + len(w) for s, w in out):
            out.append((match.start(), match.group()))
    for match in _REVIEW_YEAR.finditer(text):
        found = int(match.group(1) or match.group(2))
        if _marked(text, text.find("年", match.start()) + 1):
            continue
        if year - 6 < found < year - 1 and not any(s <= match.start() < s + len(w) for s, w in out):
            out.append((match.start(), match.group()))
    return sorted(out)


@dataclass(frozen=True)
class Superseded:
    """A formulation a later date has superseded: from ``since`` (YYYY-MM) on, say ``instead``."""

    pattern: str
    since: str
    instead: str


#: Formulations superseded by later congresses and plans. Kept here, beside the rules that
#: use them; each row: regex, the month it was superseded, what is said now.
SUPERSEDED = (
    Superseded(r"(?:党的)?十八大(?:和十八届[一二三四五六七]中全会)?精神", "2017-10", "党的二十大精神"),
    Superseded(r"(?:党的)?十九大(?:和十九届[一二三四五六七]中全会)?精神", "2022-10", "党的二十大精神"),
    Superseded(r"十九届[一二三四五六七]中全会精神", "2022-10", "党的二十届历次全会精神"),
    Superseded(r"“?十三五”?(?:规划)?(?:目标任务|目标|任务|末)", "2021-01", "“十五五”"),
    Superseded(r"“?十四五”?(?:规划)?(?:目标任务|目标|任务|末)", "2026-01", "“十五五”"),
    Superseded(r"“两学一做”学习教育", "2019-06", "当前的党内学习教育"),
    Superseded(r"“不忘初心、牢记使命”主题教育", "2020-01", "当前的主题教育"),
    Superseded(r"党史学习教育", "2022-01", "当前的党内学习教育"),
)

# A superseded formulation is only wrong where the text sets it as today's task or target
# (深入贯彻党的十九大精神 / 确保完成“十四五”目标), not where it looks back at that period.
_FORWARD = re.compile(r"(?:贯彻|落实|学习|领会|按照|对标|确保|完成|实现|开展|围绕|锚定|聚焦)[^，。；]{0,6}$")


def superseded(text: str, when: str) -> list[tuple[int, str, Superseded]]:
    """Return (offset, words, row) for each formulation superseded at the date ``when`` (YYYY-MM…).

    >>> [w for _, w, _ in superseded("深入贯彻党的十九大精神，完成“十四五”规划目标。", "2026-02-18")]
    ['党的十九大精神', '“十四五”规划目标']
    >>> superseded("深入贯彻党的十九大精神", "2019-05-01")
    []
    """
    out = []
    for row in SUPERSEDED:
        if when[:7] < row.since:
            continue
        for match in re.finditer(row.pattern, text):
            before = text[max(match.start() - 12, 0):match.start()]
            if not _FORWARD.search(before) or "以来" in text[match.end():match.end() + 3] \
                    or _marked(text, match.end()):
                continue  # a look back at that period is not a target
            out.append((match.start(), match.group(), row))
    return sorted(out, key=lambda x: x[0])


# -- announced counts ------------------------------------------------------------------------

_COUNT = re.compile(
    rf"(?:讲|谈|强调|提|抓好|做好|突出|把握|聚焦|着力|以下|下面|这|从)(?P<n>[{_NUM}]|十[一二三四五六七八九]?)"
    r"(?:个方面|个问题|点意见|点要求|点|个重点|项重点|项任务|个着力点|方面)"
    r"|(?P<n2>[二两三四五六七八九])(?:点意见|点要求|点体会|个方面的?(?:意见|工作|要求|问题))")


@dataclass(frozen=True)
class Announced:
    """An announced count (讲三点意见) in a text: where it is and the number."""

    start: int
    text: str
    count: int


_STRICT_COUNT = re.compile(
    rf"(?:讲|谈|强调|以下)(?P<n>[{_NUM}]|十[一二三四五六七八九]?)(?:个方面|个问题|点意见|点要求|点)")


def announced_counts(text: str, *, strict: bool = False) -> list[Announced]:
    """Return the counts a text announces (我讲五个方面 / 以下六个方面 / 强调三点).

    >>> [(a.text, a.count) for a in announced_counts("重点抓好以下六个方面的工作。")]
    [('以下六个方面', 6)]
    >>> announced_counts("坚持“两个毫不动摇”。")
    []
    """
    out = []
    for match in (_STRICT_COUNT if strict else _COUNT).finditer(text):
        numeral = match.group("n") or (None if strict else match.group("n2"))
        out.append(Announced(match.start(), match.group(), cn_value(numeral)))
    return out


def cn_value(numeral: str) -> int:
    """Return the value of a Chinese numeral up to 99 (三 → 3, 十二 → 12, 二十 → 20).

    >>> cn_value("十二"), cn_value("两"), cn_value("二十一")
    (12, 2, 21)
    """
    if "十" not in numeral:
        return _CN_VALUE.get(numeral, 0)
    tens, _, ones = numeral.partition("十")
    return (_CN_VALUE.get(tens, 1) if tens else 1) * 10 + (_CN_VALUE.get(ones, 0) if ones else 0)


# -- point series ------------------------------------------------------------------------------

_POINT_LEAD = re.compile(rf"^(?:(?P<n>[{_NUM}]|十[一二三四五六七八九]?)(?P<f>是|要|方面|个方面|)(?=[\u4e00-\u9fff“])"
                         rf"|第(?P<o>[{_NUM}])[，、,]|(?P<s>首先|其次|再次|最后)[，,])")


def point_lead(text: str) -> tuple[str, int] | None:
    """Return (family, number) of a run-in point's lead (一是 → ("是", 1), 第三， → ("第", 3)), or None.

    >>> point_lead("三要压实责任。"), point_lead("第二，抓好落实。"), point_lead("要抓好落实。")
    (('要', 3), ('第', 2), None)
    """
    match = _POINT_LEAD.match(text)
    if not match:
        return None
    if match.group("o"):
        return ("第", cn_value(match.group("o")))
    if match.group("s"):
        return ("首先", ("首先", "其次", "再次", "最后").index(match.group("s")) + 1)
    family = match.group("f")
    if not family:
        return None
    return (family, cn_value(match.group("n")))


def series_problems(leads: list[tuple[str, int]]) -> list[str]:
    """Return what is wrong with a run of point leads: mixed families, gaps, more than 7.

    >>> series_problems([("是", 1), ("是", 2), ("是", 4)])
    ['序号不连续：二之后是四']
    >>> series_problems([("是", 1), ("要", 2)])
    ['序列混用：一是、二要']
    >>> series_problems([("是", n) for n in range(1, 4)])
    []
    """
    from itertools import groupby

    problems = []
    families = [f for f, _ in groupby(f for f, _ in leads)]
    if len(set(families)) > 1:
        problems.append("序列混用：" + "、".join(_label(f, n) for f, n in _first_of_each(leads)))
    for (f1, a), (f2, b) in zip(leads, leads[1:]):
        if f1 == f2 and b != a + 1:
            problems.append(f"序号不连续：{_cn(a)}之后是{_cn(b)}")
    if len(leads) > 7:
        problems.append(f"要点过多：{len(leads)} 点")
    return problems


def _first_of_each(leads):
    seen = {}
    for family, n in leads:
        seen.setdefault(family, (family, n))
    return list(seen.values())


def _label(family: str, n: int) -> str:
    if family == "第":
        return f"第{_cn(n)}"
    if family == "首先":
        return ("首先", "其次", "再次", "最后")[min(n, 4) - 1]
    return f"{_cn(n)}{family}"


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九十"
    if n <= 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


# -- similarity ----------------------------------------------------------------------------------

# Characters that carry no topic: function words and the verbs every point opens with.
_FUNCTION_CHARS = set("的了和与及在是要把对为以等中上下不也都更还就将着并从向其之所而或这那有个一二三四五六七八九十"
                      "，。、；：！？“”（）《》")


@lru_cache(maxsize=8192)  # a draft compares each sentence with every other one
def content_grams(text: str) -> frozenset[str]:
    """Return a text's content bigrams: character pairs without punctuation or function characters.

    >>> sorted(content_grams("作风关乎党心"))
    ['乎党', '作风', '党心', '关乎', '风关']
    """
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)
                     if text[i] not in _FUNCTION_CHARS and text[i + 1] not in _FUNCTION_CHARS)


def overlap(a: str, b: str) -> float:
    """Return how much of the shorter text's content the longer one shares (0–1).

    >>> round(overlap("作风建设关乎党心民心", "作风关乎党心民心"), 2)
    0.86
    >>> overlap("加强组织领导", "严格督查考核")
    0.0
    """
    ga, gb = content_grams(a), content_grams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / min(len(ga), len(gb))


def same_point(a: str, b: str) -> bool:
    """Return True when two points or paragraphs say the same thing in other words.

    Their leads (up to the first 。) share most content, or their whole
    texts share most content bigrams, or (two speeches on one duty written
    alike) they share a long clause almost word for word and much of the rest.

    >>> same_point("作风建设关乎党心民心。要常抓不懈。", "作风关乎党心民心。必须持之以恒。")
    True
    >>> same_point("强化用地保障。优先安排项目用地。", "强化资金保障。统筹财政资金投入。")
    False
    >>> same_point("作风建设既要破也要立。要健全容错机制。", "作风建设关乎党心民心。要常抓不懈。")
    False
    >>> same_point("二要健全监督机制。纪委监委要把作风建设作为日常监督的重点，用好明察暗访和专项检查。",
    ...            "二是强化监督执纪。纪委监委要把作风建设作为日常监督的重要内容，用好专项检查和巡察监督。")
    True
    """
    a, b = _unquoted(a), _unquoted(b)  # a quoted 提法 is cited, not repeated
    lead_a, lead_b = _lead(a), _lead(b)
    grams_a, grams_b = content_grams(lead_a), content_grams(lead_b)
    # Leads sharing only the topic (作风建设既要破也要立 / 作风建设关乎党心民心) are different points.
    if min(len(grams_a), len(grams_b)) >= 4 and len(grams_a & grams_b) >= 4 and overlap(lead_a, lead_b) >= 0.75:
        return True
    if min(len(content_grams(a)), len(content_grams(b))) < 12:
        return False
    shared = overlap(a, b)
    return shared >= 0.6 or (shared >= 0.4 and shared_clause(a, b))


def _unquoted(text: str) -> str:
    """Return the text without what it quotes: a 提法 in “” is cited by many texts, not repeated."""
    return re.sub(r"“[^”]*”", "", text)


def same_sentence(a: str, b: str) -> bool:
    """Return True when two sentences say the same thing: most content shared, or a long clause.

    >>> same_sentence("纪委监委要把作风建设作为日常监督的重点，用好明察暗访和专项检查。",
    ...               "纪委监委要把作风建设作为日常监督的重要内容，用好专项检查和巡察监督。")
    True
    >>> same_sentence("要加强组织领导，明确责任分工。", "要加强督查考核，确保任务落地。")
    False
    >>> same_sentence("统一思想认识，强化责任担当。", "要进一步统一思想认识，强化责任担当，把基层党建工作作为重要政治任务来抓。")
    False
    """
    # a 提法 in quotation marks is cited by many texts: compare what each says around it
    a, b = _unquoted(a), _unquoted(b)
    sizes = sorted((len(content_grams(a)), len(content_grams(b))))
    if sizes[0] < 10 or sizes[0] * 2 < sizes[1]:
        return False  # a short lead restated in a long sentence is elaboration, not repetition
    shared = overlap(a, b)
    return shared >= 0.7 or (shared >= 0.45 and shared_clause(a, b))


def shared_clause(a: str, b: str) -> bool:
    """Return True when a long clause of one text is nearly a clause of the other.

    A formula in quotation marks (“管行业必须管安全、管业务必须管安全”) is a 提法
    many texts cite, not a clause one of them repeats.

    >>> shared_clause("有的部门对“管行业必须管安全、管业务必须管安全”的要求理解不到位。",
    ...               "按照“管行业必须管安全、管业务必须管安全”的原则同部署、同检查。")
    False
    """
    a, b = _unquoted(a), _unquoted(b)
    clauses_b = [c for c in re.split(r"[，。；：！？]", b) if len(content_grams(c)) >= 10]
    return any(overlap(x, y) >= 0.8 for x in re.split(r"[，。；：！？]", a)
               if len(content_grams(x)) >= 10 for y in clauses_b)


def _lead(text: str) -> str:
    text = re.sub(rf"^(?:[{_NUM}]+(?:是|要|方面)|第[{_NUM}]+[，、])", "", text)
    return re.split(r"[。；！？：]", text, maxsplit=1)[0]


# -- section roles -------------------------------------------------------------------------------

_PLAN_ROLE_WORDS = (
    ("总体要求", r"总体要求|指导思想|基本原则|总体思路|工作原则"),
    ("工作目标", r"工作目标|主要目标|目标任务|发展目标|总体目标"),
    ("实施步骤", r"实施步骤|工作步骤|进度安排|时间安排|方法步骤|实施阶段|阶段安排"),
    ("保障措施", r"保障措施|工作要求|组织保障|保障机制|组织实施|组织领导"),
    ("主要任务", r"主要任务|重点任务|工作任务|重点工作|主要措施|工作措施"),
)
_SPEECH_ROLE_WORDS = (
    ("检视", r"检视|对照|剖析|查摆|反思"),
    ("理论", r"内涵|要义|本质|精髓|历史逻辑|理论逻辑|真理|科学理论|深刻把握"),
    ("成效", r"成效|成绩|回顾|成果|取得|过去一年|来之不易|进展"),
    ("形势", r"形势|挑战|差距|短板|不足|问题|风险|清醒认识|困难"),
    ("认识", r"认识|意义|站位|统一思想|重要性|必要性|紧迫性|思想自觉|行动自觉|政治责任|使命"),
    ("保障", r"组织领导|保障|责任|作风|督查|考核|问责|落实|领导|队伍|合力|氛围"),
    ("任务", r"任务|重点|着力|推进|抓好|突出|聚焦|推动|加快|提升|打造|强化|深化|健全|完善|加强"),
)


def section_role(heading: str, body: str = "", *, position: str | None = None,
                 plan: bool = False) -> str:
    """Return what a section is for, from its heading (and the start of its body).

    A speech's parts: 认识, 形势, 成效, 任务, 保障, 理论, 检视; a plan's: 总体要求,
    工作目标, 主要任务, 实施步骤, 保障措施. ``position`` "opening" / "closing"
    returns that role unchanged.

    >>> section_role("压实工作责任，确保各项任务落地见效")
    '保障'
    >>> section_role("工作目标", plan=True), section_role("第一阶段（3月）", plan=True)
    ('工作目标', '实施步骤')
    >>> section_role("聚焦重点领域，扎实推进专项整治")
    '任务'
    >>> section_role("聚焦突出问题，推动作风建设向纵深发展"), section_role("正视问题差距，清醒认识面临的形势")
    ('任务', '形势')
    >>> section_role("加强政府自身建设，为全年目标任务提供坚强保障"), section_role("实施步骤")
    ('保障', '实施步骤')
    """
    if position in ("opening", "closing"):
        return position
    if plan:
        for role, words in _PLAN_ROLE_WORDS:
            if re.search(words, heading):
                return role
        if re.search(r"阶段|[（(]\d{1,2}月|月—|月-", heading):
            return "实施步骤"
    if re.search(_PLAN_ROLE_WORDS[2][1], heading):
        return "实施步骤"  # a plan's stages are no speech's part
    if re.search(r"为[^，。]{0,24}提供[^，。]{0,6}保[障证]|保驾护航|自身建设", heading):
        return "保障"  # 加强政府自身建设，为…提供坚强保障: the lead verb 加强 does not make it a task
    head = re.split(r"[，,。]", heading)
    first = head[0]
    if re.match(r"(?:聚焦|着力解决|解决|破解|整治|纠治|狠抓|直面|坚持)[^，,。]{0,6}问题", first) \
            and not re.search(_SPEECH_ROLE_WORDS[3][1].replace("问题|", ""), heading):
        return "任务"  # 聚焦突出问题，推动…向纵深发展: the problems are what to work on
    for text in (first, heading, body[:120]):
        for role, words in _SPEECH_ROLE_WORDS:
            if re.search(words, text):
                if plan:
                    return {"认识": "总体要求", "保障": "保障措施"}.get(role, "主要任务")
                return role
    return "主要任务" if plan else "任务"


#: Which speech roles fit each slot of the built-in templates.
SLOT_ROLES = {
    "认识": ("认识", "形势", "理论"), "形势": ("形势", "认识", "成效"), "成效": ("成效", "形势", "认识"),
    "任务": ("任务",), "保障": ("保障",), "理论": ("理论", "认识"), "检视": ("检视", "形势"),
    "回顾": ("成效",), "经验": ("成效", "认识"), "问题": ("形势", "检视"), "要求": ("保障", "任务"),
    "行动": ("保障", "任务", "检视"), "总体要求": ("总体要求",), "指导思想": ("总体要求",), "工作目标": ("工作目标",),
    "主要任务": ("主要任务", "任务"), "实施步骤": ("实施步骤",), "保障措施": ("保障措施", "保障"),
}


# -- a whole document, at ingest -----------------------------------------------------------------

def section_text(section: Section) -> str:
    """Return a section's whole text: heading, paragraphs, children and the paragraphs after them."""
    parts = [section.heading, *section.paragraphs]
    parts.extend(section_text(c) for c in section.children)
    parts.extend(section.after)
    return "".join(parts)


def document_unit_level(doc: Document, text: str) -> str | None:
    """Return the level a document speaks for: its self-references and title, else its issuer's level."""
    return unit_level(text, doc.title or "") or title_unit_level(doc.meta.issuer or "")


def _base_voice(doc: Document, level: str) -> str:
    """Return the voice a document's type, issuer and level give it when no sentence shows one."""
    if doc.doc_type == "regulation":
        return "法规"
    if doc.doc_type in ("opinion", "notice"):
        central = "中央" in (title_unit_level(doc.meta.issuer or ""), title_unit_level(doc.title or ""))
        return "国务院文件" if central else "地方方案"
    if doc.doc_type == "speech" and level == "中央":
        return "中央领导"  # 在全国…会议上的讲话
    return "地方方案" if doc.doc_type == "work_plan" else "地方讲话"


def _voice(text: str, doc: Document, default: str) -> str:
    """Return the voice a text shows (central leader, State Council, regulation), else ``default``."""
    found = register(text, doc_type=doc.doc_type)
    return default if found in ("地方讲话", "地方方案") else found


def _annotation(role: str, text: str, doc: Document, frame: Annotation) -> Annotation:
    """Return a part's annotation: its own level and voice, or the document's when it shows none."""
    return Annotation(role=role, unit_level=unit_level(text) or frame.unit_level,
                      voice=_voice(text, doc, frame.voice),
                      meeting_bound=bool(meeting_bound(text)), time_bound=bool(time_bound(text)))


def annotate_document(doc: Document) -> DocumentAnnotation:
    """Return what a document and each of its level-1 sections are: role, unit level, voice, bound sentences.

    A section's level and voice are its own (我区 / 本意见印发 …) or, when it
    shows none, the document's: its title and self-references (else its
    issuer) for the level; for the voice, what its title, opening and closing
    show, else its type (a regulation, a central opinion or notice, a speech at
    a 全国 meeting, a local plan or speech). The document's own voice is that,
    unless a central leader's first person or a regulation's articles appear
    anywhere in it. A work plan's sections take the plan roles (总体要求 …),
    any other document's the speech roles (认识 …).

    >>> from kb.model import Document, Section
    >>> doc = Document(title="在全市安全生产工作会议上的讲话", doc_type="speech", sections=(
    ...     Section("heading", 1, "一、", "提高政治站位，深刻认识安全生产的重大意义", ("今天召开这次会议。",)),
    ...     Section("heading", 1, "二、", "压实工作责任", ("全区上下要抓好落实。",))))
    >>> notes = annotate_document(doc)
    >>> notes.document.unit_level, notes.document.voice
    ('市', '地方讲话')
    >>> [(p.role, p.unit_level, p.meeting_bound) for p in notes.parts]
    [('认识', '市', True), ('保障', '区', False)]
    """
    from kb.structure import document_text

    text = "".join(document_text(doc))
    level = document_unit_level(doc, text) or ""
    plan = doc.doc_type == "work_plan"
    # The document's own frame (title, opening, closing) sets the voice its parts inherit: an
    # opinion's addressees (各省、自治区、直辖市人民政府) make every part a State Council one.
    opening_text = "".join(p for p in (doc.byline, doc.salutation, *doc.opening) if p)
    frame_text = (doc.title or "") + opening_text + "".join(doc.closing)
    frame = Annotation("", level, _voice(frame_text, doc, _base_voice(doc, level)))
    parts = tuple(_annotation(section_role(s.heading, "".join(s.paragraphs), plan=plan),
                              section_text(s), doc, frame) for s in doc.sections)
    opening = _annotation("opening", opening_text, doc, frame)
    closing = _annotation("closing", "".join(doc.closing), doc, frame)
    every = (*parts, opening, closing)
    # A central leader's first person or a regulation's articles anywhere make the whole
    # document one a local unit cannot speak as its own (drafting leaves it out).
    whole = register(text, doc_type=doc.doc_type)
    voice = whole if whole in ("中央领导", "法规") else frame.voice
    document = Annotation("", level, voice, meeting_bound=any(p.meeting_bound for p in every),
                          time_bound=any(p.time_bound for p in every))
    return DocumentAnnotation(document=document, parts=parts, opening=opening, closing=closing)
