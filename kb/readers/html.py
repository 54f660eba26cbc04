"""HTML reader for pages saved from sites, and the element walker the Markdown reader shares."""

from __future__ import annotations

import codecs
import re
import unicodedata

import lxml.html
from lxml import etree

from kb.errors import ReadError, printable
from kb.model import Block, RawDocument
from kb.readers.blocks import make_block, strip_controls
from kb.readers.encoding import decode_bytes
from kb.readers.portal import MIN_LABELS, meta_from_rows, portal_label
from kb.readers.source import DEFAULT_MAX_BYTES, as_path, read_bytes
from kb.readers.txt import is_run_together

#: Elements that start and end a paragraph; everything else is inline and joins the text.
_BLOCK_TAGS = frozenset("""
    address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend
    li main menu nav ol p pre section summary table tbody td tfoot th thead tr ul
""".split())
_HEADING_TAGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 5}

#: Never text a reader wants, wherever they sit.
_ALWAYS_DROP = frozenset("""
    script style noscript template head title iframe object embed svg math select textarea
    input
""".split())
#: Page furniture, dropped when the page does not mark its content (no UCAP-CONTENT).
_FURNITURE = frozenset("nav header footer form button aside".split())
#: A block whose text is more than this share link text is a list of links (menus, "related").
_LINK_SHARE = 0.6

_CONTENT_ID = "UCAP-CONTENT"
_META_CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_HTML_WHITESPACE_RE = re.compile(r"[ \t\n\r\f]+")
_HTML_START_RE = re.compile(
    r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|table|p|span|h[1-6])[\s>/]",
    re.I | re.S)


def read_html(path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Return the paragraphs and portal metadata of the saved web page at ``path``."""
    path = as_path(path)
    data = read_bytes(path, max_bytes)
    return raw_from_html(decode_html(data, path, encoding), path)


def decode_html(data: bytes, path, encoding: str | None = None) -> str:
    """Return the text of an HTML file: ``encoding``, else BOM, else ``<meta charset>``, else detection."""
    if encoding or data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(data, path, encoding)
    match = _META_CHARSET_RE.search(data[:4096])
    if match:
        declared = match.group(1).decode("ascii").lower()
        if declared in ("gb2312", "gbk", "x-gbk"):
            declared = "gb18030"
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # pages often declare a charset they were not saved in
    return decode_bytes(data, path)


def looks_like_html(text: str) -> bool:
    """Return True when ``text`` starts with HTML markup (a page saved as .txt or .doc).

    >>> looks_like_html('<div class="wrap"><p>正文</p></div>')
    True
    >>> looks_like_html("《关于加强管理的通知》")
    False
    """
    return bool(_HTML_START_RE.match(text[:2048].lstrip("\ufeff")))


def raw_from_html(text: str, path) -> RawDocument:
    """Return the RawDocument of an HTML page's text; ``path`` names it in messages."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReadError(path, "文件是空的", "请确认文件里有正文")
    # lxml refuses str input that carries an XML encoding declaration.
    text = strip_controls(_XML_DECLARATION_RE.sub("", text, count=1))
    try:
        root = lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(huge_tree=True))
    except etree.ParserError:
        raise ReadError(path, "网页中没有找到正文", "请确认文件是保存下来的完整网页") from None
    meta, meta_tables = portal_meta(root)
    content = _content_root(root)
    marked = content is not root and content.get("id") == _CONTENT_ID
    drop = _ALWAYS_DROP if marked else _ALWAYS_DROP | _FURNITURE
    blocks = blocks_from_element(content, drop_tags=drop, drop_link_lists=not marked,
                                 drop_elements=meta_tables)
    if "title" not in meta and not any(b.is_title for b in blocks):
        title = _page_title(root)
        if title is not None:
            blocks.insert(0, title)
    if not blocks:
        raise ReadError(path, "网页中没有找到正文", "请确认文件是保存下来的完整网页")
    return RawDocument(path=printable(path), blocks=tuple(blocks), meta=meta, format="html",
                       run_together=is_run_together([b.text for b in blocks]))


def _content_root(root):
    found = root.xpath("//*[@id=$id]", id=_CONTENT_ID)
    if found:
        return found[0]
    body = root.find("body")
    return body if body is not None else root


def _page_title(root) -> Block | None:
    title = root.find("head/title")
    if title is None:
        return None
    return make_block(_normalise_space(title.text_content()), level=0, is_title=True)


def portal_meta(root) -> tuple[dict, set]:
    """Return the government portal metadata (issuer, date, doc_number, title, published) and its tables.

    The tables are returned so that the walker leaves them out of the content.
    """
    rows, tables = [], set()
    for row in root.iter("tr"):
        cells = [cell.text_content() for cell in row if cell.tag in ("td", "th")]
        if any(portal_label(text) for text in cells):
            rows.append(cells)
            table = next(row.iterancestors("table"), None)
            if table is not None:
                tables.add(table)
    meta, labels = meta_from_rows(rows)
    if labels < MIN_LABELS:
        return {}, set()
    return meta, tables


def blocks_from_element(root, *, drop_tags=_ALWAYS_DROP, drop_link_lists: bool = False,
                        drop_elements=frozenset()) -> list[Block]:
    """Return the paragraphs under ``root``: block elements split, inline text joined.

    Walks with an explicit stack, so pages nested thousands deep do not hit Python's
    recursion limit. ``<h1>`` gives a title block (level 0), ``<h2>``..``<h6>`` levels
    1..5; items of an ``<ol>`` get their number as marker.
    """
    link_lists = _link_lists(root, drop_tags) if drop_link_lists else set()
    walker = _Walker()
    stack = [(root, False)]
    while stack:
        element, leaving = stack.pop()
        if leaving:
            walker.leave(element)
            if element is not root:
                walker.add_text(element.tail)
            continue
        tag = element.tag if isinstance(element.tag, str) else None
        if (tag is None or tag in drop_tags or element in drop_elements or element in link_lists
                or _hidden(element)):
            # A comment or dropped element still has the text that follows it.
            if element is not root:
                walker.add_text(element.tail)
            continue
        tag = tag.lower()
        if tag == "pre":
            walker.add_pre(element.text_content())
            if element is not root:
                walker.add_text(element.tail)
            continue
        walker.enter(element, tag)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    walker.flush()
    return walker.blocks


class _Walker:
    """The paragraph being collected while walking, and the blocks done so far."""

    def __init__(self):
        self.blocks: list[Block] = []
        self.pieces: list[str] = []
        self.heading: int | None = None
        self.lists: list[int | None] = []  # next number of each open <ol>, None for <ul>
        self.marker = ""

    def add_text(self, text):
        if text:
            self.pieces.append(text)

    def add_pre(self, text: str):
        self.flush()
        for line in text.splitlines():
            self._append(make_block(line))

    def enter(self, element, tag: str):
        if tag == "br":
            self.flush()
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag in _HEADING_TAGS:
                self.heading = _HEADING_TAGS[tag]
            elif tag == "ol":
                self.lists.append(_int_attribute(element, "start", 1))
            elif tag == "ul" or tag == "menu":
                self.lists.append(None)
            elif tag == "li":
                self.marker = ""
                if self.lists and self.lists[-1] is not None:
                    number = _int_attribute(element, "value", self.lists[-1])
                    self.marker = f"{number}."
                    self.lists[-1] = number + 1
        self.add_text(element.text)

    def leave(self, element):
        tag = element.tag.lower()
        if tag in _BLOCK_TAGS:
            self.flush()
            if tag in _HEADING_TAGS:
                self.heading = None
            elif tag in ("ol", "ul", "menu") and self.lists:
                self.lists.pop()
            elif tag == "li":
                self.marker = ""

    def flush(self):
        text = _normalise_space("".join(self.pieces))
        self.pieces = []
        if self.heading is not None:
            block = make_block(text, level=self.heading, is_title=self.heading == 0)
        else:
            block = make_block(text, marker=self.marker)
        if block is not None:
            self.marker = ""  # an item's number goes on its first paragraph only
        self._append(block)

    def _append(self, block):
        if block is not None:
            self.blocks.append(block)


def _int_attribute(element, name: str, default: int) -> int:
    try:
        return int(element.get(name, default))
    except ValueError:
        return default


def _hidden(element) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style) and "display:none" in style.replace(" ", "").lower()


def _link_lists(root, drop_tags) -> set:
    """Return the block elements under ``root`` whose text is mostly link text."""
    totals: dict = {}
    links: dict = {}
    found = set()
    elements = list(root.iter())
    for element in reversed(elements):  # children before their parents
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag is None or tag in drop_tags:
            totals[element] = links[element] = 0
            continue
        total = _visible_len(element.text)
        link = 0
        for child in element:
            tail = _visible_len(child.tail)
            total += totals[child] + tail
            link += links[child]
            if tag == "a":
                link += tail
        if tag == "a":
            link = total
        totals[element], links[element] = total, link
        if element is not root and tag in _BLOCK_TAGS and total and link > _LINK_SHARE * total:
            found.add(element)
    return found


def _visible_len(text) -> int:
    return len("".join(text.split())) if text else 0


def _normalise_space(text: str) -> str:
    """Return text with HTML whitespace collapsed; a line break between Chinese characters vanishes.

    >>> _normalise_space("  各地区\\n  各部门  要 ")
    '各地区各部门 要 '
    >>> _normalise_space("open\\nsource")
    'open source'
    """
    def replace(match):
        run = match.group(0)
        if "\n" in run or "\r" in run:
            start, end = match.span()
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            if _is_wide(before) or _is_wide(after):
                return ""
        return " "

    return _HTML_WHITESPACE_RE.sub(replace, text).lstrip(" ")


def _is_wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")
