"""One walk of the document model into laid-out paragraphs, shared by the renderers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kb.model import Document, Section
from kb.structure import heading_line

_DATE = re.compile(r"^(\d{4}|[〇○零一二三四五六七八九十]{4})\s*年.{1,3}月.{1,3}日$|日期】$")
_NOTE_START = re.compile(r"^附\s*件\s*[：:]")
_NOTE_ITEM = re.compile(r"^\d+[.．、]")
_PUBLISH_NOTE = re.compile(r"^[（(](此件|本件)[^）)]{0,20}[）)]$")
_SALUTATION = re.compile(r"^[^。！？；，,.;!?]{2,30}[：:]$")
# 第一章, 第三节, 第十二条: the unit decides a regulation heading's look.
_REGULATION_MARKER = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+(编|章|节|条)$")
# A 题注 under a regulation's title: "2003年8月27日 …会议通过", "（…修正）".
_ADOPTION_NOTE = re.compile(r"^[（(]?\s*(\d{4}|[〇○零一二三四五六七八九]{4})\s*年.{0,200}"
                            r"(通过|修正|修订|公布|施行|颁布|批准|发布)[^。]{0,80}$")


@dataclass(frozen=True)
class Run:
    """A stretch of text with the element whose font it takes."""

    text: str
    element: str  # a profile element, or "point_lead" (body font, bold by option)


@dataclass(frozen=True)
class Para:
    """One output paragraph: its role (the style), its runs and where its text came from."""

    role: str  # title byline salutation body heading1..4 signature date attachment_note
    #            attachment_label attachment_title
    runs: tuple[Run, ...]
    level: int = 0
    kind: str = ""  # "point" or "inline" for run-in body paragraphs
    sources: tuple[str, ...] = ()
    continuation: bool = False  # second and later lines of an attachment note
    attachment: bool = False

    @property
    def text(self) -> str:
        """Return the paragraph's whole text."""
        return "".join(run.text for run in self.runs)


def walk_document(doc: Document) -> list[Para]:
    """Return the paragraphs of ``doc`` in order, each with its role and runs."""
    paras: list[Para] = [Para("title", (Run(doc.title, "title"),))]
    byline = [line for line in (doc.byline or "").split("\n") if line.strip()]
    opening = list(doc.opening)
    salutation = doc.salutation
    if salutation:
        # The parser keeps the salutation without its colon.
        salutation += "" if salutation.endswith(("：", ":")) else "："
    elif byline and _SALUTATION.match(byline[-1]) and not is_date_line(byline[-1]):
        # Text kept as it was (--keep-text) may end "同志们:" with a half-width colon, which
        # the parser does not take for a salutation; it still stands flush left.
        salutation = byline.pop()
    elif opening and _SALUTATION.match(opening[0]):
        salutation = opening.pop(0)
    paras.extend(Para("byline", (Run(line, "byline"),)) for line in byline)
    if salutation:
        paras.append(Para("salutation", (Run(salutation, "salutation"),)))
    body: list[Para] = []
    if not doc.byline and _is_regulation(doc):
        # The parser may leave the adoption and amendment notes in the opening: under the
        # title they are 题注, each a paragraph of its own.
        while opening and len(opening[0]) <= 300 and _ADOPTION_NOTE.match(opening[0]):
            paras.append(Para("byline", (Run(opening.pop(0), "byline"),)))
    body.extend(_plain(text) for text in opening)
    for section in doc.sections:
        body.extend(_section(section))
    body.extend(_plain(text) for text in doc.closing)
    paras.extend(_mark_attachment_notes(body))
    paras.extend(_signature(doc.signature))
    for number, attachment in enumerate(doc.attachments, start=1):
        label = attachment.label or (f"附件{number}" if len(doc.attachments) > 1 else "附件")
        paras.append(Para("attachment_label", (Run(label, "attachment_label"),), attachment=True))
        if attachment.title:
            paras.append(Para("attachment_title", (Run(attachment.title, "title"),),
                              attachment=True))
        paras.extend(_plain(text) for text in attachment.paragraphs)
        for section in attachment.sections:
            paras.extend(_section(section))
    return paras


def is_date_line(text: str) -> bool:
    """Return True when ``text`` is a 成文日期 line (2020年1月5日, 二〇二〇年一月五日)."""
    return bool(_DATE.search(text.strip()))


def heading_element(level: int) -> str:
    """Return the profile element of a heading level (levels past 4 take level 4's look)."""
    return f"heading{min(max(level, 1), 4)}"


def regulation_unit(section: Section) -> str:
    """Return 编, 章, 节 or 条 when ``section`` is a regulation's division, else ""."""
    match = _REGULATION_MARKER.match(section.marker.strip())
    return match.group(1) if match else ""


def _is_regulation(doc: Document) -> bool:
    return doc.doc_type == "regulation" or any(regulation_unit(s) == "条" for s in doc.walk())


def _plain(text: str) -> Para:
    return Para("body", (Run(text, "body"),), sources=(text,))


def _lead(section: Section) -> str:
    # heading_line puts back the 。 the parser took off a run-in heading; an article
    # (第一条) had a full-width space after its marker.
    line = heading_line(section)
    if not section.heading and section.marker.startswith("第") and section.marker.endswith("条"):
        line += "\u3000"
    return line


def _section(section: Section) -> list[Para]:
    out: list[Para] = []
    paragraphs = section.paragraphs
    unit = regulation_unit(section)
    if unit in ("编", "章", "节"):
        # Chapters and sections of a regulation stand centred on their own line.
        role = "regulation_section" if unit == "节" else "chapter"
        out.append(Para(role, (Run(_spaced(section.marker, section.heading), role),),
                        level=section.level))
    elif unit == "条":
        # "第一条" in 黑体, the article's text after it on the same line in the body font.
        first = paragraphs[0] if paragraphs else ""
        runs = (Run(section.marker + "\u3000", "article_lead"),) + (
            (Run(first, "body"),) if first else ())
        out.append(Para("body", runs, level=section.level, kind="article",
                        sources=(first,) if first else ()))
        paragraphs = paragraphs[1:]
    elif section.kind == "point":
        first = paragraphs[0] if paragraphs else ""
        lead = _lead(section)
        runs = (Run(lead, "point_lead"),) + ((Run(first, "body"),) if first else ())
        out.append(Para("body", runs, level=section.level, kind="point",
                        sources=(first,) if first else ()))
        paragraphs = paragraphs[1:]
    elif section.inline and section.level > 1 and paragraphs:
        element = heading_element(section.level)
        lead = _lead(section)
        out.append(Para("body", (Run(lead, element), Run(paragraphs[0], "body")),
                        level=section.level, kind="inline", sources=(paragraphs[0],)))
        paragraphs = paragraphs[1:]
    elif section.inline and section.level > 1 and section.children \
            and section.children[0].kind == "point":
        # "（二）强化引领。一是……": the heading ran into its first point; keep them together.
        element = heading_element(section.level)
        first, *rest = _section(section.children[0])
        out.append(Para("body", (Run(_lead(section), element),) + first.runs,
                        level=section.level, kind="inline", sources=first.sources))
        out.extend(rest)
        for child in section.children[1:]:
            out.extend(_section(child))
        out.extend(_plain(text) for text in section.after)
        return out
    else:
        # A level-1 heading (一、) always stands alone, whatever the source looked like: a
        # text that lost its paragraph breaks must not set it run-in in the body font.
        element = heading_element(section.level)
        line = _lead(section) if section.inline and section.level > 1 \
            else section.marker + section.heading
        out.append(Para(element, (Run(line, element),), level=section.level))
    out.extend(_plain(text) for text in paragraphs)
    for child in section.children:
        out.extend(_section(child))
    out.extend(_plain(text) for text in section.after)
    return out


def _spaced(marker: str, heading: str) -> str:
    # "第一章　总则": a full-width space between the number and the name, as laws print it.
    return marker + ("\u3000" + heading.strip() if heading.strip() else "")


def _mark_attachment_notes(body: list[Para]) -> list[Para]:
    out: list[Para] = []
    in_note = False
    for para in body:
        text = para.text
        if para.role == "body" and not para.kind and _NOTE_START.match(text):
            out.append(Para("attachment_note", (Run(text, "attachment_note"),), sources=(text,)))
            in_note = True
        elif in_note and para.role in ("body", "heading3") and _NOTE_ITEM.match(text):
            out.append(Para("attachment_note", (Run(text, "attachment_note"),), sources=(text,),
                            continuation=True))
        else:
            out.append(para)
            in_note = False
    return out


def _signature(lines: tuple[str, ...]) -> list[Para]:
    # The parser puts 附件：… notes and （此件公开发布） in the signature block too.
    out = []
    in_note = False
    for line in lines:
        if _NOTE_START.match(line) or (in_note and _NOTE_ITEM.match(line)):
            out.append(Para("attachment_note", (Run(line, "attachment_note"),), sources=(line,),
                            continuation=in_note))
            in_note = True
            continue
        in_note = False
        if _PUBLISH_NOTE.match(line):
            out.append(_plain(line))
            continue
        role = "date" if is_date_line(line) else "signature"
        out.append(Para(role, (Run(line, role),)))
    return out


def note_for(para: Para, comments: Mapping[str, str]) -> str | None:
    """Return the comment (a borrowed paragraph's source) to attach to a body paragraph, if any."""
    if para.role not in ("body", "attachment_note"):
        return None
    for key in (para.text, *para.sources):
        if key in comments:
            return comments[key]
    return None
