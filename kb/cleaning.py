"""Cleaning: remove site noise, restore lost paragraph breaks, normalise punctuation.

Cleaning works on a :class:`RawDocument` and returns a new one; it never
touches the original file. It is idempotent: the cleaned text of a clean
document equals its input.

>>> clean_text("同志们:今天(上午)召开会议,研究“1+4”工作。")
'同志们：今天（上午）召开会议，研究“1+4”工作。'
>>> clean_text("GB/T 9704-2012 规定 A4 纸, 每页 22 行")
'GB/T 9704-2012 规定 A4 纸，每页 22 行'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from kb.model import Block, RawDocument
from kb.patterns import lazy

# Characters that make the neighbourhood "Chinese text" for punctuation width.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULL_PUNCT = "，。、；：！？（）【】《》“”‘’…—·「」『』〔〕"
_CHINESE = lazy(f"[{_HAN}{_FULL_PUNCT}×]")
_HAN_RE = lazy(f"[{_HAN}]")

_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}

# Whole lines left by template sites and portals. Matched after stripping.
_NOISE_LINES = [
    lazy(r"^-?\s*\d{4}-\d{1,2}-\d{1,2}\s*发布\s*\|?$"),          # - 2021-05-07 发布 |
    lazy(r"^-?\s*[\d.]+\s*[KMG]B\s*\|?$", re.I),                  # - 37.5 KB |
    lazy(r"^-?\s*\d+\s*页$"),                                     # - 8页
    lazy(r"^申明敬告[:：].*"),
    lazy(r"^(文档介绍|文档简介|内容简介|相关文档|相关推荐|相关报道[:：]?|猜你喜欢|热门推荐)$"),
    lazy(r"^(下载|打印|全屏|收藏|分享(到)?[:：]?|加大|还原|减小|大|中|小|】|【(字号|字体)[:：]?)$"),
    lazy(r"^(【[^【】\n]{1,8}】\s*)+$"),                              # 【字号】【打印】【关闭】
    lazy(r"^【(字号|字体)[:：]?[^】]*】.*$"),
    # breadcrumbs: 您的位置：首页 > 要闻, 首页 > 政务公开 > 正文
    lazy(r"^(您的位置|您现在的位置|当前位置|所在位置)\s*[:：].{0,80}$"),
    lazy(r"^首页\s*[>＞»›/].{0,80}$"),
    lazy(r"^(视频|图片|音频)[:：].{0,80}$"),
    lazy(r"^.{0,50}(日报|晚报|新闻|网|社|台|报)\s*记者\s*[\u4e00-\u9fff·]{2,4}$"),  # caption, photographer
    lazy(r"^(责任编辑|编辑|校对|审核)[:：].{0,30}$"),
    lazy(r"^.{0,40}(记者|摄影)\s*\S{1,12}\s*摄[）)]?$"),           # photo captions
    lazy(r"^.{0,160}(记者|摄影)\s*[\u4e00-\u9fff·]{2,4}(\s+[\u4e00-\u9fff·]{2,4})*\s*摄[）)]?$"),
    lazy(r"^(扫一扫|扫描二维码|打印本页|关闭窗口|返回顶部)\S{0,20}$"),
]
_SOURCE_LINE = lazy(r"^(?:(?P<when>\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?\s*[\d:：]*)\s*)?"
                          r"来源[:：]\s*(?P<source>\S.{0,60}?)\s*$")
_TIME_LINE = lazy(r"^(?:发布)?时间[:：]\s*(?P<when>\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?[\s\d:：]*)$")
# One line of page furniture: date, 来源, 发表时间, 作者 and widgets separated by | or spaces.
_WIDGETS = lazy(r"【[^【】\n]{0,12}】|[【\[]?(?:字体|字号)[:：]\s*(?:[大中小]\s*){1,3}[】\]]?")
_FURNITURE_PIECE = lazy(
    r"^(?:(?P<date>\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\s*\d{1,2}[:：时]\d{1,2}(?:[:：分]\d{0,2}秒?)?)?)"
    r"|(?:发表|发布)?(?:时间|日期)[:：](?P<when>\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?"
    r"(?:\s*\d{1,2}[:：时]\d{1,2}(?:[:：分]\d{0,2}秒?)?)?)"
    r"|来源[:：](?P<source>.{1,40})"
    r"|(?:作者|编辑|责任编辑|浏览次数|点击数|阅读)[:：].{0,20}"
    r"|(?:分享到?|打印|关闭|收藏)[:：]?)$")
_PIECE_SPLIT = lazy(r"\s*[|｜]\s*|[\s\u3000]{1,}")
_DATE_TIME_LINE = lazy(r"^\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?\s*\d{1,2}[:：时]\d{1,2}分?(?:[:：]\d{1,2})?$")
#: A news agency's dateline, "新华社北京9月9日电" (with a reporter's note): metadata, not text.
_DATELINE = lazy(r"^(?P<dateline>[\u4e00-\u9fff·]{2,14}\d{1,2}月\d{1,2}日(?:电|讯)"
                       r"(?:[\s\u3000]*[（(]记者[^）)]{0,40}[）)])?)(?:$|[\s\u3000]+(?=\S)|(?<=[）)]))")
_TRAILING_NOISE = lazy(r"(查看更多|展开全文|点击查看全文|阅读全文|全文完)\s*$")
_TITLE_SUFFIX = lazy(r"\s*\d{2,6}字(?:范文稿|范文|稿|精选)?$|\s*[（(]?范文(?:稿)?[)）]?$")

# A lost paragraph break: whitespace after an end of sentence or a salutation.
_RUN_BREAK = lazy(r"(?<=[。！？：；!?:;])[ \t\u3000]+(?=\S)"
                        r"|[ \t\u3000]+(?=[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")


#: A numbering marker opening a paragraph with brackets of mixed width or inner spaces: "(四）", "（ 五 ）".
_MIXED_MARKER = lazy(r"^[（(]\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[）)]")


def clean_text(text: str) -> str:
    """Return one paragraph with normalised punctuation width and whitespace."""
    text = _strip_controls(text)
    text = _MIXED_MARKER.sub(r"（\1）", text.lstrip(" \t\u3000"), count=1)
    text = _normalise_parens(text)
    text = _normalise_quotes(text)
    text = _normalise_marks(text)
    return _normalise_spaces(text)


#: Characters that normalise() may change; text without any is returned as it is (fast path).
_NORMALISE_NEEDED = lazy("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a％＋．／［］\\[\\],:;!?()\"【]")
_WIDE_ALNUM = lazy("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_WIDE_SIGNS = str.maketrans({"％": "%", "＋": "+"})
_WIDE_BETWEEN = lazy(r"(?<=[0-9A-Za-z])[．／](?=[0-9A-Za-z])")
#: A document number's year in brackets of any kind: 国发[2019]4号, 国发［2019］4号 → 国发〔2019〕4号.
_DOC_NUMBER_YEAR = lazy(f"(?<=[{_HAN}])[\\[［【(（]\\s*(\\d{{4}})\\s*[\\]］】)）](?=\\s*\\d{{1,5}}\\s*号)")


def normalise(text: str) -> str:
    """Return the form of ``text`` that search compares: the one function for passages and queries.

    Letters and digits at full width become ASCII (NFKC), ％ and ＋ too; half-width
    punctuation touching Chinese becomes full width, as cleaning does; the year of a
    document number takes 〔〕 whatever brackets it was written with. Idempotent.

    >>> normalise("各位老师,同学们"), normalise("增长5.5％"), normalise("１＋Ｘ，ＧＤＰ")
    ('各位老师，同学们', '增长5.5%', '1+X，GDP')
    >>> normalise("国发[2019]4号"), normalise("国发［2019］4号"), normalise("国发〔2019〕4号")
    ('国发〔2019〕4号', '国发〔2019〕4号', '国发〔2019〕4号')
    """
    if not _NORMALISE_NEEDED.search(text):
        return text
    text = _WIDE_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    text = _WIDE_BETWEEN.sub(lambda m: "." if m.group(0) == "．" else "/", text.translate(_WIDE_SIGNS))
    text = _DOC_NUMBER_YEAR.sub(r"〔\1〕", text)
    # A converted mark makes its neighbour's neighbourhood Chinese ("::中", "(),〔" whose comma
    # turns full width and then its brackets): repeat until stable.
    while True:
        marked = _normalise_marks(_normalise_quotes(_normalise_parens(text)))
        if marked == text:
            return text
        text = marked


def clean_title(title: str) -> str:
    """Return a title without a template site's "4120字范文稿" suffix."""
    title = clean_text(title)
    return _TITLE_SUFFIX.sub("", title).strip() or title


def clean_document(raw: RawDocument) -> RawDocument:
    """Return the document with site noise removed and every paragraph cleaned."""
    meta = dict(raw.meta)
    blocks: list[Block] = []
    pending_source = False  # a "来源：" whose value sits on the next line
    for block in raw.blocks:
        text = block.text.strip(" \t\r\n\u3000\ufeff")
        if not text:
            continue
        if pending_source:
            pending_source = False
            if len(text) <= 20 and not re.search(r"[。，；：！？]", text):
                meta.setdefault("source", text)
                continue
        if re.fullmatch(r"来源\s*[:：]", text):
            pending_source = True
            continue
        if _is_noise(text):
            continue
        if _take_metadata_line(text, meta):
            continue
        dateline = _DATELINE.match(text)
        if dateline:
            meta.setdefault("dateline", dateline.group("dateline"))
            text = text[dateline.end():].strip()
            if not text:
                continue
        blocks.append(replace(block, text=text))

    blocks = _drop_repeated_title(blocks)
    if blocks and blocks[-1].text:
        last = _TRAILING_NOISE.sub("", blocks[-1].text).rstrip()
        blocks[-1] = replace(blocks[-1], text=last)

    split: list[Block] = []
    for index, block in enumerate(blocks):
        notes = _split_byline_notes(block.text) if index < 12 else None
        if notes:
            split.extend(replace(block, text=note) for note in notes)
        elif raw.run_together or len(block.text) > 300:
            split.extend(_split_run_together(block))
        else:
            split.append(block)

    cleaned = []
    for index, block in enumerate(split):
        text = clean_text(block.text)
        if index == 0 or block.is_title:
            if _looks_like_title(text):
                text = clean_title(text)
        if text:
            cleaned.append(replace(block, text=text))
    return replace(raw, blocks=tuple(cleaned), meta=meta)


_NOTE_START = lazy(r"(?:根据)?(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_NOTE_END = lazy(r"(?:通过|修正|修订|公布|发布|印发|施行|批准)$")


def _split_byline_notes(text: str) -> list[str] | None:
    """Return the 题注 lines of a law's adoption and amendment notes run into one paragraph, or None.

    >>> _split_byline_notes("（2001年1月1日某会议通过　根据2010年2月2日某决定修正）")
    ['2001年1月1日某会议通过', '根据2010年2月2日某决定修正']
    """
    inner = text.strip()
    if inner.startswith(("（", "(")) and inner.endswith(("）", ")")):
        inner = inner[1:-1]
    pieces = [p for p in re.split(r"[\s\u3000；;]+(?=(?:根据)?(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年)", inner) if p]
    if len(pieces) < 2:
        return None
    if all(_NOTE_START.match(p) and _NOTE_END.search(p.rstrip("。；;")) for p in pieces):
        return [p.rstrip("；;") for p in pieces]
    return None


def _is_noise(text: str) -> bool:
    return any(p.match(text) for p in _NOISE_LINES)


def _take_metadata_line(text: str, meta: dict) -> bool:
    """Move a "来源：…" / "时间：…" line into the metadata; True when it was one."""
    match = _SOURCE_LINE.match(text)
    if match and len(text) <= 80:
        meta.setdefault("source", match.group("source").strip())
        if match.group("when"):
            meta.setdefault("published", match.group("when").strip())
        return True
    match = _TIME_LINE.match(text)
    if match:
        meta.setdefault("published", match.group("when").strip())
        return True
    if _DATE_TIME_LINE.match(text):
        meta.setdefault("published", text)
        return True
    return _take_furniture_line(text, meta)


def _take_furniture_line(text: str, meta: dict) -> bool:
    """Take a line of date, 来源, 发表时间 and widgets ("2013-05-06 | 来源：某网 |【大 中 小】")."""
    if len(text) > 120:
        return False
    had_widgets = bool(_WIDGETS.search(text))
    rest = _WIDGETS.sub(" ", text)
    rest = re.sub(r"([:：])[\s\u3000]+", r"\1", rest)
    pieces = [p for p in _PIECE_SPLIT.split(rest) if p]
    found = {}
    for piece in pieces:
        match = _FURNITURE_PIECE.match(piece)
        if not match:
            return False
        for key in ("date", "when", "source"):
            if match.group(key) and key not in found:
                found[key] = match.group(key).strip()
    if not (had_widgets or "source" in found or "when" in found):
        return False  # a date alone on a line may be a signature's
    if "source" in found:
        meta.setdefault("source", found["source"])
    when = found.get("when") or found.get("date")
    if when:
        meta.setdefault("published", when)
    return True


def _drop_repeated_title(blocks: list[Block]) -> list[Block]:
    """Remove a title that a site repeated at the start of the body."""
    if len(blocks) < 2:
        return blocks
    first = blocks[0].text
    if not _looks_like_title(first):
        return blocks
    out = [blocks[0]]
    for block in blocks[1:3]:
        if block.text == first:
            continue
        if block.text.startswith(first) and len(block.text) > len(first):
            block = replace(block, text=block.text[len(first):].lstrip(" \t\u3000"))
        out.append(block)
    out.extend(blocks[3:])
    return out


def _looks_like_title(text: str) -> bool:
    return 0 < len(text) <= 80 and not text.endswith(("。", "；", "，"))


def _split_run_together(block: Block) -> list[Block]:
    """Split a block whose paragraph breaks became spaces (scraped pages)."""
    parts = [p for p in _RUN_BREAK.split(block.text) if p.strip()]
    if len(parts) <= 1:
        return [block]
    return [replace(block, text=p.strip()) for p in parts]


_CONTROL = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def _is_chinese(ch: str) -> bool:
    return bool(ch) and bool(_CHINESE.match(ch))


def _normalise_marks(text: str) -> str:
    if not any(ch in text for ch in _WIDTH):
        return text
    out = []
    for i, ch in enumerate(text):
        if ch in _WIDTH:
            prev = _prev_visible(text, i)
            nxt = _next_visible(text, i)
            if _is_chinese(prev) or (_is_chinese(nxt) and not (prev.isascii() and prev.isalpha())):
                if not (ch == ":" and prev.isdigit() and nxt.isdigit()):
                    out.append(_WIDTH[ch])
                    continue
        out.append(ch)
    return "".join(out)


def _prev_visible(text: str, i: int) -> str:
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return text[j] if j >= 0 else ""


def _next_visible(text: str, i: int) -> str:
    j = i + 1
    while j < len(text) and text[j] in " \t":
        j += 1
    return text[j] if j < len(text) else ""


_ASCII_PAREN = lazy(r"\(([^()\n]{0,80})\)")


def _normalise_parens(text: str) -> str:
    if "(" not in text:
        return text

    def convert(match: re.Match) -> str:
        inner = match.group(1)
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if _HAN_RE.search(inner) or _is_chinese(before) or _is_chinese(after):
            return f"（{inner}）"
        return match.group(0)

    return _ASCII_PAREN.sub(convert, text)


_ASCII_QUOTE = lazy(r'"([^"\n]{1,200})"')


def _normalise_quotes(text: str) -> str:
    if '"' not in text:
        return text
    return _ASCII_QUOTE.sub(
        lambda m: f"“{m.group(1)}”" if _HAN_RE.search(m.group(1)) else m.group(0), text)


_SPACE_RUN = lazy(r"[ \t\u3000\u00a0]+")
_SPACE_NEAR_PUNCT = lazy(f"[ ]+(?=[{_FULL_PUNCT}])|(?<=[{_FULL_PUNCT}])[ ]+")


_LINE_BREAK_IN_HAN = lazy(f"(?<=[{_HAN}{_FULL_PUNCT}])[ \t]*\n[ \t]*(?=[{_HAN}{_FULL_PUNCT}])")


def _normalise_spaces(text: str) -> str:
    # A line break inside a paragraph (a title broken with <w:br/>) joins without a space.
    text = _LINE_BREAK_IN_HAN.sub("", text).replace("\n", " ")
    text = _SPACE_RUN.sub(" ", text)
    text = _SPACE_NEAR_PUNCT.sub("", text)
    return text.strip()
