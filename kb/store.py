"""The knowledge-base folder: stored documents, originals, the write lock, atomic writes.

Layout of a knowledge base::

    documents/<doc_id>.json   the Document and its catalogue record: enough to rebuild the index
    originals/<hash><ext>     a copy of each file as it was ingested (the user's file is never touched)
    index-<n>/                the Whoosh index; CURRENT names the live one
    lock                      held (flock) by the one writer
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kb.errors import IndexLockedError, KbError
from kb.model import Attachment, DocMeta, Document, Section

STORE_FORMAT = 1


@dataclass(frozen=True)
class DocumentInfo:
    """Return-type of ``KnowledgeBase.documents()``: one catalogue entry."""

    doc_id: str
    title: str
    doc_type: str
    date: str | None
    source: str
    content_hash: str
    text_hash: str
    ingested: str
    passages: int = 0
    chars: int = 0
    original: str = ""  # file name under originals/
    #: Other files holding the same document: (path, content hash) pairs.
    aliases: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["aliases"] = [list(a) for a in self.aliases]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentInfo":
        data = dict(data)
        data["aliases"] = tuple(tuple(a) for a in data.get("aliases", ()))
        return cls(**data)


def content_hash(data: bytes) -> str:
    """Return the SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def text_hash(texts) -> str:
    """Return the hash of a document's cleaned text, given its passage texts in order."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


# --- Document <-> JSON ----------------------------------------------------------------------

def _section_to_dict(section: Section) -> dict:
    return {"kind": section.kind, "level": section.level, "marker": section.marker,
            "heading": section.heading, "paragraphs": list(section.paragraphs),
            "children": [_section_to_dict(c) for c in section.children],
            "inline": section.inline, "after": list(section.after)}


def _section_from_dict(data: dict) -> Section:
    return Section(kind=data["kind"], level=data["level"], marker=data["marker"],
                   heading=data["heading"], paragraphs=tuple(data["paragraphs"]),
                   children=tuple(_section_from_dict(c) for c in data["children"]),
                   inline=data.get("inline", False), after=tuple(data.get("after", ())))


def document_to_dict(doc: Document) -> dict:
    """Return every field of ``doc`` as JSON-ready data; :func:`document_from_dict` inverts it."""
    return {
        "title": doc.title, "doc_type": doc.doc_type, "meeting": doc.meeting,
        "speaker": doc.speaker, "date": doc.date, "meta": dataclasses.asdict(doc.meta),
        "byline": doc.byline, "salutation": doc.salutation, "opening": list(doc.opening),
        "sections": [_section_to_dict(s) for s in doc.sections], "closing": list(doc.closing),
        "signature": list(doc.signature),
        "attachments": [{"title": a.title, "label": a.label, "paragraphs": list(a.paragraphs),
                         "sections": [_section_to_dict(s) for s in a.sections]}
                        for a in doc.attachments],
        "tags": list(doc.tags), "occasion": doc.occasion, "source_path": doc.source_path,
    }


def document_from_dict(data: dict) -> Document:
    """Return the Document that :func:`document_to_dict` wrote."""
    return Document(
        title=data["title"], doc_type=data["doc_type"], meeting=data["meeting"],
        speaker=data["speaker"], date=data["date"], meta=DocMeta(**data["meta"]),
        byline=data["byline"], salutation=data["salutation"], opening=tuple(data["opening"]),
        sections=tuple(_section_from_dict(s) for s in data["sections"]),
        closing=tuple(data["closing"]), signature=tuple(data["signature"]),
        attachments=tuple(Attachment(title=a["title"], label=a["label"],
                                     paragraphs=tuple(a["paragraphs"]),
                                     sections=tuple(_section_from_dict(s) for s in a["sections"]))
                          for a in data["attachments"]),
        tags=tuple(data["tags"]), occasion=data["occasion"], source_path=data["source_path"],
    )


# --- Atomic writes and the lock ---------------------------------------------------------------

def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a crash leaves old or new.

    ``durable`` also flushes to disk before the rename (survives power loss,
    costs milliseconds); a killed process is covered without it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class WriteLock:
    """The knowledge base's single-writer lock (``flock`` on ``<kb>/lock``), released on exit or death."""

    def __init__(self, path: Path, timeout: float = 10.0):
        self.path = path
        self.timeout = timeout
        self._handle = None

    def __enter__(self) -> "WriteLock":
        handle = open(self.path, "a+b")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    handle.close()
                    raise
                if time.monotonic() >= deadline:
                    handle.close()
                    raise IndexLockedError(
                        f"素材库正被另一个进程写入（锁文件 {self.path}），请稍后再试") from None
                time.sleep(0.05)
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


# --- The folder -------------------------------------------------------------------------------

class Store:
    """The files of a knowledge base other than the index itself."""

    def __init__(self, root: Path):
        self.root = root
        self.documents_dir = root / "documents"
        self.originals_dir = root / "originals"
        self.lock_path = root / "lock"

    def create(self) -> None:
        """Create the folders when missing."""
        try:
            self.documents_dir.mkdir(parents=True, exist_ok=True)
            self.originals_dir.mkdir(exist_ok=True)
        except OSError as error:
            raise KbError(f"无法创建素材库文件夹 {self.root}：{error.strerror}"
                          "（请检查路径和写权限，或用 --kb 指定其他文件夹）") from None

    def lock(self, timeout: float = 10.0) -> WriteLock:
        """Return the write lock (a context manager)."""
        return WriteLock(self.lock_path, timeout)

    def document_path(self, doc_id: str) -> Path:
        return self.documents_dir / f"{doc_id}.json"

    def save(self, info: DocumentInfo, doc: Document) -> None:
        """Store ``doc`` and its catalogue record under its id."""
        data = {"format": STORE_FORMAT, "info": info.to_dict(), "document": document_to_dict(doc)}
        write_atomic(self.document_path(info.doc_id),
                     json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    def load(self, doc_id: str) -> tuple[DocumentInfo, Document]:
        """Return the stored record and Document of ``doc_id``; FileNotFoundError when absent."""
        with open(self.document_path(doc_id), "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
        return DocumentInfo.from_dict(data["info"]), document_from_dict(data["document"])

    def stored_ids(self) -> list[str]:
        """Return the ids of every stored document, sorted."""
        return sorted(p.stem for p in self.documents_dir.glob("*.json"))

    def discard(self, doc_id: str) -> None:
        """Delete a stored document (after the index no longer holds it)."""
        with contextlib.suppress(FileNotFoundError):
            self.document_path(doc_id).unlink()

    def keep_original(self, data: bytes, digest: str, suffix: str) -> str:
        """Copy the original bytes into originals/ (once per content); return the file name."""
        name = f"{digest[:24]}{suffix.lower()}"
        target = self.originals_dir / name
        if not target.exists():
            write_atomic(target, data)
        return name

    def discard_original(self, name: str) -> None:
        if name:
            with contextlib.suppress(FileNotFoundError):
                (self.originals_dir / name).unlink()
