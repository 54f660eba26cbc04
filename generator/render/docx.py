"""Render a Document to .docx in the GB/T 9704-2012 layout."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping

from kb.model import Document

from generator.profile import LayoutProfile, load_profile
from generator.render import _wordxml as wx
from generator.render._walk import Para, note_for, walk_document

# Breaking a long title: a line may end after 的/上 or after a common closing word of an
# official-text phrase, or before 暨/《; after 和/与/及 is second best; a plain middle cut is
# the fallback (segmentation lives in kb.analysis and a title needs no dictionary).
_GOOD_ENDS = ("的", "上", "》", "工作", "建设", "发展", "会议", "组织", "活动", "改革",
              "管理", "服务", "体系", "机制", "制度", "环境", "意见", "方案", "通知", "规划")
_GOOD_STARTS = "暨《"
_NO_START = "，。、；：！？）》」』”’…—"
_NO_END = "（《「『“‘"


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
        elif para.role == "byline":
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
    """Return ``title`` broken into balanced lines of at most ``max_chars`` characters.

    Upper lines are as long as or longer than lower ones (an inverted trapezoid); a line
    prefers to end after 的/上 or a common word (工作, 建设, 会议…) near its
    balanced length, never before closing
    punctuation or after opening punctuation. Half-width characters count as half.

    >>> break_title("关于进一步加强和改进新时代基层党组织建设工作的实施意见", 20)
    ['关于进一步加强和改进新时代基层党组织', '建设工作的实施意见']
    >>> break_title("在全市优化营商环境暨招商引资工作会议上的讲话", 20)
    ['在全市优化营商环境暨招商引资工作', '会议上的讲话']
    >>> break_title("关于开展安全生产检查的通知", 20)
    ['关于开展安全生产检查的通知']
    """
    total = _width(title)
    if total <= max_chars:
        return [title]
    lines_needed = math.ceil(total / max_chars)
    lines = []
    rest = title
    for remaining in range(lines_needed, 1, -1):
        target = math.ceil(_width(rest) / remaining)
        cut = _best_cut(rest, target, max_chars)
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return lines


def _width(text: str) -> float:
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def _best_cut(text: str, target: float, max_chars: int) -> int:
    best, best_score = None, None
    for cut in range(1, len(text)):
        upper = _width(text[:cut])
        if upper > max_chars or upper < target:
            continue  # too long for a line, or shorter than the lines below
        if text[cut] in _NO_START or text[cut - 1] in _NO_END:
            continue
        if text[cut - 1].isascii() and text[cut].isascii() and text[cut].isalnum():
            continue  # inside a number or a Latin word
        score = upper - target
        if text[:cut].endswith(_GOOD_ENDS) or text[cut] in _GOOD_STARTS:
            score -= 6
        elif text[cut - 1] in "和与及":
            score -= 3
        if best_score is None or score < best_score:
            best, best_score = cut, score
    return best if best is not None else min(len(text) - 1, max(1, round(target)))


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


