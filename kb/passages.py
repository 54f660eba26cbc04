"""Cut a Document into Passages: the unit of search, each with its place in the document."""

from __future__ import annotations

from kb.cleaning import normalise
from kb.model import Annotation, Document, DocumentAnnotation, Passage, Section


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


def document_passages(doc: Document, doc_id: str, source: str | None = None,
                      annotation: DocumentAnnotation | None = None, *, annotate: bool = True) -> list[Passage]:
    """Return the passages of ``doc`` in document order, numbered from 0.

    The title, then byline, salutation and opening paragraphs (role opening),
    every section heading (role heading, or point for a run-in point such as
    一是…) and its paragraphs (role body, or point inside a point), the closing
    and signature lines (role closing), then each attachment: its title as a
    level-1 heading and its sections below it.

    Each passage carries its part's annotation (``annotation``, computed
    when not given): the role, unit level and voice of the level-1 section it
    belongs to (or of the opening, the closing, the whole document), and
    whether its own text holds meeting-bound or time-bound sentences. With
    ``annotate=False`` those stay empty (for callers that read only the text).
    """
    from kb.annotate import annotate_document, meeting_bound, time_bound

    out: list[Passage] = []
    source = source if source is not None else doc.source_path
    if not annotate:
        notes = DocumentAnnotation(Annotation(), opening=Annotation(), closing=Annotation())
    else:
        notes = annotation if annotation is not None else annotate_document(doc)
    part = notes.document

    def add(text: str | None, role: str, level: int = 0, path: tuple[str, ...] = ()) -> None:
        if text is None or not text.strip():
            return
        # Search compares normalised text; queries go through the same function.
        text = normalise(text)
        out.append(Passage(doc_id=doc_id, ordinal=len(out), text=text, role=role, level=level,
                           section_path=path, title=doc.title, doc_type=doc.doc_type,
                           date=doc.date, source=source, part=part.role, unit_level=part.unit_level,
                           voice=part.voice, meeting_bound=annotate and bool(meeting_bound(text)),
                           time_bound=annotate and bool(time_bound(text))))

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
    part = notes.opening
    add(doc.byline, "opening")
    add(doc.salutation, "opening")
    for paragraph in doc.opening:
        add(paragraph, "opening")
    for index, section in enumerate(doc.sections):
        part = notes.parts[index] if index < len(notes.parts) else notes.document
        add_section(section, ())
    part = notes.closing
    for paragraph in doc.closing + doc.signature:
        add(paragraph, "closing")
    part = notes.document
    for attachment in doc.attachments:
        add(attachment.title, "heading", 1)
        root = (attachment.title,)
        for paragraph in attachment.paragraphs:
            add(paragraph, "body", 0, root)
        for section in attachment.sections:
            add_section(section, root)
    return out
