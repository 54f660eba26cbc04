"""Word (.docx) reader: paragraphs in body order, heading levels, automatic numbering labels.

Tables are read cell by cell: every non-empty paragraph of every cell is its own block,
row by row, so a page laid out with tables reads like the page. A government portal's
metadata table (发文机关, 成文日期 …) goes to ``meta`` instead, as in the HTML reader.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from kb.errors import ReadError, printable
from kb.model import Block, RawDocument
from kb.readers.blocks import MAX_PARAGRAPHS, make_block
from kb.readers.portal import MIN_LABELS, meta_from_rows, portal_label
from kb.readers.source import DEFAULT_MAX_BYTES, as_path, format_size, read_bytes

DEFAULT_MAX_EXPANDED = 200_000_000
#: Word's own ceiling for a list's start value; every counter stays below it.
_MAX_NUMBER = 32_767
#: The longest automatic numbering label kept ("第一百二十三章", "1.2.3.4.5.").
_MAX_LABEL = 40

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_INVALID = "不是有效的 Word 文档（.docx）"
_INVALID_HINT = "文件可能已损坏或不完整，请用 Word 或 WPS 打开后另存为 .docx"
# What python-docx and zipfile raise on a damaged package; anything else is a bug.
_PACKAGE_ERRORS = (PackageNotFoundError, zipfile.BadZipFile, zlib.error, EOFError, KeyError,
                   ValueError, NotImplementedError, etree.XMLSyntaxError)

_HEADING_NAME_RE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_TITLE_NAMES = {"title", "标题"}


def read_docx(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
              max_expanded: int = DEFAULT_MAX_EXPANDED) -> RawDocument:
    """Return the paragraphs of the Word document at ``path``."""
    path = as_path(path)
    return raw_from_docx_bytes(read_bytes(path, max_bytes), path, max_expanded=max_expanded)


def raw_from_docx_bytes(data: bytes, path, *, max_expanded: int = DEFAULT_MAX_EXPANDED) -> RawDocument:
    """Return the RawDocument of a .docx file's bytes; ``path`` names it in messages.

    The package is checked before python-docx opens it: its expanded size must stay
    under ``max_expanded`` and it must hold ``word/document.xml``.
    """
    if data.startswith(_OLE2_MAGIC):
        raise ReadError(path, "这是旧版 Word 文档（.doc）或加了密码的文档，不支持读取",
                        "请用 Word 或 WPS 打开后另存为 .docx（不设密码）")
    _check_package(data, path, max_expanded)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        styles = _Styles(document.styles.element)
        numbering = _Numbering(_numbering_element(document), styles)
        # Numbering and styles are read lazily, paragraph by paragraph: their damage
        # surfaces here, and is this file's failure, not the batch's.
        meta, meta_tables = _portal_meta(body)
        blocks = []
        for paragraph in body.iter(f"{_W}p"):
            if _skipped(paragraph, meta_tables):
                continue
            block = _paragraph_block(paragraph, styles, numbering)
            if block is not None:
                blocks.append(block)
    except _PACKAGE_ERRORS:
        raise ReadError(path, _INVALID, _INVALID_HINT) from None
    if not blocks:
        raise ReadError(path, "文件是空的", "Word 文档里没有找到文字，请确认正文不是图片")
    return RawDocument(path=printable(path), blocks=tuple(blocks), meta=meta, format="docx")


def _check_package(data: bytes, path, max_expanded: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise ReadError(path, _INVALID, _INVALID_HINT) from None
    expanded = sum(info.file_size for info in infos)
    if expanded > max_expanded:
        raise ReadError(path, f"Word 文档解压后有 {format_size(expanded)}，超过 {format_size(max_expanded)} 的上限，"
                        "可能是恶意构造的文件", "请确认文件来源，或调高解压大小上限")
    if "word/document.xml" not in {info.filename for info in infos}:
        raise ReadError(path, f"{_INVALID}：缺少 word/document.xml", "请用 Word 或 WPS 打开后另存为 .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            xml = package.read("word/document.xml")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
        raise ReadError(path, _INVALID, _INVALID_HINT) from None
    # Counted on the bytes, before parsing: an XML tree of millions of elements is
    # what costs the memory. The w: prefix is what Word and WPS write.
    paragraphs = xml.count(b"<w:p>") + xml.count(b"<w:p ") + xml.count(b"<w:p/>")
    if paragraphs > MAX_PARAGRAPHS:
        raise ReadError(path, f"Word 文档有 {paragraphs:,} 个段落，超过 {MAX_PARAGRAPHS:,} 个的上限，"
                        "可能是恶意构造的文件", "请确认文件来源，或把文档拆分后再入库")


def _numbering_element(document):
    # python-docx raises NotImplementedError for documents without a numbering part.
    try:
        return document.part.numbering_part.element
    except NotImplementedError:
        return None


def _skipped(paragraph, meta_tables) -> bool:
    """Return True for paragraphs that are not text of the document flow.

    ``mc:Fallback`` repeats a text box for old readers; tables in ``meta_tables`` went to meta.
    """
    for ancestor in paragraph.iterancestors():
        if ancestor.tag == _MC_FALLBACK or ancestor in meta_tables:
            return True
    return False


def _paragraph_block(paragraph, styles: "_Styles", numbering: "_Numbering") -> Block | None:
    if len(paragraph) == 0:
        return None  # <w:p/>: nothing to read
    text = _paragraph_text(paragraph)
    if not text.strip():
        return None  # empty paragraphs neither count in a list nor make a block
    ppr = paragraph.find(f"{_W}pPr")
    style_id = _val(ppr.find(f"{_W}pStyle")) if ppr is not None else None
    level, is_title = styles.heading(style_id)
    own_level = _outline_level(ppr)
    if own_level is not False:
        level = own_level
    marker = ""
    num_id, ilvl = styles.numbering(style_id)
    own = ppr.find(f"{_W}numPr") if ppr is not None else None
    if own is not None:
        own_num = _val(own.find(f"{_W}numId"))
        own_ilvl = _val(own.find(f"{_W}ilvl"))
        num_id = own_num if own_num is not None else num_id
        ilvl = _number(own_ilvl, ilvl)
    if num_id not in (None, "0"):
        marker = numbering.next_label(num_id, ilvl or 0)
    if is_title:
        level = 0
    return make_block(text, level=level, marker=marker, is_title=is_title)


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"):
        if _inside_nested(node, paragraph):
            continue
        tag = node.tag
        if tag == f"{_W}t":
            # An entity reference is never resolved: it stays a child node, and only the
            # text around it counts (no external file is ever read into the document).
            parts.append(node.text or "")
            parts.extend(child.tail or "" for child in node)
        elif tag == f"{_W}tab":
            if node.getparent().tag == f"{_W}r":  # not a tab stop definition in pPr
                parts.append("\t")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif node.get(f"{_W}type") not in ("page", "column"):
            parts.append("\n")
    return "".join(parts)


def _inside_nested(node, paragraph) -> bool:
    """Return True when ``node`` belongs to a text box or a deletion inside ``paragraph``."""
    parent = node.getparent()
    while parent is not None and parent is not paragraph:
        if parent.tag in (f"{_W}txbxContent", f"{_W}del", _MC_FALLBACK, f"{_W}pPr"):
            return True
        parent = parent.getparent()
    return False


def _val(element) -> str | None:
    return None if element is None else element.get(f"{_W}val")


def _number(value: str | None, default):
    """Return a numbering value (level, start, restart) as an int up to Word's ceiling, else ``default``.

    >>> _number("03", 1), _number("abc", 1), _number("²", 1), _number("9" * 5000, 1)
    (3, 1, 1, 32767)
    """
    if value is None:
        return default
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return default
    value = value.lstrip("0") or "0"
    # Never int() thousands of digits: Python refuses them, and they mean nothing here.
    return int(value) if len(value) <= 5 and int(value) <= _MAX_NUMBER else _MAX_NUMBER


def _outline_level(ppr):
    """Return the heading level of a pPr's outline level, None for body text, False when unset."""
    if ppr is None:
        return False
    value = _number(_val(ppr.find(f"{_W}outlineLvl")), None)
    if value is None:
        return False
    return value + 1 if value < 9 else None


class _Styles:
    """Paragraph styles: heading level, title flag and numbering, following basedOn."""

    def __init__(self, styles_element):
        self.by_id = {}
        self.default = None
        for style in styles_element.iter(f"{_W}style"):
            if style.get(f"{_W}type", "paragraph") != "paragraph":
                continue
            self.by_id[style.get(f"{_W}styleId")] = style
            if style.get(f"{_W}default") in ("1", "true", "on"):
                self.default = style
        self._cache = {}

    def _chain(self, style_id):
        style = self.by_id.get(style_id) if style_id is not None else self.default
        seen = set()
        while style is not None and id(style) not in seen and len(seen) < 32:
            seen.add(id(style))
            yield style
            style = self.by_id.get(_val(style.find(f"{_W}basedOn")))

    def heading(self, style_id) -> tuple[int | None, bool]:
        """Return (heading level, is title) the style declares."""
        key = ("heading", style_id)
        if key not in self._cache:
            self._cache[key] = self._heading(style_id)
        return self._cache[key]

    def _heading(self, style_id):
        level, is_title, named = False, False, False
        for style in self._chain(style_id):
            name = (_val(style.find(f"{_W}name")) or "").strip()
            if not named and name:
                if name.lower() in _TITLE_NAMES:
                    is_title, named = True, True
                match = _HEADING_NAME_RE.match(name)
                if match:
                    named = True
                    if level is False:
                        level = int(match.group(1))
            if level is False:
                level = _outline_level(style.find(f"{_W}pPr"))
            if level is not False and named:
                break
        return (None if level is False else level), is_title

    def numbering(self, style_id) -> tuple[str | None, int | None]:
        """Return (numId, ilvl) a style's numPr gives, or (None, None)."""
        for style in self._chain(style_id):
            ppr = style.find(f"{_W}pPr")
            numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
            if numpr is not None:
                return _val(numpr.find(f"{_W}numId")), _number(_val(numpr.find(f"{_W}ilvl")), None)
        return None, None

    def num_id_of(self, style_id) -> str | None:
        """Return the numId a numbering style links to (numStyleLink)."""
        return self.numbering(style_id)[0]


class _Numbering:
    """Word's automatic numbering: counts per numId and level, in document order."""

    def __init__(self, element, styles: _Styles):
        self.abstracts = {}
        self.nums = {}
        self.styles = styles
        self.counters: dict[str, dict[int, int]] = {}
        self._cache: dict = {}
        if element is None:
            return
        for abstract in element.iter(f"{_W}abstractNum"):
            self.abstracts[abstract.get(f"{_W}abstractNumId")] = abstract
        for num in element.iter(f"{_W}num"):
            self.nums[num.get(f"{_W}numId")] = num

    def _levels(self, num_id, depth=0) -> dict:
        """Return {ilvl: (start, numFmt, lvlText, isLgl, restart)} of a numId."""
        if num_id not in self._cache:
            self._cache[num_id] = self._read_levels(num_id, depth)
        return self._cache[num_id]

    def _read_levels(self, num_id, depth) -> dict:
        num = self.nums.get(num_id)
        if num is None or depth > 4:
            return {}
        abstract = self.abstracts.get(_val(num.find(f"{_W}abstractNumId")))
        if abstract is None:
            return {}
        link = _val(abstract.find(f"{_W}numStyleLink"))
        if link is not None:
            # The list is defined by a numbering style, which points at another numId.
            linked = self.styles.num_id_of(link)
            levels = self._levels(linked, depth + 1) if linked not in (None, num_id) else {}
        else:
            levels = {}
            for lvl in abstract.findall(f"{_W}lvl"):
                levels[_number(lvl.get(f"{_W}ilvl"), 0)] = _level_definition(lvl)
        for override in num.findall(f"{_W}lvlOverride"):
            ilvl = _number(override.get(f"{_W}ilvl"), 0)
            lvl = override.find(f"{_W}lvl")
            if lvl is not None:
                levels[ilvl] = _level_definition(lvl)
            start = _number(_val(override.find(f"{_W}startOverride")), None)
            if start is not None and ilvl in levels:
                levels[ilvl] = (start,) + levels[ilvl][1:]
        return levels

    def next_label(self, num_id: str, ilvl: int) -> str:
        """Return the label of the next paragraph numbered at (num_id, ilvl), counting it."""
        levels = self._levels(num_id)
        if ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = min(counts[ilvl] + 1, _MAX_NUMBER) if ilvl in counts else levels[ilvl][0]
        for deeper in [d for d in counts if d > ilvl]:
            restart = levels.get(deeper, (1, "", "", False, deeper))[4]
            if ilvl < restart:  # lvlRestart counts levels from 1; 0 means never restart
                del counts[deeper]
        start, fmt, text, legal, _ = levels[ilvl]
        if fmt == "bullet":
            return ""

        def placeholder(match):
            level = int(match.group(1)) - 1
            definition = levels.get(level)
            if definition is None:
                return ""
            value = counts.get(level, definition[0])
            return format_number(value, "decimal" if legal and level != ilvl else definition[1])

        return re.sub(r"%([1-9])", placeholder, text[:_MAX_LABEL]).strip()[:_MAX_LABEL]


def _level_definition(lvl) -> tuple:
    ilvl = _number(lvl.get(f"{_W}ilvl"), 0)
    legal = lvl.find(f"{_W}isLgl")
    return (_number(_val(lvl.find(f"{_W}start")), 1),
            _val(lvl.find(f"{_W}numFmt")) or "decimal",
            _val(lvl.find(f"{_W}lvlText")) or "",
            legal is not None and _val(legal) not in ("0", "false", "off"),
            _number(_val(lvl.find(f"{_W}lvlRestart")), ilvl))


_CHINESE_DIGITS = "〇一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def format_number(n: int, fmt: str) -> str:
    """Return ``n`` written in a Word numFmt.

    >>> [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 105)]
    ['一', '十', '十一', '二十', '一百零五']
    >>> format_number(3, "ideographTraditional"), format_number(4, "upperRoman")
    ('丙', 'IV')
    """
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "koreanCounting"):
        return _chinese_number(n, "零" + _CHINESE_DIGITS[1:], "十百千")
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese_number(n, _LEGAL_DIGITS, "拾佰仟")
    if fmt in ("ideographDigital", "japaneseDigitalTenThousand", "taiwaneseDigital"):
        return "".join(_CHINESE_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _HEAVENLY_STEMS[n - 1]
    if fmt == "ideographZodiac" and 1 <= n <= 12:
        return _EARTHLY_BRANCHES[n - 1]
    if fmt in ("upperLetter", "lowerLetter") and 1 <= n <= 780:  # Word stops at 30 letters too
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and 1 <= n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


def _chinese_number(n: int, digits: str, units: str) -> str:
    if n <= 0 or n >= 10000:
        return str(n)
    out = []
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10 ** power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append(digits[0])
            zero = False
        unit = units[power - 1] if power else ""
        # 十一, not 一十一, when the number starts with the tens.
        if not (power == 1 and digit == 1 and not out):
            out.append(digits[digit])
        out.append(unit)
    return "".join(out)


def _roman(n: int) -> str:
    out = []
    for value, symbol in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


def _portal_meta(body) -> tuple[dict, set]:
    rows, tables = [], set()
    for row in body.iter(f"{_W}tr"):
        cells = ["".join(_paragraph_text(p) for p in cell.iter(f"{_W}p") if not _skipped(p, ()))
                 for cell in row.findall(f"{_W}tc")]
        if any(portal_label(text) for text in cells):
            rows.append(cells)
            table = row.getparent()
            if table is not None:
                tables.add(table)
    meta, labels = meta_from_rows(rows)
    if labels < MIN_LABELS:
        return {}, set()
    return meta, tables
