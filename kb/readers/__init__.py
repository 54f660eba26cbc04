"""Readers: a file's paragraphs in order, plus the metadata its format declares.

:func:`read_document` picks the reader by extension and, where the extension lies, by
content: a ``.txt`` that is really a Word file, HTML saved as ``.txt`` or ``.doc``.
Readers do not clean site noise nor recover numbering from the text; they hand over
:class:`kb.model.RawDocument` for ``kb.cleaning`` and ``kb.structure``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kb.errors import ReadError
from kb.model import RawDocument
from kb.readers.blocks import split_long_blocks
from kb.readers.source import DEFAULT_MAX_BYTES, as_path, read_bytes

__all__ = ["read_document", "reading_kind", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_DOCX_EXPANDED", "SUFFIXES",
           "DOCUMENT_SUFFIXES"]

DEFAULT_MAX_DOCX_EXPANDED = 200_000_000

#: File name endings the knowledge base reads, by reader.
SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx",
            ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html",
            ".doc": "office", ".dot": "office", ".wps": "office", ".wpt": "office", ".rtf": "office",
            ".odt": "office", ".ott": "office", ".pdf": "pdf"}
#: The one list of what ingest, the CLI and the web page accept (folders are walked for these).
DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".html", ".htm",
                     ".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt", ".ott", ".pdf")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_document(path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_docx_expanded: int = DEFAULT_MAX_DOCX_EXPANDED) -> RawDocument:
    """Return the paragraphs of the file at ``path`` as a RawDocument.

    ``encoding`` overrides encoding detection for text, Markdown and HTML files.
    Raises :class:`kb.errors.ReadError` naming the file, the reason and what to do.
    """
    path = as_path(path)
    raw = _read(path, read_bytes(path, max_bytes), encoding, max_docx_expanded)
    # A dump on one line (up to 50 MB) becomes paragraphs of bounded length.
    blocks = split_long_blocks(raw.blocks)
    return raw if len(blocks) == len(raw.blocks) else dataclasses.replace(raw, blocks=blocks)


#: An HTML file with more tags than this is refused before lxml builds a tree of them
#: (a million elements take about a gigabyte there and in the walk).
MAX_HTML_TAGS = 1_000_000


def _read(path: Path, data: bytes, encoding: str | None, max_docx_expanded: int) -> RawDocument:
    kind = reading_kind(data, path)
    if kind == "office":
        from kb.readers.office import read_office
        return read_office(path, max_expanded=max_docx_expanded)
    if kind == "pdf":
        from kb.readers.pdf import raw_from_pdf_bytes
        return raw_from_pdf_bytes(data, path)
    if kind == "docx":
        from kb.readers.docx import raw_from_docx_bytes
        return raw_from_docx_bytes(data, path, max_expanded=max_docx_expanded)

    from kb.readers.encoding import decode_bytes
    from kb.readers.html import decode_html, looks_like_html

    suffix = SUFFIXES.get(path.suffix.lower())
    if suffix == "html":
        return _raw_from_html(decode_html(data, path, encoding), path)
    text = decode_bytes(data, path, encoding)
    if looks_like_html(text):
        # Pages saved as .txt, and "Word" files that office systems export as HTML.
        return _raw_from_html(text, path)
    if suffix == "md":
        from kb.readers.md import raw_from_markdown
        return raw_from_markdown(text, path)
    from kb.readers.txt import raw_from_text
    return raw_from_text(text, path)


def reading_kind(data: bytes, path: Path) -> str:
    """Return the reader a file's content calls for: "office", "pdf", "docx" or "text".

    Content wins over the extension: an old Word file renamed .docx goes to LibreOffice,
    an HTML page saved as .doc is read as HTML.
    """
    suffix = path.suffix.lower()
    if data.startswith(_OLE2_MAGIC) or data.startswith(b"{\\rtf"):
        # .doc, .wps, .dot, and password-protected .docx files (OLE2 containers too).
        return "office"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_ZIP_MAGIC) and (suffix in (".odt", ".ott")
                                         or b"application/vnd.oasis.opendocument.text" in data[:200]):
        return "office"
    if data.startswith(_ZIP_MAGIC) or suffix == ".docx":
        return "docx"  # the docx reader explains a zip that is not a Word document
    # Anything else is text; a .doc or .wps here is HTML that an office system exported.
    return "text"


def _raw_from_html(text: str, path: Path) -> RawDocument:
    from kb.readers.html import raw_from_html

    tags = text.count("<")
    if tags > MAX_HTML_TAGS:
        raise ReadError(path, f"网页的标记太多（{tags:,} 个，上限 {MAX_HTML_TAGS:,} 个），不像一篇文档，"
                        "可能是恶意构造的文件", "请确认文件来源，或把网页另存为 .txt 后再入库")
    return raw_from_html(text, path)
