"""Render a Document as Markdown that the Markdown reader reads back to the same outline."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from kb.model import Document

from generator.render._files import publish_mode
from generator.render._walk import note_for, walk_document

# Text that Markdown would take for syntax at the start of a paragraph (list, heading, quote).
_SYNTAX_START = re.compile(r"^(\d+[.)](?=\s)|[-+*](?=\s)|#|>|=+\s*$|-{3,}\s*$)")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_markdown(doc: Document, *, comments: Mapping[str, str] | None = None) -> str:
    """Return ``doc`` as Markdown: a metadata block, ``#`` title, ``##``–``#####`` headings.

    >>> from kb.model import Document, Section
    >>> print(render_markdown(Document(title="关于做好节能工作的通知", doc_type="notice",
    ...     sections=(Section("heading", 1, "一、", "总体要求", ("节约用电。",)),))))
    ---
    title: 关于做好节能工作的通知
    type: notice
    ---
    <BLANKLINE>
    # 关于做好节能工作的通知
    <BLANKLINE>
    ## 一、总体要求
    <BLANKLINE>
    节约用电。
    <BLANKLINE>
    """
    blocks = [_metadata(doc)]
    notes: list[str] = []
    for para in walk_document(doc):
        text = _clean(para.text)
        if not text:
            continue
        if para.role == "title" and not para.attachment:
            blocks.append(f"# {text}")
        elif para.role.startswith("heading") or para.role in ("chapter", "regulation_section"):
            blocks.append("#" * (min(max(para.level, 1), 5) + 1) + " " + text)
        else:
            note = note_for(para, comments) if comments else None
            if note is not None:
                notes.append(note)
                text += f"[^{len(notes)}]"
            blocks.append(_escape(text))
    for number, note in enumerate(notes, start=1):
        note = _clean(note)
        if not note.startswith("来源"):
            note = "来源：" + note
        blocks.append(f"[^{number}]: {note}")
    return "\n\n".join(blocks) + "\n"


def write_markdown(doc: Document, path, *, profile=None,
                   comments: Mapping[str, str] | None = None) -> None:
    """Write ``doc`` as Markdown to ``path`` through a temporary file (``profile`` is unused)."""
    path = Path(path)
    text = render_markdown(doc, comments=comments)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".md", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        publish_mode(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _metadata(doc: Document) -> str:
    lines = ["---", f"title: {_clean(doc.title)}", f"type: {doc.doc_type}"]
    for key, value in (("date", doc.date), ("speaker", doc.speaker), ("occasion", doc.occasion)):
        if value:
            lines.append(f"{key}: {_clean(value)}")
    if doc.tags:
        lines.append("tags: " + ", ".join(_clean(tag) for tag in doc.tags))
    lines.append("---")
    return "\n".join(lines)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", " ".join(text.split("\n"))).strip()


def _escape(text: str) -> str:
    return "\\" + text if _SYNTAX_START.match(text) else text


