"""bigan's knowledge base: read, clean and structure official documents; index and search them.

``kb`` never imports ``generator``.
"""

from kb.errors import (IndexCorruptError, IndexLockedError, IndexOutdatedError, KbError, NotFoundError,
                       QueryError, ReadError)
from kb.model import (Annotation, Attachment, Block, DocMeta, Document, DocumentAnnotation, Hit, Passage,
                      RawDocument, Section, Span)

__all__ = [
    "Attachment", "Block", "DocMeta", "Document", "Hit", "Passage", "RawDocument", "Section",
    "Span", "KbError", "ReadError", "IndexLockedError", "IndexCorruptError", "QueryError",
    "NotFoundError", "KnowledgeBase", "load_document",
    "Annotation", "DocumentAnnotation", "IndexOutdatedError",
]


def __getattr__(name):
    # Imported on first use so that `import kb` stays cheap (Whoosh, jieba load lazily).
    if name == "KnowledgeBase":
        from kb.knowledge_base import KnowledgeBase
        return KnowledgeBase
    if name == "load_document":
        from kb.parse import load_document
        return load_document
    raise AttributeError(name)
