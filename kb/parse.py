"""Read → clean → structure: one call from a file to a Document."""

from __future__ import annotations

from kb.model import Document, RawDocument


def load_document(path, *, encoding: str | None = None, doc_type: str | None = None,
                  clean: bool = True, **limits) -> Document:
    """Return the structured Document of the file at ``path``.

    Raises :class:`kb.errors.ReadError` naming the file when it cannot be read.
    ``doc_type`` forces the document type; ``clean=False`` keeps the text as it
    is (no punctuation normalisation), for `bigan format --keep-text`. ``limits``
    (``max_bytes``, ``max_docx_expanded``) go to :func:`kb.readers.read_document`.
    """
    from kb.readers import read_document

    return document_from_raw(read_document(path, encoding=encoding, **limits), doc_type=doc_type,
                             clean=clean)


def document_from_raw(raw: RawDocument, *, doc_type: str | None = None, clean: bool = True) -> Document:
    """Return the structured Document of what a reader returned (cleaned unless ``clean=False``)."""
    from kb.cleaning import clean_document
    from kb.structure import parse_structure

    if clean:
        raw = clean_document(raw)
    return parse_structure(raw, doc_type=doc_type)


def parse_text(text: str, *, doc_type: str | None = None, path: str = "<text>") -> Document:
    """Return the Document of plain text, as if read from a .txt file."""
    from kb.cleaning import clean_document
    from kb.readers.txt import raw_from_text
    from kb.structure import parse_structure

    return parse_structure(clean_document(raw_from_text(text, path)), doc_type=doc_type)
