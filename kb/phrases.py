"""提法 (set phrases): extraction from passage text and the phrase library of a knowledge base.

Three kinds of phrase are found in a passage's cleaned text:

- ``numbered``: the genre's numbered formulations (五大工程, 三社联动, 一征三议两公开,
  “1+4”, 十九大), but not ordinary counts (三点意见, 四季度, 两个月);
- ``quoted``: slogans in “…” of 2–16 characters that are not whole sentences;
- ``quotation``: words quoted from someone (after 强调 / 指出 / 说： / 古人说 / 正所谓 …),
  and classical lines and sayings recognised by their form (“功崇惟志，业广惟勤。”).

Not 提法: common idioms (一刀切), counts of things (四大发明, 六连冠, 两个10亿元) and
ordinary words in quotes (“面子”): a stop list kept as package data
(``kb/data/phrase_stop.txt``), jieba's dictionary, and how many documents use a word.

>>> [(m.text, m.kind) for m in extract_phrases("实施“五大工程”，推进“一刻钟党建服务圈”建设。")]
[('五大工程', 'numbered'), ('一刻钟党建服务圈', 'quoted')]
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from kb.errors import QueryError, ReadError
from kb.model import Passage

KINDS = ("numbered", "quoted", "quotation")
SORTS = ("count", "date")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_CN_NUM = "一二三四五六七八九十百两"
# 双 counts inside a compound (一岗双责) but never opens one.
_UNIT_NUM = _CN_NUM + "双"

#: Longest quoted slogan; a longer quotation after 强调 is still taken up to _MAX_QUOTATION.
_MAX_QUOTED = 16
_MAX_QUOTATION = 300
#: A quoted slogan at least this long is counted where it appears without quotes too;
#: a shorter one (“痛点”) is an ordinary word outside its quotes.
_MIN_BARE_QUOTED = 4
#: A quoted phrase this short that opens with a numeral is a numbered formulation.
_MAX_NUMBERED = 10

# Measure words and time/quantity nouns after a numeral make an ordinary count
# (三点意见, 四季度, 两个月, 一次, 一批), not a formulation.
_COUNT_AFTER = re.compile(
    r"[年月日天周次回遍倍成点些批步级层届期岁号人名位元件份页段句分秒]"
    r"|季度|刻钟|小时|分钟|星期|个(?:月|小时|星期|季度|百分点|工作日|方面|部分|阶段|问题)"
    r"|是|要|则|来|方面|部分|线")
# Words of 一 and a character that are adverbs or adjectives, not counts of anything.
_ONE_WORDS = frozenset("一切 一定 一直 一起 一样 一般 一些 一下 一旦 一向 一再 一度 一律 一概 一致 "
                       "一共 一同 一道 一边 一面 一时 一会 一贯 一连 一味 一齐 一经 一并 一举".split())

# Four-character idioms built like formulations (一心一意); they are words, not 提法.
_IDIOMS = frozenset("""
一心一意 一言一行 一草一木 一点一滴 一丝一毫 一朝一夕 一举一动 一模一样 一生一世 一针一线
一字一句 一五一十 三心二意 七上八下 四面八方 五湖四海 十全十美 三番五次 三令五申 四通八达
九牛一毛 一清二楚 一干二净 七嘴八舌 四平八稳 一砖一瓦 一心一德 一来二去 一穷二白 七零八落
七手八脚 七拼八凑 五花八门 一波三折 一唱一和 一张一弛 一呼百应 一举两得 一箭双雕 一石二鸟
三头六臂 三长两短 三教九流 五光十色 五颜六色 十拿九稳 九死一生 百发百中 百战百胜 一日千里
一落千丈 一分为二 一分一厘 一板一眼 一颦一笑 一招一式 一笔一画 一问一答 一进一出 一上一下
一左一右 一时一事 一前一后 一高一低 一动一静 一多一少 一长一短 一远一近 一得一失 一正一反 两全其美
三五成群 百依百顺 百孔千疮 十恶不赦 一事无成
""".split())

#: Formulations that are a numeral and a fixed word, written without a second numeral.
_SET_TERMS = ("一肩挑", "一盘棋", "一票否决", "一把手", "一站式", "一网通办", "一网统管",
              "一窗通办")

_QUOTE = re.compile(r"“([^“”\n]{1,%d})”" % _MAX_QUOTATION)
_QUOTATION_TRIGGER = re.compile(r"(?:强调|指出|要求)[：:，,]?\s*$")
# Cues of a quotation: someone's words (孔子说：), a saying (常言道), a line cited (诗云).
_QUOTATION_CUE = re.compile(
    r"(?:说|讲|写道|告诫|指出|强调|提出|曾言|言道|云|曰)[：:]\s*$"
    r"|(?:古人|古语|古话|先贤|前人|老话|俗话|俗语|常言|有句话|有句老话|诗|古诗|名言)(?:说|讲|云|道|曰|讲得好|说得好)?[：:，,]?\s*$"
    r"|(?:正所谓|所谓的?|常言道|古人云|古人讲|正如|犹如|诚如)[：:，,]?\s*$"
    r"|(?:说过|讲过|所说|所言|所讲|写过|指出过)[的：:，,]?\s*$")
# After the quote: “…”这句话, “…”的古训.
_QUOTATION_AFTER = re.compile(r"^(?:[。！？]?[”’]?)?(?:这句话|这句名言|这句古语|这句诗|这些话|这段话|的古训|的名言|的诗句|"
                              r"的古语|的警句|的箴言|的道理|的教诲|的谆谆|语出|出自)")
# Classical Chinese: function words of the written language.
_CLASSICAL = re.compile("[之乎者也矣焉哉兮惟其於则乃亦夫盖曰故所以]")
_CLAUSES = re.compile(r"[，；,;。！？]")
_SENTENCE_MARK = re.compile(r"[。，！？；：,!?;:]")
_DIGIT_FORMULA = re.compile(r"(?<![0-9A-Za-z.+×])\d{1,2}(?:[+＋×][0-9A-Za-z]{1,2})+(?![0-9A-Za-z.+×%])")
_CONGRESS = re.compile(r"(?<![%s第])(?:十[一二三四五六七八九]|二十[一二三四五六七八九]?)大(?!会|学|队|厦)"
                       % _CN_NUM)
_PLENUM = re.compile(r"(?<![%s第])(?:十[一二三四五六七八九]|二十[一二三四五六七八九]?)届"
                     r"[一二三四五六七八九]中全会" % _CN_NUM)
_FIVE_YEAR = re.compile(r"(?<![%s第])十[一二三四五六七八九]五(?=规划|时期|期间|发展)" % _CN_NUM)
# 五大工程, 八大优势: a numeral above one, 大, and a two-character noun
# (plus a one-character suffix such as 战 in 三大攻坚战).
_BIG = re.compile(r"(?<![%s第十])([二三四五六七八九两]|十[一二三四五六七八九]?)大"
                  r"(?![批片把步早半多约概量力幅家都会型类块小中学队概])"
                  r"([%s]{2})([战区带圈群链])?" % (_CN_NUM, _HAN))
# A compound of numbered units: 一村一品, 三会一课, 一岗双责, 两学一做, 四不两直.
_COMPOUND = re.compile(r"(?<![%s%s第])[%s][%s](?:[%s][%s]){1,3}"
                       % (_CN_NUM, "双", _CN_NUM, _HAN, _UNIT_NUM, _HAN))
# 三社联动, 三治融合, 五社联动: a numeral, the one-character name of the parties, how they join.
_LINKAGE = (r"(?<![一二三四五六七八九十两第])[两三四五六七八九](?![级方部层地线区市县家个条])[\u4e00-\u9fff]"
            r"(?:联动|融合|共建|共治|协同|合一|联建)")
_SPECIAL = re.compile(r"两新(?=组织|党建|领域)|(?<=村)两委|两委(?=班子|成员|干部|换届)|"
                      + _LINKAGE + "|" + "|".join(_SET_TERMS))
_STOP_CHARS = set("的地得是在和与及或等了着过为把被对从向以于而也都又就还才")
_HAN_RE = re.compile(f"[{_HAN}]")
#: Nouns that name what a 五大工程 counts; a 五大X followed by more words is kept only with one.
_BIG_HEADS = frozenset("""工程 行动 战略 任务 目标 举措 平台 体系 产业 板块 基地 优势 理念 计划
功能 定位 关系 矛盾 考验 危险 阵营 部类 要素 动力 主题 片区 集群 通道 走廊 中心 高地 支柱 系统 机制
难题 短板 风险 领域 赛道 布局 保障 责任 课题 品牌 战役 会战""".split())
#: What may follow a 五大工程 in a sentence: a function word or a verb that takes it.
_BIG_FOLLOW = set("的地得是在和与及或等了着过为把被对从向以于而也都又就还才要已将中上里有")
# Measure words that make 一项一项, 一个一个 a repeated count inside a compound.
_COMPOUND_MEASURES = set("项件个张条只位种类家座所间道")


@dataclass(frozen=True)
class PhraseMatch:
    """One phrase found in a passage: ``text == passage_text[start:end]``."""

    text: str
    kind: str  # "numbered" | "quoted" | "quotation"
    start: int
    end: int


def extract_phrases(text: str) -> list[PhraseMatch]:
    """Return the 提法 of one passage's cleaned text, in order of position.

    >>> [m.text for m in extract_phrases("我讲三点意见。全面推行“一肩挑”，落实一岗双责和党的十九大精神。")]
    ['一肩挑', '一岗双责', '十九大']
    >>> extract_phrases("四季度组织一次观摩，一季度再组织一次，一年来成效明显。")
    []
    """
    found: dict[tuple[int, int], PhraseMatch] = {}
    quoted_spans: list[tuple[int, int]] = []
    for match in _QUOTE.finditer(text):
        inner = match.group(1)
        start, end = match.start(1), match.end(1)
        quoted_spans.append((match.start(), match.end()))
        kind = _quoted_kind(inner, text[:match.start()], text[match.end():match.end() + 6])
        if kind and not is_stop_phrase(inner, kind):
            found[(start, end)] = PhraseMatch(inner, kind, start, end)
    for match in _unquoted_numbered(text):
        if any(qs <= match.start and match.end <= qe for qs, qe in quoted_spans):
            continue
        if not is_stop_phrase(match.text, match.kind):
            found.setdefault((match.start, match.end), match)
    return sorted(found.values(), key=lambda m: (m.start, m.end))


def _quoted_kind(inner: str, before: str, after: str = "") -> str | None:
    stripped = inner.strip()
    if stripped != inner or len(inner) < 2:
        return None
    if is_numbered(inner):
        return "numbered"
    if _QUOTATION_TRIGGER.search(before[-6:]):
        return "quotation"
    if is_quotation(inner, before, after):
        return "quotation"
    if len(inner) > _MAX_QUOTED or _SENTENCE_MARK.search(inner):
        return None
    if not re.search(f"[{_HAN}]", inner):
        return None
    return "quoted"


def is_quotation(inner: str, before: str = "", after: str = "") -> bool:
    """Return True when the quoted words ``inner`` are a quotation: a saying, a classical line.

    ``before`` and ``after`` are the text around the quotes; a cue there (孔子说：, 正所谓,
    “…”这句话) makes any quoted sentence a quotation, and a classical line or a couplet of
    poetry is one by its form alone.

    >>> is_quotation("功崇惟志，业广惟勤。"), is_quotation("为有牺牲多壮志，敢教日月换新天。")
    (True, True)
    >>> is_quotation("天下难事，必作于易。", "古人说："), is_quotation("放管服")
    (True, False)
    >>> is_quotation("患者可阅，医院可查，医保可核")
    False
    """
    clauses = [c for c in _CLAUSES.split(inner) if c]
    if not re.search(f"[{_HAN}]", inner) or "、" in inner or re.search(r"[\d０-９A-Za-z]", inner):
        return False
    sentence = len(clauses) >= 2 or inner.endswith(("。", "！", "？")) or len(inner) > _MAX_QUOTED
    if sentence and (_QUOTATION_CUE.search(before[-8:]) or _QUOTATION_AFTER.match(after)):
        return True
    if not 2 <= len(clauses) <= 6 or not all(re.fullmatch(f"[{_HAN}]{{3,11}}", c) for c in clauses):
        return False
    lengths = {len(c) for c in clauses}
    # Lines of five or seven characters are verse; other parallel clauses need the
    # function words of classical Chinese (求木之长者，必固其根本).
    if lengths <= {5, 7} and len(lengths) == 1:
        return True
    return len(_CLASSICAL.findall(inner)) >= 2


def is_numbered(phrase: str) -> bool:
    """Return True when a whole quoted phrase is a numbered formulation.

    >>> [is_numbered(p) for p in ("五大工程", "1+4", "两新", "一刻钟党建服务圈", "第一书记")]
    [True, True, True, False, False]
    """
    if len(phrase) > _MAX_NUMBERED or _SENTENCE_MARK.search(phrase) or "、" in phrase:
        return False
    if _DIGIT_FORMULA.fullmatch(phrase) or re.fullmatch(r"十[一二三四五六七八九]五", phrase):
        return True
    head = re.match(r"[%s]+|\d+" % _CN_NUM, phrase)
    if not head or head.end() == len(phrase):
        return False
    rest = phrase[head.end():]
    if head.group().isdigit():
        return False
    if _COUNT_AFTER.match(rest) or not re.match(f"[{_HAN}]", rest) or phrase[:2] in _ONE_WORDS:
        return False
    return phrase not in _IDIOMS and not _word_head(phrase)


#: Words that open with a numeral but are no count: 百姓富, 二者一柔一刚.
_WORD_HEADS = frozenset("百姓 二者 两者 三者 万一 千万 万万 一旦".split())


def _word_head(phrase: str) -> bool:
    """Return True when ``phrase`` opens with a place, a person or a word, not a numeral (四川云教)."""
    if phrase[:2] in _WORD_HEADS:
        return True
    from kb.analysis import dictionary_tag

    return dictionary_tag(phrase[:2]) in ("ns", "nr", "r")


def _unquoted_numbered(text: str) -> Iterable[PhraseMatch]:
    for match in _DIGIT_FORMULA.finditer(text):
        yield PhraseMatch(match.group(), "numbered", match.start(), match.end())
    for pattern in (_PLENUM, _CONGRESS, _FIVE_YEAR, _SPECIAL):
        for match in pattern.finditer(text):
            yield PhraseMatch(match.group(), "numbered", match.start(), match.end())
    for match in _BIG.finditer(text):
        if _CONGRESS.match(text, match.start()):
            continue
        end = match.end()
        # 十大新突|破, 六大未来|产业: the noun goes on, so the match is only part of a word.
        noun = match.group(2) + (match.group(3) or "")
        if _cut_word(noun, text[end:end + 1]):
            continue
        # 十大重点|项目, 六大新兴|产业: a modifier, not the name of what is counted.
        following = text[end:end + 1]
        if (following and _HAN_RE.match(following) and following not in _BIG_FOLLOW
                and match.group(2) not in _BIG_HEADS):
            continue
        if match.group(2)[-1] in _STOP_CHARS or match.group(2)[0] in _STOP_CHARS:
            continue
        yield PhraseMatch(text[match.start():end], "numbered", match.start(), end)
    for match in _COMPOUND.finditer(text):
        compound = _trim_compound(match.group())
        if compound:
            yield PhraseMatch(compound, "numbered", match.start(), match.start() + len(compound))


def _cut_word(noun: str, following: str) -> bool:
    """Return True when ``noun`` ends inside a word that goes on with ``following`` (十大新突|破)."""
    if not following or not _HAN_RE.match(following) or following in _BIG_FOLLOW:
        return False
    from kb.analysis import dictionary_tag

    return dictionary_tag(noun[-1] + following) is not None or dictionary_tag(noun + following) is not None


def _trim_compound(candidate: str) -> str | None:
    # Units are numeral + one character; stop at the first unit that is an
    # ordinary count (一次, 一批) or a function word, and keep two units or more.
    units = [candidate[i:i + 2] for i in range(0, len(candidate), 2)]
    kept = []
    for unit in units:
        if (_COUNT_AFTER.match(unit[1]) or unit[1] in _STOP_CHARS or unit[1] in _UNIT_NUM + "万千亿"
                or unit[1] in _COMPOUND_MEASURES or unit in _ONE_WORDS):
            break
        kept.append(unit)
    if len(kept) < 2:
        return None
    phrase = "".join(kept)
    if _word_head(phrase):
        return None
    if phrase in _IDIOMS or any(phrase.startswith(i) for i in _IDIOMS):
        return None
    return phrase


# Counts of things, not formulations: 两个10亿元, 三个80%, 六连冠, 18连增, 十大考古新发现, 世界500强.
_THING_COUNT = re.compile(
    r"^[%s\d]+个[\d０-９]|^[%s\d]+连[%s]$|[%s\d]+[大强](?:考古|发现|新闻|进展|人物|事件|公害|发明|名著|奇迹|景观|菜系|河流|流域|湖泊|名山|古都|名楼|洲|洋|特点)"
    r"|\d+强$" % (_CN_NUM, _CN_NUM, _HAN, _CN_NUM))


@functools.cache
def stop_phrases() -> frozenset[str]:
    """Return the words that are never 提法 (package data ``kb/data/phrase_stop.txt``)."""
    path = Path(__file__).resolve().parent / "data" / "phrase_stop.txt"
    return frozenset(word for line in path.read_text(encoding="utf-8").splitlines()
                     for word in line.split("#", 1)[0].split())


def is_stop_phrase(text: str, kind: str = "quoted") -> bool:
    """Return True when ``text`` is not a 提法: a stop word, a count of things, a common idiom.

    >>> [is_stop_phrase(t, "numbered") for t in ("一刀切", "四大发明", "六连冠", "两个10亿元", "五大工程")]
    [True, True, True, True, False]
    """
    if text in stop_phrases() or any(text.startswith(w) and len(w) >= 4 for w in stop_phrases()):
        return True
    if kind == "quotation":
        return False
    if _THING_COUNT.search(text):
        return True
    from kb.analysis import dictionary_tag

    # Idioms (一刀切, 有的放矢) are words of the language, not formulations of a document.
    return dictionary_tag(text) == "i"


#: A quoted ordinary word (a word of jieba's dictionary up to this long) is a 提法 only when
#: quoted in at least two documents and not used without quotes in most documents that use it.
_MAX_ORDINARY = 4
_MIN_QUOTED_DOCS = 2
_BARE_RATIO = 3


def _ordinary_words(work: dict[str, list], passages: list[Passage]) -> set[str]:
    """Return the quoted phrases of ``work`` that are ordinary words used in quotes."""
    from kb.analysis import dictionary_tag

    words = {text: {o.doc_id for o in entry[1]} for text, entry in work.items()
             if entry[0] == "quoted" and len(text) <= _MAX_ORDINARY and dictionary_tag(text) is not None}
    ordinary = {text for text, quoted_docs in words.items() if len(quoted_docs) < _MIN_QUOTED_DOCS}
    # Only the few quoted in several documents need the scan of every passage.
    candidates = {text: quoted_docs for text, quoted_docs in words.items() if text not in ordinary}
    used: dict[str, set[str]] = {text: set() for text in candidates}
    for passage in passages if candidates else ():
        for text in candidates:
            if text in passage.text:
                used[text].add(passage.doc_id)
    return ordinary | {text for text, quoted_docs in candidates.items()
                       if len(used[text]) >= _BARE_RATIO * len(quoted_docs)}


@dataclass(frozen=True)
class Occurrence:
    """Where a phrase was used: a passage of a document."""

    doc_id: str
    ordinal: int
    date: str | None
    title: str


@dataclass(frozen=True)
class Phrase:
    """One 提法 of the library with every place it was used."""

    text: str
    kind: str
    occurrences: tuple[Occurrence, ...]
    example: str

    @property
    def count(self) -> int:
        """Return how many times the phrase was used."""
        return len(self.occurrences)

    @property
    def doc_count(self) -> int:
        """Return in how many documents the phrase was used."""
        return len({o.doc_id for o in self.occurrences})

    @property
    def first_date(self) -> str | None:
        """Return the earliest date of a document using the phrase, None when undated."""
        dates = [o.date for o in self.occurrences if o.date]
        return min(dates) if dates else None

    @property
    def last_date(self) -> str | None:
        """Return the latest date of a document using the phrase, None when undated."""
        dates = [o.date for o in self.occurrences if o.date]
        return max(dates) if dates else None

    def to_json(self) -> dict:
        """Return the phrase in the documented ``bigan phrases --json`` shape."""
        return {
            "text": self.text,
            "kind": self.kind,
            "count": self.count,
            "documents": self.doc_count,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "example": self.example,
            "occurrences": [{"doc_id": o.doc_id, "ordinal": o.ordinal, "date": o.date,
                             "title": o.title} for o in self.occurrences],
        }


# A kind found by position beats a weaker one: 四个意识 in quotes after 强调 stays numbered.
_KIND_RANK = {"numbered": 0, "quoted": 1, "quotation": 2}


class PhraseLibrary:
    """The 提法 of a knowledge base, keyed by text, with where each was used."""

    _FORMAT_VERSION = 1

    def __init__(self, phrases: Iterable[Phrase] = ()):
        self._phrases: dict[str, Phrase] = {p.text: p for p in phrases}

    @classmethod
    def build(cls, passages: Iterable[Passage]) -> "PhraseLibrary":
        """Return the library of the phrases found in ``passages``."""
        library = cls()
        library.update((), passages)
        return library

    def update(self, removed_doc_ids: Iterable[str], new_passages: Iterable[Passage]) -> None:
        """Drop the occurrences of ``removed_doc_ids``, then add those of ``new_passages``.

        A re-ingested document passes its id in both.
        """
        removed = set(removed_doc_ids)
        # Mutable lists while adding: one tuple copy per phrase, not per occurrence.
        work: dict[str, list] = {}
        for text, phrase in self._phrases.items():
            occurrences = [o for o in phrase.occurrences if o.doc_id not in removed]
            if occurrences:
                work[text] = [phrase.kind, occurrences, phrase.example]
        new_passages = list(new_passages)
        taken: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for passage in new_passages:
            matches = extract_phrases(passage.text)
            taken[(passage.doc_id, passage.ordinal)] = [(m.start, m.end) for m in matches]
            for match in matches:
                _add(work, match, passage)
        for text in _ordinary_words(work, new_passages):
            del work[text]
        # A formulation once quoted is the same 提法 where a later sentence leaves the
        # quotes off (深化三社联动机制), so those uses count too.
        known = _index_known(work)
        for passage in new_passages if known else ():
            spans = taken[(passage.doc_id, passage.ordinal)]
            for start, end in _find_known(passage.text, known):
                if not any(s < end and start < e for s, e in spans):
                    text = passage.text[start:end]
                    _add(work, PhraseMatch(text, work[text][0], start, end), passage)
        self._phrases = {
            text: Phrase(text, kind, tuple(sorted(occurrences, key=lambda o: (o.doc_id, o.ordinal))),
                         example)
            for text, (kind, occurrences, example) in work.items()}

    def __len__(self) -> int:
        return len(self._phrases)

    def __contains__(self, text: object) -> bool:
        return text in self._phrases

    def get(self, text: str) -> Phrase | None:
        """Return the phrase written exactly ``text``, None when the library lacks it."""
        return self._phrases.get(text)

    def count(self, text: str) -> int:
        """Return how many times ``text`` was used as a phrase (0 when never)."""
        phrase = self._phrases.get(text)
        return phrase.count if phrase else 0

    def query(self, text: str | None = None, kind: str | None = None, min_count: int = 1,
              sort: str = "count") -> list[Phrase]:
        """Return the phrases containing ``text``, of ``kind``, used at least ``min_count`` times.

        ``sort="count"`` puts the most used first; ``sort="date"`` the most recently used.
        """
        if kind is not None and kind not in KINDS:
            raise QueryError(f"不认识的提法类型“{kind}”，可用：{'、'.join(KINDS)}")
        if sort not in SORTS:
            raise QueryError(f"不认识的排序方式“{sort}”，可用：{'、'.join(SORTS)}")
        rows = [p for p in self._phrases.values()
                if (not text or text in p.text) and (kind is None or p.kind == kind)
                and p.count >= min_count]
        rows.sort(key=lambda p: p.text)
        rows.sort(key=lambda p: (-p.count, -p.doc_count))
        if sort == "date":
            # Undated phrases go last; a stable sort keeps the count order among equals.
            rows.sort(key=lambda p: p.last_date or "", reverse=True)
        return rows

    def dominant_forms(self, min_count: int = 3, min_docs: int = 1) -> list[Phrase]:
        """Return the numbered and quoted phrases used often enough to be the library's form."""
        return sorted((p for p in self._phrases.values()
                       if p.kind in ("numbered", "quoted") and p.count >= min_count
                       and p.doc_count >= min_docs),
                      key=lambda p: (-p.count, p.text))

    def to_json(self) -> dict:
        """Return the library as saved on disk."""
        return {
            "version": self._FORMAT_VERSION,
            "phrases": [{"text": p.text, "kind": p.kind, "example": p.example,
                         "occurrences": [[o.doc_id, o.ordinal, o.date, o.title]
                                         for o in p.occurrences]}
                        for p in sorted(self._phrases.values(), key=lambda p: p.text)],
        }

    def save(self, path) -> None:
        """Write the library to ``path`` as JSON, through a temporary file and a rename."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.to_json(), handle, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            # Never leave a half-written temporary file beside the library.
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path) -> "PhraseLibrary":
        """Return the library saved at ``path``; ReadError when it is missing or damaged."""
        path = Path(path)
        hint = "请运行 bigan reindex 重建提法库"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReadError(path, "提法库文件不存在", hint) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ReadError(path, f"提法库文件无法读取（{error.__class__.__name__}）", hint) from None
        try:
            if data.get("version") != cls._FORMAT_VERSION:
                raise ReadError(path, f"提法库版本 {data.get('version')} 不受支持", hint)
            return cls(Phrase(item["text"], item["kind"],
                              tuple(Occurrence(str(d), int(n), t, str(title))
                                    for d, n, t, title in item["occurrences"]),
                              item.get("example", ""))
                       for item in data["phrases"])
        except (AttributeError, KeyError, TypeError, ValueError):
            raise ReadError(path, "提法库文件内容已损坏", hint) from None


def _add(work: dict[str, list], match: PhraseMatch, passage: Passage) -> None:
    occurrence = Occurrence(passage.doc_id, passage.ordinal, passage.date, passage.title)
    entry = work.get(match.text)
    if entry is None:
        work[match.text] = [match.kind, [occurrence],
                            example_context(passage.text, match.start, match.end)]
        return
    entry[0] = min(entry[0], match.kind, key=_KIND_RANK.__getitem__)
    entry[1].append(occurrence)


def _index_known(work: dict[str, list]) -> dict[str, list[str]]:
    # Phrases by their first two characters, longest first: a scan of a passage looks
    # up each position once instead of trying every phrase there.
    index: dict[str, list[str]] = {}
    for text, (kind, _, _) in work.items():
        if kind == "numbered" or kind == "quoted" and len(text) >= _MIN_BARE_QUOTED:
            index.setdefault(text[:2], []).append(text)
    for texts in index.values():
        texts.sort(key=lambda t: (-len(t), t))
    return index


def _find_known(text: str, index: dict[str, list[str]]) -> Iterable[tuple[int, int]]:
    i = 0
    while i < len(text) - 1:
        candidates = index.get(text[i:i + 2])
        # Not inside a longer number: 十五大 is not 五大, 第三社 is not 三社.
        if candidates and not (i > 0 and (text[i - 1] in _CN_NUM + "第" or text[i - 1].isdigit())):
            for candidate in candidates:
                if text.startswith(candidate, i):
                    yield i, i + len(candidate)
                    i += len(candidate)
                    break
            else:
                i += 1
            continue
        i += 1


_SENTENCE_END = "。！？；"
_MAX_EXAMPLE = 80


def example_context(text: str, start: int, end: int) -> str:
    """Return the sentence of ``text`` around ``text[start:end]``, at most about 80 characters.

    >>> example_context("第一句。全面实施“五大工程”，成效明显。第三句。", 9, 13)
    '全面实施“五大工程”，成效明显。'
    """
    left = max(text.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
    right_candidates = [i for i in (text.find(ch, end) for ch in _SENTENCE_END) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    if right - left > _MAX_EXAMPLE:
        half = (_MAX_EXAMPLE - (end - start)) // 2
        left = max(left, start - max(half, 10))
        right = min(right, end + max(half, 10))
        return ("…" if left > 0 else "") + text[left:right] + ("…" if right < len(text) else "")
    return text[left:right]


def user_words(library: PhraseLibrary | None, extra_path=None) -> list[str]:
    """Return the words to add to the segmenter: numbered and quoted phrases, then ``words.txt``.

    ``extra_path`` is the user-editable word list of the knowledge-base folder: one word a
    line, ``#`` starts a comment; a missing file adds nothing.
    """
    words: list[str] = []
    seen: set[str] = set()

    def add(word: str) -> None:
        if word and word not in seen:
            seen.add(word)
            words.append(word)

    if library is not None:
        for phrase in sorted(library.query(), key=lambda p: p.text):
            if phrase.kind in ("numbered", "quoted") and " " not in phrase.text:
                add(phrase.text)
    if extra_path is not None:
        path = Path(extra_path)
        if path.is_file():
            try:
                content = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise ReadError(path, "用户词表不是 UTF-8 编码", "请用 UTF-8 保存 words.txt") from None
            for line in content.splitlines():
                add(line.split("#", 1)[0].strip())
    return words
