"""Cut a Document into Passages: the unit of search, each with its place in the document."""

from __future__ import annotations

from kb.cleaning import normalise
from kb.model import Document, Passage, Section


def section_label(section: Section) -> str:
    """Return the heading as it reads in a heading chain: marker and heading, e.g. “一、统一思想认识”."""
    from kb.structure import heading_text

    return heading_text(section)


def _run_in_lead(section: Section) -> str:
    """Return what precedes a section's first paragraph on its line: "9.便民服务方面。", "第一条 "."""
    from kb.structure import heading_line

    if not section.inline:
        return ""
    if not section.heading:
        return section.marker + " " if section.marker.endswith("条") else ""
    return heading_line(section)


def document_passages(doc: Document, doc_id: str, source: str | None = None) -> list[Passage]:
    """Return the passages of ``doc`` in document order, numbered from 0.

    The title, then byline, salutation and opening paragraphs (role opening),
    every section heading (role heading, or point for a run-in point such as
    一是…) and its paragraphs (role body, or point inside a point), the closing
    and signature lines (role closing), then each attachment: its title as a
    level-1 heading and its sections below it.
    """
    out: list[Passage] = []
    source = source if source is not None else doc.source_path

    def add(text: str | None, role: str, level: int = 0, path: tuple[str, ...] = ()) -> None:
        if text is None or not text.strip():
            return
        # Search compares normalised text; queries go through the same function.
        text = normalise(text)
        out.append(Passage(doc_id=doc_id, ordinal=len(out), text=text, role=role, level=level,
                           section_path=path, title=doc.title, doc_type=doc.doc_type,
                           date=doc.date, source=source))

    def add_section(section: Section, path: tuple[str, ...]) -> None:
        is_point = section.kind == "point"
        add(section.heading, "point" if is_point else "heading", section.level, path)
        inner = path + (section_label(section),)
        # A run-in heading and its body are one line of the document: search sees them so.
        lead = _run_in_lead(section)
        for index, paragraph in enumerate(section.paragraphs):
            if index == 0 and lead:
                paragraph = lead + paragraph
            if is_point:
                add(paragraph, "point", section.level, inner)
            else:
                add(paragraph, "body", 0, inner)
        for child in section.children:
            add_section(child, inner)
        for paragraph in section.after:
            add(paragraph, "body", 0, inner)

    add(doc.title, "title")
    add(doc.byline, "opening")
    add(doc.salutation, "opening")
    for paragraph in doc.opening:
        add(paragraph, "opening")
    for section in doc.sections:
        add_section(section, ())
    for paragraph in doc.closing + doc.signature:
        add(paragraph, "closing")
    for attachment in doc.attachments:
        add(attachment.title, "heading", 1)
        root = (attachment.title,)
        for paragraph in attachment.paragraphs:
            add(paragraph, "body", 0, root)
        for section in attachment.sections:
            add_section(section, root)
    return out
