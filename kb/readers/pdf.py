"""PDF reader: the text layer, rebuilt into paragraphs.

pdfminer.six gives every glyph with its box; lines are rebuilt from the glyphs,
page numbers (— 3 —, 第3页, 3/12) and running headers and footers that repeat on
every page are dropped, two-column pages are read column by column, and lines are
joined into paragraphs the way a reader sees them: a line that ends well before
the right margin ends its paragraph, an indented line (首行缩进) starts one, a line
that fills the measure goes on, across a page break too. A centred title broken
over several lines is one paragraph. The cleaning and structure layers then work
on the paragraphs as for any other format.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from kb.errors import ReadError, printable
from kb.model import RawDocument
from kb.readers.blocks import make_block

__all__ = ["raw_from_pdf_bytes"]

_SCANNED = "这是扫描件，没有文字层，无法读取文字"
_SCANNED_HINT = "请先用 OCR 软件识别成文字，或找到原始的 Word 文件"
_ENCRYPTED = "PDF 文件加了密码，无法读取文字"
_ENCRYPTED_HINT = "请用知道密码的软件打开后另存为不加密的 PDF，或找到原始的 Word 文件"
_INVALID = "不是有效的 PDF 文件"
_INVALID_HINT = "文件可能已损坏或下载不完整，请重新下载或找到原始的 Word 文件"

_DASHES = "-－—–―‒"
_PAGE_NUMBER_RE = re.compile(
    rf"^(?:[{_DASHES}]\s*\d{{1,4}}\s*[{_DASHES}]"      # — 3 —, - 3 -
    r"|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?"  # 第3页, 第3页 共12页
    r"|\d{1,4}\s*/\s*\d{1,4}"                          # 3/12
    r"|(?:page\s*)?\d{1,4})$", re.I)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_OPENING = "（(“‘《〈【［〔「『"
_CLOSING = "，。、；：？！）)”’》〉】］〕」』…—"


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float     # distance from the page's top edge
    bottom: float
    size: float    # the commonest glyph size of the line
    frame: tuple[float, float] = (0.0, 0.0)  # left and right margin of the text block it is in


@dataclass
class _Page:
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    columns: bool = False


def raw_from_pdf_bytes(data: bytes, path) -> RawDocument:
    """Return the paragraphs of a PDF file's text layer; ``path`` names it in messages."""
    pages = _read_pages(data, path)
    if not any(page.lines for page in pages):
        raise ReadError(path, _SCANNED, _SCANNED_HINT)
    _drop_page_furniture(pages)
    _order_columns(pages)
    paragraphs = _paragraphs(pages)
    blocks = [block for text in paragraphs if (block := make_block(text)) is not None]
    if not blocks:
        raise ReadError(path, _SCANNED, _SCANNED_HINT)
    return RawDocument(path=printable(path), blocks=tuple(blocks), meta={}, format="pdf")


# -- glyphs to lines -------------------------------------------------------------------------

def _read_pages(data: bytes, path) -> list[_Page]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.psexceptions import PSException

    def glyphs(container):
        for item in container:
            if isinstance(item, LTChar):
                yield item
            elif isinstance(item, LTContainer):  # figures (forms) hold glyphs too
                yield from glyphs(item)

    # pdfminer logs what it works around (a "no copying" flag, a damaged xref) as
    # warnings; a reader's messages are its ReadErrors, so keep them off stderr.
    miner_log = logging.getLogger("pdfminer")
    if not any(isinstance(h, logging.NullHandler) for h in miner_log.handlers):
        miner_log.addHandler(logging.NullHandler())
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=None)  # glyphs only: lines are ours
    interpreter = PDFPageInterpreter(manager, device)
    found = []
    try:
        for page in PDFPage.get_pages(io.BytesIO(data), check_extractable=False):
            interpreter.process_page(page)
            layout = device.get_result()
            found.append((layout.bbox, list(glyphs(layout))))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ReadError(path, _ENCRYPTED, _ENCRYPTED_HINT) from None
    except (PDFException, PSException, ValueError, KeyError, TypeError, IndexError, AssertionError,
            AttributeError, ZeroDivisionError, OverflowError, RecursionError, EOFError):
        # pdfminer raises all of these on damaged files; none of them is ours.
        raise ReadError(path, _INVALID, _INVALID_HINT) from None
    if not found:
        raise ReadError(path, _INVALID, _INVALID_HINT)
    return [_Page(width=x1 - x0, height=y1 - y0, lines=_lines(chars, y1))
            for (x0, y0, x1, y1), chars in found]


def _lines(chars, page_top: float) -> list[_Line]:
    """Return the text lines of a page's glyphs, top to bottom, left to right."""
    seen = set()
    glyphs = []
    for char in chars:
        text = char.get_text()
        if not text.strip() or not char.upright:
            continue
        key = (text, round(char.x0), round(char.y0))
        if key in seen:  # fake bold: the same glyph drawn twice
            continue
        seen.add(key)
        glyphs.append(char)
    glyphs.sort(key=lambda c: (-(c.y0 + c.y1) / 2, c.x0))
    rows: list[list] = []
    for char in glyphs:
        middle = (char.y0 + char.y1) / 2
        if rows and abs(rows[-1][0] - middle) <= max(char.size, 1.0) * 0.4:
            rows[-1][1].append(char)
        else:
            rows.append([middle, [char]])
    lines = []
    for _middle, row in rows:
        row.sort(key=lambda c: c.x0)
        start = 0
        for index in range(1, len(row) + 1):
            # A gap of three characters or more is a column gutter or a tab stop: a new line.
            if index == len(row) or row[index].x0 - row[index - 1].x1 > 3 * max(row[index].size, 1.0):
                lines.append(_make_line(row[start:index], page_top))
                start = index
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines


def _make_line(chars, page_top: float) -> _Line:
    parts = []
    for previous, char in zip([None, *chars], chars):
        text = char.get_text()
        if previous is not None and char.x0 - previous.x1 > 0.2 * char.size \
                and _latin_gap(previous.get_text()[-1], text[0]):
            parts.append(" ")  # a space between two Latin words (digits run into 年 without one)
        parts.append(text)
    sizes = Counter(round(c.size, 1) for c in chars)
    return _Line(text="".join(parts), x0=chars[0].x0, x1=max(c.x1 for c in chars),
                 top=page_top - max(c.y1 for c in chars), bottom=page_top - min(c.y0 for c in chars),
                 size=sizes.most_common(1)[0][0])


# -- page numbers, running headers and footers -----------------------------------------------

def _drop_page_furniture(pages: list[_Page]) -> None:
    """Remove page numbers and headers/footers repeated on most pages (first and last two lines)."""
    def edges(page: _Page):
        return page.lines[:2] + page.lines[-2:]

    repeated: Counter = Counter()
    for page in pages:
        repeated.update({_furniture_key(line, page) for line in edges(page)})
    enough = max(2, (len(pages) * 3 + 4) // 5)  # on at least 60% of the pages, and on two
    for page in pages:
        drop = set()
        for line in edges(page):
            if _PAGE_NUMBER_RE.match(line.text.strip()) \
                    or (len(pages) >= 2 and repeated[_furniture_key(line, page)] >= enough):
                drop.add(id(line))
        page.lines = [line for line in page.lines if id(line) not in drop]


def _furniture_key(line: _Line, page: _Page):
    # Same words (page numbers within them aside) in the same band of the page.
    band = "top" if line.top < page.height / 2 else "bottom"
    return band, re.sub(r"\d+", "#", line.text.replace(" ", ""))


# -- reading order -----------------------------------------------------------------------------

def _order_columns(pages: list[_Page]) -> None:
    """Read two-column pages left column first; set each line's frame (its text block's margins).

    Single-column pages share one frame, measured over all of them, so that the
    short last page of a document is judged by the same margins as the others.
    """
    single: list[_Line] = []
    for page in pages:
        lines = page.lines
        if not lines:
            continue
        frame = _frame(lines)
        middle = (frame[0] + frame[1]) / 2
        left = [line for line in lines if line.x1 < middle]
        right = [line for line in lines if line.x0 > middle]
        if not (len(left) >= 3 and len(right) >= 3 and len(left) + len(right) >= 0.6 * len(lines)):
            single += lines
            continue
        page.columns = True
        left_frame, right_frame = _frame(left), _frame(right)
        ordered: list[_Line] = []
        pending_left: list[_Line] = []
        pending_right: list[_Line] = []
        for line in lines:  # lines spanning both columns (a title) separate column runs
            if line.x1 < middle:
                line.frame = left_frame
                pending_left.append(line)
            elif line.x0 > middle:
                line.frame = right_frame
                pending_right.append(line)
            else:
                line.frame = frame
                ordered += pending_left + pending_right + [line]
                pending_left, pending_right = [], []
        page.lines = ordered + pending_left + pending_right
    if single:
        frame = _frame(single)
        for line in single:
            line.frame = frame


def _frame(lines: list[_Line]) -> tuple[float, float]:
    """Return the left and right margins of a block of lines.

    The left margin is the commonest start of body-size lines (not indented); the right
    one is where three in four long lines ending in a character (not a hanging mark) end.
    """
    body = _body_size(lines)
    sized = [line for line in lines if abs(line.size - body) < 0.6] or lines
    starts = Counter(round(line.x0) for line in sized)
    top = starts.most_common(1)[0][1]
    left = float(min(x for x, count in starts.items() if count >= max(1, top // 3)))
    longest = max(line.x1 for line in sized)
    ends = sorted(line.x1 for line in sized
                  if line.x1 > left + 0.7 * (longest - left) and line.text[-1:] not in _CLOSING)
    if not ends:
        return left, longest
    return left, ends[min(len(ends) - 1, (len(ends) * 3) // 4)]


def _body_size(lines: list[_Line]) -> float:
    sizes = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


# -- lines to paragraphs -----------------------------------------------------------------------

def _paragraphs(pages: list[_Page]) -> list[str]:
    lines = [line for page in pages for line in page.lines]
    if not lines:
        return []
    body = _body_size(lines)
    paragraphs: list[list[_Line]] = []
    previous = None
    for line in lines:
        if previous is None or _starts_paragraph(line, previous, body):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
        previous = line
    return [_join(group) for group in paragraphs]


def _starts_paragraph(line: _Line, previous: _Line, body: float) -> bool:
    size = max(previous.size, 1.0)
    left, right = line.frame
    if _centred(previous) and _centred(line) and abs(line.size - previous.size) < 0.6 \
            and line.size > body + 0.6 and line.top > previous.top:
        return False  # a title in a larger size broken over lines
    if abs(line.size - previous.size) >= 0.6:
        return True
    if line.x0 > left + 0.8 * size:
        return True  # first-line indent, or a centred or right-aligned line
    short = previous.frame[1] - previous.x1
    if short > 1.5 * size and not (short < 4.5 * size and _pushed_down(line.text)):
        return True  # the line before ended well before the right margin
    if line.top > previous.top and line.top - previous.bottom > 2.2 * size:
        return True  # a blank line's worth of space between them
    return False


def _pushed_down(text: str) -> bool:
    """Return True when a line starts the way line-breaking rules (禁则) push text to the next line.

    An opening bracket or quote may not end a line, a closing mark may not start one
    (so the character before it moves down too), and a number or Latin word is not
    broken: in left-aligned text the line before then ends a character or a few short.
    """
    return bool(text) and (text[0] in _OPENING or text[0].isascii() and text[0].isalnum()
                           or text[1:2] in _CLOSING and text[1:2] != "")


def _centred(line: _Line) -> bool:
    left, right = line.frame
    slack_left, slack_right = line.x0 - left, right - line.x1
    return slack_left > line.size and abs(slack_left - slack_right) < 1.5 * line.size


def _latin_gap(before: str, after: str) -> bool:
    """Return True when a gap between these characters is a space (Latin words, numbers)."""
    return bool(before) and before.isascii() and before not in "([{\"'" and bool(_ASCII_WORD.match(after))


def _join(lines: list[_Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        if _latin_gap(text[-1:], line.text[:1]):
            text += " "  # Latin text wrapped at a space
        text += line.text
    return text
