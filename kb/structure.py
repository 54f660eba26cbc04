"""Structure recovery: from cleaned paragraphs to a :class:`Document`.

The conventions of Chinese official texts carry the structure: numbering
markers give heading levels (一、 level 1, （一） level 2, 1. level 3, （1）
level 4; 第X章/第X节/第X条 in regulations), run-in points (一是…二是…,
一要…, 第一，…) sit inside paragraphs, a salutation (同志们：) opens a
speech and a paragraph addressing the audience again closes it.

>>> doc = parse_text_blocks(["在×市基层党建工作会议上的讲话", "同志们：",
...     "今天召开会议。下面，我讲两点意见。", "一、提高认识", "一是统一思想。要认清形势。二是强化担当。",
...     "二、狠抓落实", "（一）健全制度。要建章立制。", "同志们，让我们共同努力！"])
>>> doc.meeting, doc.salutation, [s.heading for s in doc.sections]
('×市基层党建工作会议', '同志们', ['提高认识', '狠抓落实'])
>>> [(p.marker, p.heading, p.paragraphs) for p in doc.sections[0].children]
[('一是', '统一思想', ('要认清形势。',)), ('二是', '强化担当', ())]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import Attachment, Block, DocMeta, Document, RawDocument, Section
from kb.patterns import lazy

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "一二三四五六七八九十百"

# Heading markers at the start of a paragraph; the group "n" is the number.
_MARKERS = [
    (1, lazy(rf"^(?P<n>[{_CN_NUM}]{{1,4}})、")),
    (2, lazy(rf"^（(?P<n>[{_CN_NUM}]{{1,4}})）")),
    (3, lazy(r"^(?P<n>\d{1,2})(?:[.．](?!\d)|、)")),
    (4, lazy(r"^（(?P<n>\d{1,2})）")),
]
_REGULATION = lazy(rf"^第(?P<n>[{_CN_NUM}零〇\d]{{1,6}})(?P<unit>编|章|节|条)(?:[ 　]+|(?=[{_CN_NUM}\u4e00-\u9fff]))")

# Run-in points: 一是… / 一要… / 第一，… at the start of a sentence.
_POINT = lazy(rf"(?:(?<=^)|(?<=[。！？；：]))[ ]?(?P<marker>(?P<di>第)?(?P<n>[一二三四五六七八九十]{{1,3}})"
                    rf"(?(di)[，、：]|(?P<suffix>是|要|抓)))")
_SENTENCE_END = lazy(r"[。！？；!?]")

# Inline level-1/2 markers after an end of sentence: lost paragraph breaks.
_INLINE_HEADING = lazy(rf"(?<=[。！？])[ ]?(?=(?:[{_CN_NUM}]{{1,3}}、|（[{_CN_NUM}]{{1,3}}）))")

_ADDRESS = lazy(r"^(同志们|各位代表|各位委员|同志们、朋友们|青年朋友们|老师们|同学们|朋友们|各位|女士们|"
                      r"尊敬的|亲爱的)[^，。！：]{0,12}[，、！,!]")
#: Lines that end with ： but are page furniture, never a salutation.
_NOT_SALUTATION = lazy(r"^(您的位置|您现在的位置|当前位置|所在位置|来源|时间|发布时间|发表时间|分享|作者|编辑|"
                             r"附件|主题词|抄送|联系人|电话)")
_SALUTATION_END = lazy(r"：$")
_DATE = lazy(r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
                   r"(?:\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日)?")
_DATE_LINE = lazy(r"^[（(]?\s*(\d{4}|[〇○零一二三四五六七八九]{4})\s*年[^，。；]{1,12}[日月][）)]?$")
_ISO_DATE = lazy(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DOC_NUMBER = lazy(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,4}\s*号")
_MEETING = lazy(r"在(?P<m>.{2,60}?)(?:上|时|期间)的(?:讲话|致辞|发言|报告|总结讲话|主持词|讲课)")
_BYLINE_MEETING = lazy(r"在(?P<m>.{2,60}?)(?:上|时)(?:的讲话|的发言)?[）)]?$")
# The title block of a speech or report saved from a news site: a subtitle ("——在…上的讲话"),
# a date line ("（2016年5月30日）"), a date-and-meeting line with or without the dash.
_CN_YEAR = r"(?:\d{4}|[〇○零一二三四五六七八九]{4})"
_PAREN_DATE = lazy(rf"^[（(]\s*{_CN_YEAR}\s*年[^（）()]{{1,12}}日\s*[）)]$")
_DATE_MEETING = lazy(rf"^[（(]?(?:——|—)?\s*{_CN_YEAR}\s*年[^，。；]{{1,12}}日\s*在.{{2,60}}?上[）)]?$")
#: A byline prefix before a title: "某某：…" or "某某在…时的讲话".
_NAME = r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,3}"
_BYLINE_COLON = lazy(rf"^(?P<speaker>{_NAME})[：:](?P<title>.{{4,}})$")
_BYLINE_AT = lazy(rf"^(?P<speaker>{_NAME}?)(?P<title>在.{{2,80}}(?:上|时)的(?:讲话|致辞|发言|讲课|报告))$")
_NOT_NAME_END = tuple("部委局省市县区府院会办厅处科组室社网报台们")
_NOT_NAME = ("关于", "附件", "通知", "公告", "视频", "图片", "来源", "时间", "各位", "全省", "全市", "全县",
             "全区", "今天", "我们", "本报", "记者", "主题", "标题")
#: （全文）, and a site's name after the headline ("_新华网", " - 中国政府网").
_TITLE_TAIL = lazy(r"\s*(?:[（(【\[]全文[）)】\]]|全文)$"
                         r"|\s*(?:[_|｜]|\s[-－—]\s)\s*[^_|｜]{1,20}(?:网|频道|客户端|门户|日报|政府|新闻|报)$")
_FILE_DATE = lazy(r"^(?P<date>\d{4}-\d{1,2}-\d{1,2})[_\s]+(?=\S)")
_HAN = lazy(r"[\u4e00-\u9fff]")
#: 题注 of a law or regulation: "2019年10月8日 某某会议通过", "（根据…修正）", "2022年2月25日 中共中央、国务院发布".
_NOTE_VERBS = r"(?:通过|修正|修订|公布|发布|印发|施行|批准)"
_BYLINE_NOTE = lazy(rf"^[（(]?(?:根据)?{_CN_YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"
                          rf"[^。；]{{0,160}}?{_NOTE_VERBS}[）)]?$")
_NOTE_ISSUER = lazy(rf"日\s*(?P<issuer>[\u4e00-\u9fff、]{{2,40}}?)(?:联合)?(?:发布|印发)[）)]?$")
_BARE_NAME = lazy(r"^[\u4e00-\u9fff][\u4e00-\u9fff·]{1,3}$")
_ROLE_WORDS = ("书记", "市长", "省长", "县长", "区长", "主任", "部长", "局长", "主席", "委员", "总理", "厅长",
               "镇长", "乡长", "院长", "校长", "理事长", "同志")
_ATTACHMENT_START = lazy(r"^附件\s*(?P<n>\d{0,2})\s*[：:]?$")
_ATTACHMENT_NOTE = lazy(r"^附件\s*[：:]")
_PUBLISH_NOTE = lazy(r"^[（(](此件|本件|本文)[^）)]{0,20}[）)]$")


def parse_structure(raw: RawDocument, *, doc_type: str | None = None) -> Document:
    """Return the Document recovered from cleaned paragraphs."""
    return _Parser(raw, doc_type).parse()


def parse_text_blocks(lines, *, doc_type: str | None = None, meta: dict | None = None) -> Document:
    """Return the Document of already-clean paragraphs (a convenience for tests and callers)."""
    raw = RawDocument(path="<text>", blocks=tuple(Block(t) for t in lines if t.strip()),
                      meta=meta or {})
    return parse_structure(raw, doc_type=doc_type)


def cn_number(text: str) -> int:
    """Return the value of a Chinese or Arabic numeral (一 … 九十九, 一百…; 12).

    >>> cn_number("十二"), cn_number("二十"), cn_number("一百零五"), cn_number("7")
    (12, 20, 105, 7)
    """
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def iso_date(text: str | None) -> str | None:
    """Return ``yyyy-mm-dd`` (or ``yyyy-mm``, ``yyyy``) for a date written in Chinese or ISO form.

    >>> iso_date("2019年01月01日"), iso_date("二〇二〇年五月七日"), iso_date("2025-3-8")
    ('2019-01-01', '2020-05-07', '2025-03-08')
    """
    if not text:
        return None
    text = text.strip()
    match = _ISO_DATE.match(text)
    if match:
        parts = [match.group(1)] + [f"{int(g):02d}" for g in match.groups()[1:] if g]
        return "-".join(parts)
    match = _DATE.search(text)
    if not match:
        return None
    year = match.group("y")
    if not year.isdigit():
        year = "".join(str(_CN_DIGITS.get(ch, 0)) for ch in year)
    parts = [year, f"{cn_number(match.group('m')):02d}"]
    if match.group("d"):
        parts.append(f"{cn_number(match.group('d')):02d}")
    if not (1 <= int(parts[1]) <= 12):
        return year
    return "-".join(parts)


@dataclass
class _Node:
    kind: str
    level: int
    marker: str
    heading: str
    paragraphs: list = field(default_factory=list)
    children: list = field(default_factory=list)
    inline: bool = False
    after: list = field(default_factory=list)

    def freeze(self) -> Section:
        return Section(self.kind, self.level, self.marker, self.heading, tuple(self.paragraphs),
                       tuple(c.freeze() for c in self.children), self.inline, tuple(self.after))


@dataclass
class _Para:
    text: str
    level_hint: int | None = None


class _Parser:
    def __init__(self, raw: RawDocument, doc_type: str | None):
        self.raw = raw
        self.forced_type = doc_type
        self.meta = dict(raw.meta)
        paras = []
        for block in raw.blocks:
            text = (block.marker + block.text) if block.marker else block.text
            if text.strip():
                paras.append(_Para(text.strip(), block.level))
        self.blocks = [b for b in raw.blocks if b.text.strip() or b.marker]
        self.paras = paras

    # -- the whole document -------------------------------------------------
    def parse(self) -> Document:
        paras = self.paras
        self.file_date = None
        title, speaker, consumed, headline = self._title(paras)
        paras = paras[consumed:]
        byline_lines, salutation, consumed = self._head(paras, title)
        paras = paras[consumed:]

        main, attachment_parts = self._split_attachments(paras)
        main, signature = self._signature(main)
        is_regulation = self._looks_like_regulation(main)
        main, closing = self._closing(main)
        opening, sections = _Sections(is_regulation).build(main)
        if not sections:
            # Without numbered parts everything but the closing is running text.
            pass
        attachments = tuple(self._attachment(part, is_regulation) for part in attachment_parts)

        title = _specific_title(title, byline_lines)
        byline = "\n".join(headline + byline_lines) or None
        doc_meta = self._doc_meta(byline_lines, signature)
        date = (self._date(title, byline_lines, signature, doc_meta) or self.file_date
                or iso_date(self.meta.get("published")))
        doc_type = self._doc_type(title, salutation, sections, is_regulation, byline_lines)
        meeting = self._meeting(title, byline_lines)
        speaker = self.meta.get("speaker") or self._speaker(byline_lines) or speaker
        tags = self.meta.get("tags") or ()
        if isinstance(tags, str):
            tags = tuple(t.strip() for t in re.split(r"[,，、]", tags) if t.strip())
        return Document(
            title=title,
            doc_type=doc_type,
            meeting=meeting,
            speaker=speaker,
            date=date,
            meta=doc_meta,
            byline=byline,
            salutation=salutation,
            opening=tuple(p.text for p in opening),
            sections=tuple(n.freeze() for n in sections),
            closing=tuple(p.text for p in closing),
            signature=tuple(p.text for p in signature),
            attachments=attachments,
            tags=tuple(tags),
            occasion=self.meta.get("occasion"),
            source_path=self.raw.path,
        )

    # -- head ---------------------------------------------------------------
    def _title(self, paras: list[_Para]) -> tuple[str, str | None, int, list[str]]:
        """Return (title, speaker of a byline prefix, paragraphs used, headline lines above the title)."""
        meta_title = (self.meta.get("title") or "").strip()
        speaker = None
        if meta_title:
            # A portal page may break the title over several centred lines.
            joined, used = "", 0
            squeezed = meta_title.replace(" ", "").replace("\u3000", "")
            for para in paras[:4]:
                candidate = joined + para.text.replace(" ", "")
                if squeezed.startswith(candidate):
                    joined, used = candidate, used + 1
                    if candidate == squeezed:
                        break
                else:
                    break
            if joined != squeezed:
                used = 0
            return meta_title, speaker, used, []
        start = self._title_block_start(paras)
        block_follows = start is not None
        first_block = self.blocks[0] if self.blocks else None
        if start is None and paras and (first_block is not None and first_block.is_title
                                        or self._title_like(paras[0].text)):
            start = 0
        if start is None:
            stem = Path(self.raw.path).stem if self.raw.path and not self.raw.path.startswith("<") else ""
            return _stem_title(stem), speaker, 0, []
        speaker, title = self._split_title(paras[start].text, block_follows)
        headline = []
        for para in paras[:start]:
            # A headline repeating the title ("某某：标题（全文）") says nothing new.
            if self._split_title(para.text, True)[1] != title:
                headline.append(para.text)
        return title, speaker, start + 1, headline

    def _split_title(self, text: str, block_follows: bool = False) -> tuple[str | None, str]:
        """Return (speaker, title) of a headline: byline prefix, file date, （全文） and site name off.

        A prefix before a colon is a speaker only before a speech's title or a title block.
        """
        title = text
        for _ in range(2):
            title = _TITLE_TAIL.sub("", title).strip() or title
        match = _FILE_DATE.match(title)
        if match:
            self.file_date = self.file_date or iso_date(match.group("date"))
            title = title[match.end():]
        for pattern in (_BYLINE_COLON, _BYLINE_AT):
            match = pattern.match(title)
            if match and _name_like(match.group("speaker")) and not marker_level(match.group("title")) \
                    and (block_follows or pattern is _BYLINE_AT
                         or classify(match.group("title")) == "speech"):
                return match.group("speaker"), match.group("title")
        return None, title

    def _title_block_start(self, paras: list[_Para]) -> int | None:
        """Return the index of a speech's or report's own title when a title block follows it.

        The title block is a subtitle (——…讲话), a date line, a date-and-meeting line or a
        speaker's name; lines above the title are the page's headline and lead.
        """
        for i in range(1, min(len(paras), 9)):
            text, before = paras[i].text, paras[i - 1].text
            if not (self._title_like(before) and not self._byline_like(before) and len(before) <= 60
                    and len(_HAN.findall(before)) >= 4):
                continue
            anchor = (_PAREN_DATE.match(text) or _DATE_MEETING.match(text)
                      or (text.startswith(("——", "—")) and not _SENTENCE_END.search(text[-1:])
                          and len(text) <= 80 and len(_HAN.findall(text)) >= 4)
                      or (_BARE_NAME.match(text) and classify(self._split_title(before)[1]) == "speech"))
            if not anchor:
                continue
            # a heading or a salutation above it: the lines are the document's own
            if any(marker_level(p.text) or (p.text.endswith("：") and len(p.text) <= 24)
                   for p in paras[:i - 1]):
                return None
            return i - 1
        return None

    @staticmethod
    def _title_like(text: str) -> bool:
        if len(text) > 80 or _SENTENCE_END.search(text[-1:]) or text.endswith(("：", "，")):
            return False
        if marker_level(text) or _ADDRESS.match(text):
            return False
        return True

    def _head(self, paras: list[_Para], title: str = "") -> tuple[list[str], str | None, int]:
        byline: list[str] = []
        i = 0
        while i < len(paras) and len(byline) < 6:
            text = paras[i].text
            if self._byline_like(text) or (_BARE_NAME.match(text) and _name_like(text)
                                           and (byline or classify(title) == "speech")):
                byline.append(text)
                i += 1
            elif byline and byline[-1].startswith("——") and not byline[-1].endswith(("上", "）")) \
                    and len(text) <= 40 and re.search(r"(会议|会)上[）)]?$", text):
                byline[-1] += text  # a byline broken over two lines
                i += 1
            else:
                break
        salutation = None
        if i < len(paras):
            text = paras[i].text
            if (2 <= len(text) <= 80 and _SALUTATION_END.search(text) and "。" not in text
                    and not marker_level(text) and not _NOT_SALUTATION.match(text)):
                salutation = text[:-1]
                i += 1
        return byline, salutation, i

    @staticmethod
    def _byline_like(text: str) -> bool:
        if _BYLINE_NOTE.match(text):
            return True
        if len(text) > 80 or marker_level(text):
            return False
        if text.startswith(("——", "—", "--")):
            return True
        if re.fullmatch(r"[（(][^（）()]{0,40}\d{4}\s*年[^（）()]{0,30}[）)]", text):
            return True
        if _DOC_NUMBER.fullmatch(text.replace(" ", "")):
            return True
        if _DATE_LINE.match(text) or _DATE_MEETING.match(text):
            return True
        if len(text) <= 24 and not re.search(r"[，。；！？：]", text) \
                and any(word in text for word in _ROLE_WORDS):
            return True
        return False

    # -- tail ---------------------------------------------------------------
    def _split_attachments(self, paras: list[_Para]):
        starts = [i for i, p in enumerate(paras) if _ATTACHMENT_START.match(p.text)]
        if not starts:
            return paras, []
        parts = []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(paras)
            parts.append(paras[start:end])
        return paras[:starts[0]], parts

    def _signature(self, paras: list[_Para]):
        end = len(paras)
        i = end
        found_date = False
        while i > 0 and end - i < 6:
            text = paras[i - 1].text
            if _PUBLISH_NOTE.match(text) or (_DATE_LINE.match(text) and len(text) <= 20):
                found_date = found_date or bool(_DATE_LINE.match(text))
                i -= 1
            elif found_date and len(text) <= 30 and not re.search(r"[。！？；：，]", text) \
                    and not marker_level(text):
                i -= 1
            elif found_date and _ATTACHMENT_NOTE.match(text):
                i -= 1
            else:
                break
        if not found_date:
            return paras, []
        # Attachment notes (附件：1.…) directly above the signature belong with it.
        while i > 0 and (_ATTACHMENT_NOTE.match(paras[i - 1].text)
                         or (re.match(r"^\d{1,2}[.．]", paras[i - 1].text) and i - 2 >= 0
                             and _ATTACHMENT_NOTE.match(paras[i - 2].text))):
            i -= 1
        return paras[:i], paras[i:]

    def _closing(self, paras: list[_Para]):
        last_heading = max((i for i, p in enumerate(paras)
                            if marker_level(p.text) or p.level_hint), default=-1)
        start = None
        for i in range(len(paras) - 1, last_heading, -1):
            if _ADDRESS.match(paras[i].text) or paras[i].text.startswith("让我们"):
                start = i
                break
        if start is None:
            return paras, []
        # Only the last few paragraphs can be the closing of a speech.
        if len(paras) - start > 3:
            return paras, []
        while start - 1 > last_heading and _ADDRESS.match(paras[start - 1].text) \
                and len(paras) - (start - 1) <= 3:
            start -= 1
        if start == 0:
            return paras, []
        return paras[:start], paras[start:]

    def _attachment(self, part: list[_Para], is_regulation: bool) -> Attachment:
        label = part[0].text
        rest = part[1:]
        title = ""
        if rest and self._title_like(rest[0].text):
            title, rest = rest[0].text, rest[1:]
        opening, sections = _Sections(is_regulation).build(rest)
        return Attachment(title=title, sections=tuple(n.freeze() for n in sections),
                          paragraphs=tuple(p.text for p in opening), label=label)

    # -- metadata -----------------------------------------------------------
    @staticmethod
    def _looks_like_regulation(paras: list[_Para]) -> bool:
        articles = sum(1 for p in paras[:400] if (m := _REGULATION.match(p.text)) and m.group("unit") == "条")
        return articles >= 2

    def _doc_meta(self, byline: list[str], signature: list[_Para]) -> DocMeta:
        number = self.meta.get("doc_number")
        if not number:
            for line in byline:
                match = _DOC_NUMBER.search(line.replace(" ", ""))
                if match:
                    number = match.group(0)
                    break
        date = iso_date(self.meta.get("date")) if self.meta.get("date") else None
        issuer = self.meta.get("issuer")
        notes = [line for line in byline if _BYLINE_NOTE.match(line)]
        if notes:
            # 题注: the text in force dates from its last adoption, amendment or promulgation.
            dated = [iso_date(line) for line in notes if not line.rstrip("）)").endswith("施行")]
            date = date or max((d for d in dated if d), default=None)
            for line in notes:
                match = _NOTE_ISSUER.search(line)
                if match and not issuer:
                    issuer = match.group("issuer")
        return DocMeta(doc_number=number, issuer=issuer, date=date, source=self.meta.get("source"))

    def _date(self, title, byline, signature, doc_meta: DocMeta) -> str | None:
        if doc_meta.date:
            return doc_meta.date
        for line in byline:
            if _DATE.search(line):
                return iso_date(line)
        for para in reversed(signature):
            if _DATE_LINE.match(para.text):
                return iso_date(para.text)
        match = re.match(r"^(\d{4})年", title or "")
        if match:
            return match.group(1)
        return None

    def _doc_type(self, title: str, salutation, sections, is_regulation, byline=()) -> str:
        from kb.model import DOC_TYPES

        forced = self.forced_type or self.meta.get("doc_type")
        if forced in DOC_TYPES:
            return forced
        found = classify(title, salutation=salutation, is_regulation=is_regulation)
        if found == "other":
            # A speech titled by its theme says so in its subtitle ("——在…上的讲话").
            for line in byline:
                if line.startswith(("——", "—")) and classify(line.lstrip("—-")) == "speech":
                    return "speech"
        return found

    @staticmethod
    def _meeting(title: str, byline: list[str]) -> str | None:
        match = _MEETING.search(title or "")
        if match:
            return match.group("m")
        for line in byline:
            bare = line.lstrip("—-（(")
            match = _BYLINE_MEETING.search(bare)
            if match:
                meeting = match.group("m")
                meeting = re.sub(r"^.*?\d{1,2}\s*日", "", meeting) or meeting
                return meeting
            match = re.match(r"^(?P<m>(?:同|与|会见|出席|参加).{2,60}?)时的(?:讲话|致辞|发言)[）)]?$", bare)
            if match:
                return match.group("m")
        return None

    @staticmethod
    def _speaker(byline: list[str]) -> str | None:
        for line in byline:
            if len(line) <= 24 and any(w in line for w in _ROLE_WORDS) and not _DATE.search(line):
                return line
            if _BARE_NAME.match(line) and _name_like(line):
                return line
        return None


def _name_like(text: str) -> bool:
    """Return whether a byline prefix or a line of its own can be a person's name (not 全市, 省政府)."""
    return (not text.endswith(_NOT_NAME_END) and not text.startswith(_NOT_NAME) and "的" not in text
            and not re.search(r"[年月日]", text))


def _stem_title(stem: str) -> str:
    """Return the title a file name gives: "2026_某省_政府工作报告" reads "2026年某省政府工作报告"."""
    match = re.fullmatch(r"(\d{4})_([^_]{1,20})_([^_]{2,40})", stem)
    if match:
        return f"{match.group(1)}年{match.group(2)}{match.group(3)}"
    return stem


def _specific_title(title: str, byline: list[str]) -> str:
    """Return "2026年广东省政府工作报告" for a bare "政府工作报告" whose byline names year and place."""
    bare = re.fullmatch(r"(?:(\d{4})年)?((?:政府)?工作报告)", title)
    if not bare:
        return title
    text = "\n".join(byline)
    year = re.search(r"(\d{4})年", bare.group(1) + "年" if bare.group(1) else text)
    place = re.search(r"在(\S{2,8}?(?:省|自治区|市|县|区))第?[一二三四五六七八九十\d]{1,3}届", text) or \
        re.search(r"^(\S{2,8}?(?:省|自治区|市))(?:省长|市长|主席|人民政府)", text, re.M)
    if not (year and place):
        return title
    return f"{year.group(1)}年{place.group(1)}{bare.group(2)}"


def classify(title: str, *, salutation: str | None = None, is_regulation: bool = False) -> str:
    """Return the doc_type suggested by a title (and a speech's salutation).

    >>> classify("国务院办公厅关于印发国家组织药品集中采购和使用试点方案的通知")
    'work_plan'
    >>> classify("2026年北京市政府工作报告"), classify("在全市会议上的讲话")
    ('report', 'speech')
    """
    title = title or ""
    enclosed = re.search(r"印发《(.+?)》的通知", title)
    if enclosed:
        inner = classify(enclosed.group(1))
        if inner != "other":
            return inner
    if re.search(r"(讲话|致辞|发言|主持词|党课|讲稿)$|的说明$|(讲话|致辞)(稿|提纲)?[（(]", title) \
            or re.search(r"在.{2,60}(上|时)的(讲话|致辞|发言)", title):
        return "speech"
    if re.search(r"工作报告|工作总结|报告$|总结$", title):
        return "report"
    if re.search(r"方案", title):
        return "work_plan"
    if re.search(r"意见", title):
        return "opinion"
    if re.search(r"(条例|规定|办法|细则|章程|规则|准则)(（[^）]*）)?$|法$|国务院令", title) or is_regulation:
        return "regulation"
    if re.search(r"(通知|通报|批复|函|决定|公告|通告|命令|决议)$", title):
        return "notice"
    if salutation and _ADDRESS.match(salutation + "，"):
        return "speech"
    return "other"


def marker_level(text: str) -> int:
    """Return the heading level a numbering marker at the start of ``text`` gives (0: none).

    >>> marker_level("（二）加强领导"), marker_level("1.总体要求"), marker_level("统一思想、提高认识")
    (2, 3, 0)
    """
    for level, pattern in _MARKERS:
        if pattern.match(text):
            return level
    return 0


def continues_numbering(number: int, last: int, seen: int) -> bool:
    """Return True when a marker numbered ``number`` continues the numbering of its level.

    ``last`` is the previous number of the level under the current parent (0 right after a
    new parent), ``seen`` the last number of the level anywhere before: a document may
    restart at 1 under each parent, or number （一）…（十五） straight through all parts.
    `bigan check` applies the same rule.

    >>> continues_numbering(2, 1, 1), continues_numbering(4, 0, 3), continues_numbering(5, 0, 3)
    (True, True, False)
    """
    return number == 1 or number == last + 1 or (last == 0 and number == seen + 1)


class _Sections:
    """Build the section tree of a run of paragraphs (the body, or an attachment)."""

    def __init__(self, is_regulation: bool):
        self.is_regulation = is_regulation
        self.last = {1: 0, 2: 0, 3: 0, 4: 0}
        # Some documents number （一）（二） straight through all parts.
        self.seen = {1: 0, 2: 0, 3: 0, 4: 0}

    def build(self, paras: list[_Para]) -> tuple[list[_Para], list[_Node]]:
        opening: list[_Para] = []
        roots: list[_Node] = []
        stack: list[_Node] = []
        queue = list(paras)
        reg_levels = self._regulation_levels(paras) if self.is_regulation else {}
        bodies: dict[int, list[_Para]] = {}  # id(node) -> its paragraphs in order

        while queue:
            para = queue.pop(0)
            head = self._heading(para, reg_levels)
            if head is None:
                rest = self._split_inline(para)
                if rest is not None:
                    queue[:0] = rest
                    continue
                if stack:
                    bodies.setdefault(id(stack[-1]), []).append(para)
                else:
                    opening.append(para)
                continue
            level, marker, heading, body = head
            node = _Node("heading", level, marker, heading, inline=bool(body))
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
            bodies[id(node)] = []
            if body:
                queue.insert(0, _Para(body))

        if not roots and not self.is_regulation:
            # A speech without 一、 headings may still run its parts in: 第一，… / 首先，…其次，…
            parts = _run_in_parts(opening)
            for k, (index, marker) in enumerate(parts):
                end = parts[k + 1][0] if k + 1 < len(parts) else len(opening)
                heading, rest = _lead_sentence(opening[index].text[len(marker):].strip())
                node = _Node("point", 1, marker, heading, inline=True)
                roots.append(node)
                bodies[id(node)] = ([_Para(rest)] if rest else []) + opening[index + 1:end]
            if parts:
                opening = opening[:parts[0][0]]
        for node in _all_nodes(roots):
            _attach_points(node, bodies.get(id(node), []))
        return opening, roots

    def _regulation_levels(self, paras):
        units = {m.group("unit") for p in paras if (m := _REGULATION.match(p.text))}
        order = [u for u in ("编", "章", "节", "条") if u in units]
        return {unit: i + 1 for i, unit in enumerate(order)}

    def _heading(self, para: _Para, reg_levels):
        text = para.text
        if reg_levels:
            match = _REGULATION.match(text)
            if match:
                marker = text[:match.end()].rstrip(" 　")
                rest = text[match.end():].strip()
                level = reg_levels[match.group("unit")]
                if match.group("unit") == "条":
                    return level, marker, "", rest
                return level, marker, rest.rstrip("。"), ""
            return None  # enumerations inside articles stay text
        level = marker_level(text)
        if level:
            match = _MARKERS[level - 1][1].match(text)
            number = cn_number(match.group("n"))
            if not self._in_sequence(level, number):
                return None
            self.last[level] = self.seen[level] = number
            for lower in range(level + 1, 5):
                self.last[lower] = 0
            marker = match.group(0)
            heading, body = _split_heading(text[match.end():])
            return level, marker, heading, body
        if para.level_hint and 1 <= para.level_hint <= 4 and len(text) <= 80:
            heading, body = _split_heading(text)
            return para.level_hint, "", heading, body
        return None

    def _in_sequence(self, level: int, number: int) -> bool:
        return continues_numbering(number, self.last[level], self.seen[level])

    def _split_inline(self, para: _Para):
        """Split a paragraph at the next expected heading marker after an end of sentence."""
        text = para.text
        if len(text) < 40:
            return None
        for match in _INLINE_HEADING.finditer(text):
            pos = match.end()
            if pos <= 0 or pos >= len(text):
                continue
            tail = text[pos:]
            level = marker_level(tail)
            if level not in (1, 2):
                continue
            number = cn_number(_MARKERS[level - 1][1].match(tail).group("n"))
            if number == self.last[level] + 1 and (level == 1 or self.last[1] > 0):
                return [_Para(text[:match.start()].rstrip()), _Para(tail)]
        return None


_PART = lazy(r"^(?P<marker>第(?P<n>[一二三四五六七八九十]{1,3})[，、：]|(?P<word>首先|其次|再次|然后|最后)[，、：])")
_ORDER_WORDS = ("首先", "其次", "再次", "然后", "最后")


def _run_in_parts(paras: list[_Para]) -> list[tuple[int, str]]:
    """Return (paragraph index, marker) of top-level run-in parts: 第一，…第二，… or 首先，…其次，…

    Only markers that open a paragraph count, numbered without a gap (or ordered words
    starting with 首先 and 其次); fewer than two is no series.
    """
    found = [(i, m) for i, p in enumerate(paras) if (m := _PART.match(p.text))]
    series: list[tuple[int, str]] = []
    for index, match in found:
        if not match.group("n"):
            continue
        number = cn_number(match.group("n"))
        if number == len(series) + 1:
            series.append((index, match.group("marker")))
        elif number == 1 and len(series) < 2:
            series = [(index, match.group("marker"))]
    if len(series) >= 2:
        return series
    series, last = [], -1
    for index, match in found:
        word = match.group("word")
        if not word:
            continue
        rank = _ORDER_WORDS.index(word)
        if (not series and word == "首先") or (series and rank > last and (len(series) > 1 or word == "其次")) \
                or (series and word == "其次" and last == 2):
            if word == "首先":
                series = []
            series.append((index, match.group("marker")))
            last = rank
        elif word == "首先" and len(series) < 2:
            series, last = [(index, match.group("marker"))], 0
    return series if len(series) >= 2 else []


def _split_heading(text: str) -> tuple[str, str]:
    """Split "健全制度框架。正文…" into heading and body; a pure heading has no body."""
    text = text.strip()
    end = text.find("。")
    space = re.search(r"(?<=[\u4e00-\u9fff”）])\s+(?=[\u4e00-\u9fff“（])", text)
    if space and (end < 0 or space.start() < end) and space.start() <= 60:
        # A heading whose line break became a space (scraped pages).
        return text[:space.start()], text[space.end():]
    if end < 0:
        return text, ""
    return text[:end], text[end + 1:].strip()


def _all_nodes(nodes):
    for node in nodes:
        yield node
        yield from _all_nodes(node.children)


def _attach_points(node: _Node, paras: list[_Para]) -> None:
    """Give a section its body paragraphs, with run-in points as child nodes before sub-sections."""
    texts = [p.text for p in paras]
    found = _find_points(texts)
    if not found:
        node.paragraphs.extend(texts)
        return
    level = node.level + 1
    points: list[_Node] = []
    first_para, first_pos = found[0][0], found[0][1]
    node.paragraphs.extend(texts[:first_para])
    lead = texts[first_para][:first_pos].strip()
    if lead:
        node.paragraphs.append(lead)
    for n, (pi, start, marker_end, marker) in enumerate(found):
        if n + 1 < len(found):
            npi, nstart = found[n + 1][0], found[n + 1][1]
        else:
            npi, nstart = len(texts) - 1, len(texts[-1])
        pieces = []
        for k in range(pi, npi + 1):
            a = marker_end if k == pi else 0
            b = nstart if k == npi else len(texts[k])
            piece = texts[k][a:b].strip()
            if piece:
                pieces.append(piece)
        heading, rest = _lead_sentence(pieces[0] if pieces else "")
        paragraphs = ([rest] if rest else []) + pieces[1:]
        points.append(_Node("point", level, marker, heading, paragraphs))
    # When no point but the last runs on over several paragraphs, the paragraphs after
    # the last point's own are the part's summary, not that point's.
    last = found[-1]
    extra = len(texts) - 1 - last[0]
    runs_on = any(found[i + 1][0] - found[i][0] > 1 for i in range(len(found) - 1))
    if extra > 0 and not runs_on and not node.children:
        node.after = points[-1].paragraphs[-extra:]
        del points[-1].paragraphs[-extra:]
    node.children[:0] = points


def _lead_sentence(text: str) -> tuple[str, str]:
    match = _SENTENCE_END.search(text)
    if not match:
        return text, ""
    end = match.end()
    heading = text[:end]
    if heading.endswith("。"):
        heading = heading[:-1]
    return heading, text[end:].strip()


def _find_points(texts: list[str]):
    """Return the run-in points of consecutive paragraphs: (para, start, marker end, marker)."""
    candidates = []
    for pi, text in enumerate(texts):
        for match in _POINT.finditer(text):
            family = "第" if match.group("di") else match.group("suffix")
            candidates.append((pi, match.start("marker"), match.end("marker"), match.group("marker"),
                               family, cn_number(match.group("n"))))
    series: list[list] = []
    current: list = []
    for cand in candidates:
        family, number = cand[4], cand[5]
        if current and family == current[-1][4] and number == current[-1][5] + 1:
            current.append(cand)
        elif number == 1:
            if len(current) >= 2:
                series.append(current)
            current = [cand]
        # anything else is a look-alike (一季度 … 三是 out of order) and stays text
    if len(current) >= 2:
        series.append(current)
    return [(c[0], c[1], c[2], c[3]) for s in series for c in s]


def document_text(doc: Document) -> list[str]:
    """Return the document's text in reading order, one string per paragraph or heading line."""
    lines: list[str] = []
    for value in (doc.title, doc.byline):
        if value:
            lines.extend(value.split("\n"))
    if doc.salutation:
        lines.append(doc.salutation + "：")
    lines.extend(doc.opening)

    def walk(section: Section):
        lines.append(heading_line(section))
        lines.extend(section.paragraphs)
        for child in section.children:
            walk(child)
        lines.extend(section.after)

    for section in doc.sections:
        walk(section)
    lines.extend(doc.closing)
    lines.extend(doc.signature)
    for attachment in doc.attachments:
        if attachment.label:
            lines.append(attachment.label)
        if attachment.title:
            lines.append(attachment.title)
        lines.extend(attachment.paragraphs)
        for section in attachment.sections:
            walk(section)
    return lines


def heading_text(section: Section) -> str:
    """Return marker and heading as a reader writes them: 第一章 总则 keeps its space.

    >>> heading_text(Section("heading", 1, "第一章", "总则")), heading_text(Section("heading", 1, "一、", "总则"))
    ('第一章 总则', '一、总则')
    """
    if section.heading and re.fullmatch(rf"第[{_CN_NUM}零〇\d]{{1,6}}[编章节]", section.marker):
        return f"{section.marker} {section.heading}"
    return section.marker + section.heading


def heading_line(section: Section) -> str:
    """Return a heading as written: marker, heading and, for run-in heads, the closing 。."""
    text = heading_text(section)
    if section.kind == "heading" and section.marker.startswith("第") and section.marker.endswith("条"):
        return text  # an article has no heading of its own
    if (section.kind == "point" or section.inline) and section.heading \
            and not _SENTENCE_END.search(section.heading[-1]):
        text += "。"
    return text
