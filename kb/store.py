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
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kb.errors import IndexLockedError, KbError, ReadError
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

    ``durable`` also flushes the file to disk before the rename and the folder
    after it (survives power loss, costs milliseconds); a killed process is
    covered without it.
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
    if durable:
        _fsync_path(path.parent)


def _fsync_path(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_files(paths, *folders) -> None:
    """Flush ``paths`` to disk, then ``folders`` (their names); concurrent fsyncs share one journal commit."""
    paths = list(paths)
    if len(paths) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(paths))) as pool:
            list(pool.map(_fsync_if_there, paths))
    elif paths:
        _fsync_if_there(paths[0])
    for folder in folders:
        _fsync_path(folder)


def _fsync_if_there(path) -> None:
    with contextlib.suppress(FileNotFoundError):
        _fsync_path(path)


#: The lock files this process holds open. A forked child closes its copies at once:
#: an ``flock`` belongs to the open file, so a child that kept one would hold the lock
#: after its parent died.
_HELD: set = set()
_FORK_HOOK = []


def _close_held_in_child() -> None:
    for handle in list(_HELD):
        with contextlib.suppress(OSError):
            handle.close()
    _HELD.clear()


class WriteLock:
    """The knowledge base's single-writer lock (``flock`` on ``<kb>/lock``), released on exit or death.

    Forked children never keep it. A lock still held after the process that
    took it has died (its leftover children hold it: older versions' index
    workers did) is taken over: those leftovers are ended and ``notify`` is
    told in one line.
    """

    def __init__(self, path: Path, timeout: float = 10.0, notify=None):
        self.path = path
        self.timeout = timeout
        self.notify = notify
        self._handle = None

    def __enter__(self) -> "WriteLock":
        if not _FORK_HOOK:
            os.register_at_fork(after_in_child=_close_held_in_child)
            _FORK_HOOK.append(True)
        handle = open(self.path, "a+b")
        deadline = time.monotonic() + self.timeout
        next_check = 0.0
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    handle.close()
                    raise
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + 1.0
                    if self._take_over_stale():
                        continue
                if now >= deadline:
                    handle.close()
                    raise IndexLockedError(
                        f"素材库正被另一个进程写入（锁文件 {self.path}），请稍后再试") from None
                time.sleep(0.05)
        self._handle = handle
        _HELD.add(handle)
        return self

    def _take_over_stale(self) -> bool:
        """End the leftovers holding a dead writer's lock; return whether there were any."""
        taker, holders = _lock_holders(self.path)
        if not holders or taker in holders or os.getpid() in holders:
            return False
        for pid in holders:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if self.notify is not None:
            self.notify(f"上次写入素材库的进程{f' {taker} ' if taker > 0 else ''}已中断，其残留的子进程仍占着写入锁："
                        f"已结束（进程 {'、'.join(map(str, holders))}）并接管")
        time.sleep(0.1)
        return True

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            _HELD.discard(self._handle)
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _lock_holders(path: Path) -> tuple[int, list[int]]:
    """Return (the pid that took the flock on ``path``, the pids whose open files hold it now).

    Read from /proc (Linux): a file's ``fdinfo`` lists the locks that file holds,
    with the pid of the process that took each. Elsewhere, or for other users'
    processes, (0, []).
    """
    try:
        target = os.stat(path)
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return 0, []
    taker, holders = 0, []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
                if (st.st_dev, st.st_ino) != (target.st_dev, target.st_ino):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii", errors="replace") as info:
                    lines = [line.split() for line in info if line.startswith("lock:")]
            except OSError:
                continue
            for fields in lines:
                if "FLOCK" in fields and "WRITE" in fields and len(fields) > 5:
                    taker = int(fields[5]) if fields[5].lstrip("-").isdigit() else 0
                    if pid not in holders:
                        holders.append(pid)
    return taker, holders


# --- The folder -------------------------------------------------------------------------------

class Store:
    """The files of a knowledge base other than the index itself."""

    def __init__(self, root: Path):
        self.root = root
        self.documents_dir = root / "documents"
        self.originals_dir = root / "originals"
        self.lock_path = root / "lock"
        self._unsynced: set[Path] = set()

    def create(self) -> None:
        """Create the folders when missing."""
        try:
            self.documents_dir.mkdir(parents=True, exist_ok=True)
            self.originals_dir.mkdir(exist_ok=True)
        except OSError as error:
            raise KbError(f"无法创建素材库文件夹 {self.root}：{error.strerror}"
                          "（请检查路径和写权限，或用 --kb 指定其他文件夹）") from None

    def lock(self, timeout: float = 10.0, notify=None) -> WriteLock:
        """Return the write lock (a context manager)."""
        return WriteLock(self.lock_path, timeout, notify)

    def document_path(self, doc_id: str) -> Path:
        return self.documents_dir / f"{doc_id}.json"

    def save(self, info: DocumentInfo, doc: Document) -> None:
        """Store ``doc`` and its catalogue record under its id.

        A replaced file is flushed to disk before the rename; a new one (not yet
        in any commit) is flushed with the others of its batch by :meth:`sync`.
        """
        data = {"format": STORE_FORMAT, "info": info.to_dict(), "document": document_to_dict(doc)}
        path = self.document_path(info.doc_id)
        replacing = path.exists()
        write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                     durable=replacing)
        if not replacing:
            self._unsynced.add(path)

    def sync(self) -> None:
        """Flush the documents and originals written since the last call to disk (before a commit)."""
        if self._unsynced:
            fsync_files(sorted(self._unsynced), self.documents_dir, self.originals_dir)
            self._unsynced.clear()

    def load(self, doc_id: str) -> tuple[DocumentInfo, Document]:
        """Return the stored record and Document of ``doc_id``.

        FileNotFoundError when absent; ReadError naming the file when it is damaged.
        """
        path = self.document_path(doc_id)
        with open(path, "rb") as handle:
            raw = handle.read()
        try:
            data = json.loads(raw.decode("utf-8"))
            return DocumentInfo.from_dict(data["info"]), document_from_dict(data["document"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ReadError(path, f"存档文件已损坏（{type(error).__name__}）") from None

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
            self._unsynced.add(target)
        return name

    def discard_original(self, name: str) -> None:
        if name:
            with contextlib.suppress(FileNotFoundError):
                (self.originals_dir / name).unlink()
