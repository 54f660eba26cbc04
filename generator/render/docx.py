"""Render a Document to .docx in the GB/T 9704-2012 layout."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from kb.model import Document

from generator.profile import LayoutProfile, load_profile
from generator.render import _wordxml as wx
from generator.render._walk import Para, note_for, walk_document

# Breaking a long title: a line never ends inside a word (the segmenter of kb.analysis
# decides what a word is) nor inside a number with its measure word (十九届, 2025年), and
# avoids ending inside 《…》; it prefers to end after 的/上 or a common closing word of an
# official-text phrase, or before 暨/《; after 和/与/及 is second best.
_GOOD_ENDS = ("的", "上", "》", "工作", "建设", "发展", "会议", "组织", "活动", "改革",
              "管理", "服务", "体系", "机制", "制度", "环境", "意见", "方案", "通知", "规划")
_GOOD_STARTS = "暨《"
_NO_START = "，。、；：！？）》」』”’…—"
_NO_END = "（《「『“‘"
# One-character words that stand on their own at a line's end or start without harm.
_LOOSE_CHARS = set("的在上和与及暨对于之等为把")
_COUNTED = re.compile(r"[第]?[0-9０-９一二三四五六七八九十百千〇零两]+[届次年月日号个项条批期轮号]")
_BOOK_TITLE = re.compile(r"《[^《》]*》")

def render_docx(doc: Document, path, *, profile: LayoutProfile | None = None,
                comments: Mapping[str, str] | None = None) -> None:
    """Write ``doc`` to the .docx file ``path`` (through a temporary file) in the profile's layout."""
    profile = profile or load_profile()
    document = build_docx(doc, profile=profile, comments=comments)
    wx.save_atomically(document, path, fallbacks=wx.font_fallbacks(profile))


def build_docx(doc: Document, *, profile: LayoutProfile, comments: Mapping[str, str] | None = None,
               template: bool = False):
    """Return the python-docx Document of ``doc`` (private to generator: not for public signatures)."""
    document = wx.new_document(profile)
    paras = walk_document(doc)
    signature_indents = _signature_indents(paras, profile)
    for index, para in enumerate(paras):
        paragraph = _add_paragraph(document, para, profile)
        if para.role in ("signature", "date"):
            right = signature_indents[index]
            wx.set_paragraph_indent(paragraph, right=wx.chars_twips(right, profile.size(para.role)),
                                    rightChars=round(right * 100))
        elif para.continuation:
            # Items 2, 3… of 附件：1.…  align under item 1 (2 indent chars + 附件： three chars).
            chars = profile.paragraph.first_line_indent_chars + 3
            wx.set_paragraph_indent(paragraph, left=wx.chars_twips(chars, profile.size("body")),
                                    leftChars=round(chars * 100), firstLine=0, firstLineChars=0)
        blank = profile.line_pitch_twips
        after_title = profile.paragraph.title_blank_lines_after * blank
        following = paras[index + 1].role if index + 1 < len(paras) else ""
        if para.role == "title" and following != "byline" and not para.attachment:
            wx.set_spacing(paragraph, after=after_title)
        elif para.role == "byline" and following != "byline":
            # One blank line under the last 题注 line, none between them.
            wx.set_spacing(paragraph, after=after_title)
        elif para.role == "attachment_title":
            wx.set_spacing(paragraph, before=blank, after=after_title)
        if profile.paragraph.blank_line_before_signature and _starts_block(paras, index):
            wx.set_spacing(paragraph, before=blank)
        if comments and not template:
            note = note_for(para, comments)
            if note is not None and paragraph.runs:
                document.add_comment(paragraph.runs, text=wx.xml_text(note), author="笔杆",
                                     initials="BG")
    return document


def break_title(title: str, max_chars: int) -> list[str]:
    """Return ``title`` broken between words into balanced lines of at most ``max_chars``.

    Upper lines are as long as or longer than lower ones (an inverted trapezoid); a line
    never ends inside a word, avoids ending inside 《…》, prefers to end after 的/上 or a
    common word (工作, 建设, 会议…) near its balanced length, and never ends before closing
    punctuation or after opening punctuation. Half-width characters count as half.

    >>> break_title("关于进一步加强和改进新时代基层党组织建设工作的实施意见", 20)
    ['关于进一步加强和改进新时代基层党组织', '建设工作的实施意见']
    >>> break_title("在全市优化营商环境暨招商引资工作会议上的讲话", 20)
    ['在全市优化营商环境', '暨招商引资工作会议上的讲话']
    >>> break_title("关于开展安全生产检查的通知", 20)
    ['关于开展安全生产检查的通知']
    """
    total = _width(title)
    if total <= max_chars:
        return [title]
    inside = _inside_words(title)
    books = _inside_book_titles(title)
    fewest = math.ceil(total / max_chars)
    # One more line rather than a cut inside a word (a 40-character title has exactly one
    # place to cut into two lines of 20).
    for count in (fewest, fewest + 1):
        lines = _break(title, count, max_chars, inside, books, strict=True)
        if lines:
            return lines
    return _break(title, fewest, max_chars, inside, books, strict=False)


def _break(title: str, count: int, max_chars: int, inside: set[int], books: set[int], *,
           strict: bool) -> list[str] | None:
    lines = []
    start = 0
    for remaining in range(count, 1, -1):
        rest = title[start:]
        target = math.ceil(_width(rest) / remaining)
        cut = _best_cut(rest, target, max_chars, remaining,
                        {c - start for c in inside if c > start},
                        {c - start for c in books if c > start}, strict=strict)
        if cut is None:
            if strict:
                return None
            cut = min(len(rest) - 1, max(1, round(target)))
        lines.append(rest[:cut])
        start += cut
    lines.append(title[start:])
    return lines


def _width(text: str) -> float:
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def _inside_words(title: str) -> set[int]:
    """Return the cut positions (between title[i-1] and title[i]) that fall inside a word."""
    from kb.analysis import words

    inside: set[int] = set()
    lowered = title.lower()
    position = 0
    singles: list[tuple[int, int]] = []
    for word in words(title):
        found = lowered.find(word, position)
        if found < 0:
            continue
        end = found + len(word)
        inside.update(range(found + 1, end))
        if len(word) == 1 and word not in _LOOSE_CHARS and word.isalpha() and not word.isascii():
            singles.append((found, end))
        position = end
    # A lone character the dictionary did not join (化 in 集约化 is joined; 届 in 十九届 is
    # not) belongs with its neighbours: cut on neither side of it.
    for found, end in singles:
        inside.update((found, end))
    for match in _COUNTED.finditer(title):
        inside.update(range(match.start() + 1, match.end()))
    inside.discard(0)
    inside.discard(len(title))
    return inside


def _inside_book_titles(title: str) -> set[int]:
    inside: set[int] = set()
    for match in _BOOK_TITLE.finditer(title):
        inside.update(range(match.start() + 1, match.end()))
    return inside


def _best_cut(text: str, target: float, max_chars: int, remaining: int, inside: set[int],
              books: set[int], *, strict: bool) -> int | None:
    best, best_score = None, None
    for cut in range(1, len(text)):
        upper = _width(text[:cut])
        if upper > max_chars or _width(text[cut:]) > max_chars * (remaining - 1):
            continue  # this line or the lines below too long
        if text[cut] in _NO_START or text[cut - 1] in _NO_END:
            continue
        if text[cut - 1].isascii() and text[cut].isascii() and text[cut].isalnum():
            continue  # inside a number or a Latin word
        if strict and cut in inside:
            continue
        # Balance: a line a little longer than its share is fine, a much longer one leaves
        # a stub below (…》 / 的通知); a shorter upper line (a trapezoid rather than an
        # inverted one) costs more, and is taken to keep a word or a 《…》 whole.
        over = upper - target
        score = over * over / 4 if over >= 0 else 2 - 1.5 * over
        if cut in inside:
            score += 30
        if cut in books:
            score += 25
        if abs(over) > 4:
            pass  # a good place to end a line does not make up for a stub below it
        elif text[:cut].endswith(_GOOD_ENDS) or text[cut] in _GOOD_STARTS:
            score -= 6
        elif text[cut - 1] in "和与及":
            score -= 3
        if best_score is None or score < best_score:
            best, best_score = cut, score
    return best


def _add_paragraph(document, para: Para, profile: LayoutProfile):
    spec = wx.STYLES[para.role if para.role != "attachment_title" else "title"]
    paragraph = document.add_paragraph(style=document.styles[spec.name])
    if para.role in ("title", "attachment_title"):
        lines = break_title(wx.xml_text(para.text), profile.paragraph.title_max_chars)
        for number, line in enumerate(lines):
            run = wx.add_run(paragraph, line, profile, "title", char_grid=False)
            if number < len(lines) - 1:
                wx.add_break(run)
        return paragraph
    for run in para.runs:
        if not run.text:
            continue
        element = "body" if run.element == "point_lead" else run.element
        bold = (run.element == "point_lead" and profile.paragraph.bold_point_leads) or (
            element == "heading3" and profile.paragraph.heading3_bold)
        wx.add_run(paragraph, run.text, profile, element, bold=bold, char_grid=spec.char_grid)
    return paragraph


def _signature_indents(paras: list[Para], profile: LayoutProfile) -> dict[int, float]:
    # GB/T 9704 7.3.5.2: signature 2 chars in from the right; the date on the next line starts
    # 2 chars right of the signature's first character; a longer date sits 2 chars in itself
    # and pushes the signature left.
    margin = profile.paragraph.signature_right_chars
    shift = profile.paragraph.date_shift_chars
    indents: dict[int, float] = {}
    signature_width = None
    for index, para in enumerate(paras):
        if para.role == "signature":
            indents[index] = margin
            signature_width = _width(para.text)
        elif para.role == "date":
            width = _width(para.text)
            if signature_width is None:
                indents[index] = margin
                continue
            date_indent = margin + signature_width - shift - width
            if date_indent < margin:
                signature_indent = margin + width + shift - signature_width
                for earlier in range(index - 1, -1, -1):
                    if paras[earlier].role != "signature":
                        break
                    indents[earlier] = signature_indent
                date_indent = margin
            indents[index] = date_indent
            signature_width = None
    return indents


def _starts_block(paras: list[Para], index: int) -> bool:
    # 附件说明 and the signature each sit one blank line below what precedes them.
    role = paras[index].role
    previous = paras[index - 1].role if index else ""
    if role == "attachment_note":
        return not paras[index].continuation and previous != "attachment_note"
    return role in ("signature", "date") and previous not in ("signature", "date")


