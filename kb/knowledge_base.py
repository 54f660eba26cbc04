"""The façade: one knowledge-base folder, its ingest, search and maintenance."""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.errors import IndexCorruptError, KbError, NotFoundError, ReadError, printable
from kb.index import (DAMAGE, Index, damaged, env_procs, guarded, read_annotation, read_catalogue,
                      read_record, read_summary, summarize)
from kb.model import Document, DocumentAnnotation, Hit, Passage
from kb.passages import document_passages
from kb.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_DOCX_EXPANDED, DOCUMENT_SUFFIXES
from kb.search import SORTS, Filters, Searcher, parse_query
from kb.store import DocumentInfo, Store, content_hash, text_hash

#: What ingest accepts: the readers' one list, which the web page uses too.
SUFFIXES = DOCUMENT_SUFFIXES
#: Office files converted by one LibreOffice start during ingest.
OFFICE_BATCH = 40
DEFAULT_BATCH = 500
#: Within one ingest, each batch may hold this many times the documents of the one
#: before, up to MAX_BATCH_GROWTH times the first: the first documents are searchable
#: soon, and a large ingest leaves a few large segments instead of many (merging
#: segments afterwards costs as much CPU as indexing them).
BATCH_GROWTH = 2
MAX_BATCH_GROWTH = 4
#: The readers' limits: a larger file, or a .docx inflating past this (zip bombs), is refused.
DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_BYTES
#: A batch is committed early once it holds this many passages (bounded memory).
MAX_BATCH_PASSAGES = 60_000
#: Below this many passages a batch is indexed in-process (forking costs more than it saves).
PARALLEL_FROM = 3_000


def default_path() -> Path:
    """Return the default knowledge-base folder: $BIGAN_KB, else the per-user data folder."""
    if os.environ.get("BIGAN_KB"):
        return Path(os.environ["BIGAN_KB"])
    return data_home_path()


def data_home_path() -> Path:
    """Return the per-user data folder of the knowledge base ($XDG_DATA_HOME/bigan/kb)."""
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "bigan" / "kb"


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did, file by file."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (path, message)
    #: Files deliberately not read: links to files outside the given folders.
    skipped: tuple[tuple[str, str], ...] = ()  # (path, message)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name))
                for name in ("added", "updated", "unchanged", "duplicates", "failed")}

    def summary(self) -> str:
        """Return the one-line summary in Chinese."""
        c = self.counts()
        skipped = f"，跳过 {len(self.skipped)} 个" if self.skipped else ""
        return (f"新增 {c['added']} 篇，更新 {c['updated']} 篇，未变 {c['unchanged']} 篇，"
                f"重复 {c['duplicates']} 篇，失败 {c['failed']} 个{skipped}")

    def to_json(self) -> dict:
        data = {name: list(getattr(self, name)) for name in ("added", "updated", "unchanged", "duplicates")}
        data["failed"] = [{"path": p, "message": m} for p, m in self.failed]
        data["skipped"] = [{"path": p, "message": m} for p, m in self.skipped]
        data["counts"] = self.counts()
        return data


def source_name(path) -> str:
    """Return the absolute path of ``path`` as the knowledge base records it (always valid UTF-8)."""
    return printable(os.path.abspath(os.fsdecode(path)))


class SkippedFile(str):
    """The message of a file :func:`iter_files` deliberately does not read (not a failure)."""


def iter_files(paths: Iterable) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, None) for every supported file under ``paths``, or (path, error message).

    Folders are walked recursively in name order without following symbolic
    links (no loops); hidden files, the ``~$`` owner files Word leaves beside an
    open document, and a folder's README.md (a description of the folder, as the
    starter corpus has) are skipped. A link inside a folder to a file outside
    every folder given (ln -s /etc/shadow 材料/) yields a :class:`SkippedFile`
    message instead: nobody chose that file.
    """
    paths = [Path(os.fsdecode(raw)) for raw in paths]  # a bytes name that is not UTF-8 keeps its bytes
    roots = [os.path.realpath(path) for path in paths if path.is_dir()]
    for path in paths:
        if path.is_dir():
            for folder, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith((".", "~$")) or not name.lower().endswith(SUFFIXES) \
                            or name.lower() == "readme.md":
                        continue
                    file = Path(folder) / name
                    if file.is_symlink() and not _inside(os.path.realpath(file), roots):
                        yield file, SkippedFile(f"{printable(file)}：链接指向所给文件夹以外，未读取"
                                                "（如确需收入，请直接给出该文件）")
                        continue
                    yield file, None
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                yield path, None
            else:
                yield path, (f"{path}：不支持的文件类型 {path.suffix or '（无扩展名）'}"
                             f"（支持 {' '.join(SUFFIXES)}）")
        elif path.exists():
            yield path, f"{path}：不是普通文件，已跳过"
        else:
            yield path, f"{path}：文件不存在（请检查路径）"


def _inside(target: str, roots: list[str]) -> bool:
    return any(os.path.commonpath([target, root]) == root for root in roots)


def _save_failure(source: str, root: Path, error: OSError) -> str:
    """Return the one-line message for a file the knowledge base could not save."""
    return (f"{source}：无法写入素材库 {root}（{error.strerror or error}）"
            "（请检查磁盘空间和写权限后重新入库）")


def _indexable(info: DocumentInfo, doc: Document) -> tuple[DocumentInfo, list[Passage], DocumentAnnotation]:
    """Return what the index holds of a stored document: its record, passages and annotation."""
    from kb.annotate import annotate_document

    annotation = annotate_document(doc)
    return info, document_passages(doc, info.doc_id, info.source, annotation), annotation


class _Batch:
    """Changes gathered for one writer transaction; nothing touches the index before commit."""

    def __init__(self):
        self.adds: dict[str, tuple[DocumentInfo, list[Passage], DocumentAnnotation]] = {}
        self.deletes: set[str] = set()
        self.records: dict[str, DocumentInfo] = {}
        self.passages = 0

    def size(self) -> int:
        return len(self.adds) + len(self.deletes) + len(self.records)

    def changed(self) -> set[str]:
        return set(self.adds) | self.deletes | set(self.records)


#: Files of the knowledge-base folder besides the index and the store.
PHRASES_FILE = "phrases.json"   # the 提法 library, derived from the passages
WORDS_FILE = "words.txt"        # the user's own words for the segmenter, one a line


def _user_words(root: Path, library=None) -> list[str]:
    """Return the segmenter's words of the folder ``root``: its 提法 (``library`` when loaded), then words.txt."""
    from kb.phrases import PhraseLibrary, user_words

    if library is None and (root / PHRASES_FILE).exists():
        try:
            library = PhraseLibrary.load(root / PHRASES_FILE)
        except ReadError:
            library = None
    return user_words(library, root / WORDS_FILE)


class KnowledgeBase:
    """A knowledge-base folder: ingest documents, search passages, maintain the index."""

    def __init__(self, root: Path, *, lock_timeout: float = 10.0, batch_size: int | None = None,
                 batch_growth: int | None = None,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                 max_docx_expanded: int = DEFAULT_MAX_DOCX_EXPANDED, procs: int | None = None,
                 office_timeout: float | None = None, notify: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.store = Store(self.root)
        self.index = Index(self.root)
        self.lock_timeout = lock_timeout
        # Batches grow within an ingest unless the caller chose their size.
        self.batch_size = batch_size or DEFAULT_BATCH
        self.batch_growth = batch_growth or (1 if batch_size else BATCH_GROWTH)
        self.max_file_bytes = max_file_bytes
        self.max_docx_expanded = max_docx_expanded
        self.procs = procs
        #: Seconds LibreOffice may spend on one office file (None: kb.office.DEFAULT_TIMEOUT).
        self.office_timeout = office_timeout
        #: One-line messages about repairs the last operations made (a lock taken over, an
        #: index rebuilt); ``notify`` is also called with each as it happens.
        self.notices: list[str] = []
        self.notify = notify
        #: What the last reindex could not read ("file：reason" lines); the rest was rebuilt.
        self.reindex_failures: tuple[str, ...] = ()
        self._searcher = None
        self._search = None
        self._records: dict[str, DocumentInfo] | None = None
        self._records_gen = None
        self._phrases = None
        self._words_loaded = False

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path=None, *, create: bool = True, **options) -> "KnowledgeBase":
        """Return the knowledge base at ``path`` (default :func:`default_path`), creating it when missing.

        With ``create=False`` a missing folder is a KbError instead. A folder whose
        index pointer is missing or damaged but which holds documents or index
        folders is a damaged knowledge base, never a new one: reading it raises
        IndexCorruptError, and ingest and reindex rebuild the index from the store.
        """
        root = Path(path) if path is not None else default_path()
        if root.exists() and not root.is_dir():
            raise KbError(f"{root} 不是文件夹（请用 --kb 指定素材库文件夹）")
        kb = cls(root, **options)
        if not kb.index.exists() and kb._is_new():
            if not create:
                raise KbError(f"素材库 {root} 不存在（请先用 bigan ingest 入库，或用 --kb 指定已有的素材库）")
            kb.store.create()
            with kb._lock():
                if kb._is_new():
                    kb.index.create()
        return kb

    def _is_new(self) -> bool:
        return self.index.is_new() and not self.store.stored_ids()

    def _lock(self):
        return self.store.lock(self.lock_timeout, self._notify)

    def _notify(self, message: str) -> None:
        self.notices.append(message)
        if self.notify is not None:
            self.notify(message)

    def close(self) -> None:
        """Release the open searcher and index."""
        self._edits = None  # another process may have corrected something meanwhile
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
            self._search = None
        self.index.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _searcher_now(self) -> Searcher:
        self._load_user_words()
        if self._searcher is None:
            self._searcher = self.index.searcher()
            self._search = Searcher(self._searcher)
        else:
            fresh = self.index.refresh(self._searcher)
            if fresh is not self._searcher:
                self._searcher = fresh
                self._search = Searcher(fresh)
        return self._search

    def _catalogue(self) -> dict[str, DocumentInfo]:
        search = self._searcher_now()
        generation = search.s  # the searcher object itself: a new commit gives a new one
        if self._records is None or self._records_gen is not generation:
            folder = self.index.folder()
            records = guarded(folder, read_catalogue, folder, search.s)
            if not records and guarded(folder, search.s.doc_count):
                raise damaged(folder, "索引中有段落却没有文档记录")
            self._records = records
            self._records_gen = generation
        return self._records

    # -- search ------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int | None = 10, related: bool = False,
               doc_type: str | None = None, role: str | None = None, level: int | None = None,
               headings: bool = False, date_from: str | None = None, date_to: str | None = None,
               source: str | None = None, sort: str = "relevance", part: str | None = None,
               unit_level: str | None = None, voice: str | None = None,
               meeting_bound: bool | None = None, time_bound: bool | None = None) -> list[Hit]:
        """Return the hits of ``query``: exact substrings by default, topic words with ``related``.

        ``part``, ``unit_level``, ``voice``, ``meeting_bound`` and ``time_bound`` filter on
        the annotations made at ingest (see :meth:`annotation`): the role of the passage's
        part (认识, 任务 … 总体要求 … opening, closing), the level of the unit it speaks for
        (市 …, 不详 for unknown), its voice (地方讲话 …), and whether the passage holds
        sentences bound to its meeting or to a time. A library built before annotations
        existed raises IndexOutdatedError for these (``bigan reindex`` adds them).
        """
        if sort not in SORTS:
            raise KbError(f"未知的排序方式“{sort}”，可选：{'、'.join(SORTS)}")
        parsed = parse_query(query)
        filters = Filters(doc_type, role, level, headings, date_from, date_to, source, part, unit_level,
                          voice, meeting_bound, time_bound)
        search = self._searcher_now()
        run = search.related if related else search.exact
        return guarded(self.index.folder(), run, parsed, filters, limit=limit, sort=sort)

    def count(self, query: str, *, related: bool = False, doc_type: str | None = None,
              role: str | None = None, level: int | None = None, headings: bool = False,
              date_from: str | None = None, date_to: str | None = None,
              source: str | None = None, part: str | None = None, unit_level: str | None = None,
              voice: str | None = None, meeting_bound: bool | None = None,
              time_bound: bool | None = None) -> int:
        """Return the exact number of passages ``query`` matches (the filters of :meth:`search`)."""
        parsed = parse_query(query)
        filters = Filters(doc_type, role, level, headings, date_from, date_to, source, part, unit_level,
                          voice, meeting_bound, time_bound)
        search = self._searcher_now()
        return guarded(self.index.folder(), search.count, parsed, filters, related=related)

    # -- catalogue ---------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Return the catalogue, ordered by source path then id."""
        return sorted(self._catalogue().values(), key=lambda i: (i.source, i.doc_id))

    def _find(self, key: str) -> DocumentInfo:
        if self._records is None:  # one record by its id, without reading the catalogue
            search = self._searcher_now()
            info = guarded(self.index.folder(), read_record, search.s, key)
            if info is not None:
                return info
        records = self._catalogue()
        if key in records:
            return records[key]
        matches = [i for i in records.values() if len(key) >= 4 and i.doc_id.startswith(key)]
        if len(matches) == 1:
            return matches[0]
        source = source_name(key)
        for info in records.values():
            if info.source == source or any(a[0] == source for a in info.aliases):
                return info
        # A stored document the index does not list: the index lost its record.
        if len(key) >= 4 and any(i.startswith(key) for i in self.store.stored_ids() if i not in records):
            raise damaged(self.index.folder(), f"缺少已存文档 {key} 的记录")
        raise NotFoundError(f"素材库中没有文档“{key}”（用 bigan stats 或 bigan search 查看已入库的文档）")

    def info(self, doc_id_or_path: str) -> DocumentInfo:
        """Return the catalogue entry of a document id (or unique prefix) or source path."""
        return self._find(doc_id_or_path)

    def document(self, doc_id: str) -> Document:
        """Return the stored Document; NotFoundError when the knowledge base does not hold it."""
        info = self._find(doc_id)
        try:
            return self.store.load(info.doc_id)[1]
        except FileNotFoundError:
            raise NotFoundError(f"文档 {info.doc_id} 的存档文件缺失（请重新入库 {info.source}）") from None

    def annotation(self, doc_id: str) -> DocumentAnnotation:
        """Return what a stored document and each of its level-1 sections are (made at ingest).

        The role, unit level and voice of the document, its opening, closing and
        level-1 sections, and whether they hold meeting-bound or time-bound
        sentences. A library built before annotations existed has none stored:
        they are computed from the stored document, as ``bigan reindex`` would.
        """
        info = self._find(doc_id)
        search = self._searcher_now()
        stored = guarded(self.index.folder(), read_annotation, search.s, info.doc_id)
        if stored is not None:
            return stored
        from kb.annotate import annotate_document

        return annotate_document(self.document(info.doc_id))

    def passages(self, doc_id: str, *, annotate: bool = True) -> list[Passage]:
        """Return the passages of a stored document, in order (``annotate=False``: text and place only)."""
        info = self._find(doc_id)
        return document_passages(self.document(info.doc_id), info.doc_id, info.source, annotate=annotate)

    def stats(self) -> dict:
        """Return counts: documents by type, passages, characters, index size."""
        folder, search = self.index.folder(), self._searcher_now()
        summary = read_summary(folder, search.s) if self._records is None else None
        if summary is None:
            summary = summarize(self._catalogue().values())
        return {"path": str(self.root), **summary, "index_bytes": self.index.size()}

    # -- writing -----------------------------------------------------------------------------

    def ingest(self, paths, *, doc_type: str | None = None, encoding: str | None = None,
               progress: Callable[[str], None] | None = None) -> IngestReport:
        """Ingest files and folders (recursively); failures are collected, the rest lands.

        Office files (.doc, .wps, .rtf, .odt …) are converted by LibreOffice in groups of
        :data:`OFFICE_BATCH`, one start per group, so they land after the group is read.
        """
        from kb.parse import load_document
        from kb.readers import reading_kind
        from kb.readers.source import read_bytes

        limits = {"max_bytes": self.max_file_bytes, "max_docx_expanded": self.max_docx_expanded}

        def items():
            group: list[Path] = []
            for path, error in iter_files(paths):
                if error is not None:
                    yield str(path), error, None, None
                    continue
                try:
                    # Missing, unreadable, a FIFO or too large: read_bytes says which.
                    data = read_bytes(path, self.max_file_bytes)
                except ReadError as error:
                    yield str(path), str(error), None, None
                    continue
                if reading_kind(data, path) == "office":
                    group.append(path)  # its bytes are read again when the group is offered
                    if len(group) >= OFFICE_BATCH:
                        yield from self._office_items(group, doc_type)
                        group = []
                    continue
                yield (source_name(path), None, data,
                       lambda p=path: load_document(p, encoding=encoding, doc_type=doc_type, **limits))
            yield from self._office_items(group, doc_type)

        return self._ingest(items(), progress)

    def _office_items(self, group: list[Path], doc_type: str | None):
        """Yield ingest items for office files; the first load converts it and those after it at once."""
        from kb.parse import document_from_raw
        from kb.readers.office import OfficeReader
        from kb.readers.source import read_bytes

        reader = OfficeReader(max_expanded=self.max_docx_expanded, **(
            {"timeout": self.office_timeout} if self.office_timeout is not None else {}))
        converted: dict[int, object] = {}

        def load(index: int) -> Document:
            if index not in converted:
                pending = list(range(index, len(group)))
                converted.update(zip(pending, reader.read([group[i] for i in pending])))
            raw = converted.pop(index)
            if isinstance(raw, ReadError):
                raise raw
            return document_from_raw(raw, doc_type=doc_type)

        for index, path in enumerate(group):
            try:
                data = read_bytes(path, self.max_file_bytes)
            except ReadError as error:
                yield str(path), str(error), None, None
                continue
            yield source_name(path), None, data, (lambda i=index: load(i))

    def add_document(self, doc: Document, source: str, content: bytes | None = None) -> IngestReport:
        """Ingest an already parsed Document as if read from ``source`` (tests, benchmarks, API users)."""
        data = content if content is not None else str(doc).encode("utf-8")
        return self._ingest([(source, None, data, lambda: doc)], None)

    def add_documents(self, items: Iterable[tuple[Document, str, bytes]], progress=None) -> IngestReport:
        """Ingest parsed Documents ((doc, source, original bytes) triples) in batches."""
        return self._ingest(((src, None, data, (lambda d=doc: d)) for doc, src, data in items), progress)

    def _ingest(self, items, progress) -> IngestReport:
        outcome: dict[str, list] = {k: [] for k in ("added", "updated", "unchanged", "duplicates", "failed",
                                                     "skipped")}
        self.store.create()
        with self._lock():
            if not self.index.exists():
                if self._is_new():
                    self.index.create()
                else:
                    # Damaged, not empty: rebuild from the stored documents before adding any.
                    problem = self.index.problem()
                    n = self._rebuild(force=False, progress=None)
                    self._notify(f"素材库索引已损坏（{problem}），已从 {n} 篇已存文档重建索引")
            elif self._legacy_index():
                n = self._rebuild(force=False, progress=None)
                self._notify(f"素材库索引是旧版格式，已从 {n} 篇已存文档重建为新格式")
            self.close()
            records = dict(self._catalogue())
            self._collect_orphans(records)
            by_source = {i.source: i.doc_id for i in records.values()}
            by_alias = {a[0]: i.doc_id for i in records.values() for a in i.aliases}
            committed = set(records)
            batch = _Batch()
            limit = self.batch_size
            for source, error, data, load in items:
                if error is None:
                    try:
                        kind = self._offer(source, data, load, records, by_source, by_alias,
                                           committed, batch)
                    except ReadError as read_error:
                        kind, error = "failed", str(read_error)
                    except OSError as os_error:
                        # Saving the document failed (disk full, permissions): this file
                        # fails, the batch goes on, and the last commit stays intact.
                        kind, error = "failed", _save_failure(source, self.root, os_error)
                if isinstance(error, SkippedFile):
                    outcome["skipped"].append((printable(source), str(error)))
                elif error is not None:
                    outcome["failed"].append((printable(source), printable(error)))
                else:
                    outcome[kind].append(source)
                if progress is not None:
                    progress(source)
                if batch.size() >= limit or batch.passages >= MAX_BATCH_PASSAGES:
                    self._commit_batch(batch, records, committed)
                    batch = _Batch()
                    limit = min(limit * self.batch_growth, self.batch_size * MAX_BATCH_GROWTH)
            if batch.size():
                self._commit_batch(batch, records, committed)
        self.close()
        return IngestReport(**{k: tuple(v) for k, v in outcome.items()})

    def _legacy_index(self) -> bool:
        try:
            return self.index.legacy()
        except IndexCorruptError:
            return False  # damage is found and reported where the catalogue is read

    def _offer(self, source, data, load, records, by_source, by_alias, committed, batch) -> str:
        digest = content_hash(data)
        known = by_source.get(source)
        if known is not None and records[known].content_hash == digest:
            return "unchanged"
        owner = by_alias.get(source)
        if owner is not None and dict(records[owner].aliases).get(source) == digest:
            return "unchanged"
        from kb.annotate import annotate_document

        doc = self._overrides().apply(source, load())  # the user's corrections (bigan edit)
        annotation = annotate_document(doc)
        passages = document_passages(doc, "", source, annotation)
        body = [p.text for p in passages if p.role != "title"] or [p.text for p in passages]
        thash = text_hash(body)
        doc_id = thash[:12]

        def set_record(info: DocumentInfo, document: Document | None = None) -> None:
            records[info.doc_id] = info
            if info.doc_id in batch.adds:
                batch.adds[info.doc_id] = (info, *batch.adds[info.doc_id][1:])
            else:
                batch.records[info.doc_id] = info
            self.store.save(info, document if document is not None else self.store.load(info.doc_id)[1])

        def drop_alias(path: str) -> None:
            holder = by_alias.pop(path, None)
            if holder is not None and holder in records:
                info = records[holder]
                set_record(dataclasses.replace(
                    info, aliases=tuple(a for a in info.aliases if a[0] != path)))

        def delete(old_id: str) -> None:
            info = records.pop(old_id)
            by_source.pop(info.source, None)
            for alias in info.aliases:
                by_alias.pop(alias[0], None)
            batch.records.pop(old_id, None)
            if batch.adds.pop(old_id, None) is not None:
                batch.passages -= info.passages
            if old_id in committed:
                batch.deletes.add(old_id)
            else:
                self.store.discard(old_id)

        existing = records.get(doc_id)
        if existing is not None:
            if existing.source == source:
                set_record(dataclasses.replace(existing, content_hash=digest))
                return "unchanged"
            if known is not None:
                delete(known)
            drop_alias(source)
            aliases = tuple(a for a in existing.aliases if a[0] != source) + ((source, digest),)
            set_record(dataclasses.replace(existing, aliases=aliases))
            by_alias[source] = doc_id
            return "duplicates"

        kind = "added"
        if known is not None:
            delete(known)
            kind = "updated"
        drop_alias(source)
        passages = [dataclasses.replace(p, doc_id=doc_id) for p in passages]
        info = DocumentInfo(
            doc_id=doc_id, title=doc.title, doc_type=doc.doc_type, date=doc.date, source=source,
            content_hash=digest, text_hash=thash,
            ingested=time.strftime("%Y-%m-%dT%H:%M:%S"), passages=len(passages),
            chars=sum(len(p.text) for p in passages),
            original=self.store.keep_original(data, digest, Path(source).suffix))
        self.store.save(info, doc)
        records[doc_id] = info
        by_source[source] = doc_id
        batch.adds[doc_id] = (info, passages, annotation)
        batch.passages += len(passages)
        return kind

    def _overrides(self):
        """Return the overrides file (bigan edit), read once until the next close()."""
        from kb.edits import Overrides

        if getattr(self, "_edits", None) is None:
            self._edits = Overrides(self.root)
        return self._edits

    def _commit_batch(self, batch: _Batch, records, committed) -> None:
        """Commit one ingest batch; a failed write becomes a KbError, the last commit stays."""
        try:
            self._commit(batch, records, committed)
        except OSError as error:
            # The failed writer's open files and lock hang on the traceback (some in a
            # reference cycle): free them here, quietly, so this process can write again.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                error.__traceback__ = None
                gc.collect()
            raise KbError(f"入库中断：写入素材库 {self.root} 失败（{error.strerror or error}），"
                          "已入库的内容保持上次提交的状态（请检查磁盘空间和写权限后重新入库，"
                          "已入库的文件会被跳过）") from None

    def _commit(self, batch: _Batch, records, committed) -> None:
        procs = self.procs if self.procs is not None else (
            env_procs() if batch.passages >= PARALLEL_FROM else 1)
        writer = self.index.writer(procs=procs)
        try:
            for doc_id in sorted(batch.deletes):
                writer.delete(doc_id)
            for doc_id in sorted(batch.records):
                if doc_id not in batch.deletes:
                    writer.delete(doc_id)
                    info = batch.records[doc_id]
                    writer.add(*_indexable(info, self.store.load(doc_id)[1]))
            for doc_id, (info, passages, annotation) in batch.adds.items():
                writer.add(info, passages, annotation)
            # Stored documents reach the disk before any commit refers to them.
            self.store.sync()
            # A failed commit (disk full) must still release Whoosh's lock, or this
            # process could never write again.
            writer.commit()
        except BaseException as error:
            writer.cancel()
            if isinstance(error, DAMAGE) and not isinstance(error, OSError):
                # Merging with a damaged segment: the index, not the disk.
                raise damaged(self.index.folder(), error) from None
            raise
        self._merge()
        self._save_catalogue()
        self.index.sync()
        committed.difference_update(batch.deletes)
        committed.update(batch.adds)
        live_originals = {i.original for i in records.values()}
        for doc_id in batch.deletes:
            if doc_id not in records:
                self.store.discard(doc_id)
        self._discard_unused_originals(live_originals)
        self._after_commit(sorted(batch.changed()))

    def _merge(self) -> None:
        """Merge small segments after a commit; a merge that fails changes nothing committed."""
        try:
            self.index.merge()
        except OSError:
            pass  # disk full or the like: the batch is in, the segments stay as they are
        except DAMAGE as error:
            raise damaged(self.index.folder(), error) from None

    def _save_catalogue(self) -> None:
        """Write the new commit's catalogue; without it readers read every record, as before."""
        try:
            self.index.save_catalogue()
        except OSError:
            pass  # disk full or the like: the commit stands
        except DAMAGE as error:
            raise damaged(self.index.folder(), error) from None

    def _discard_unused_originals(self, live: set[str]) -> None:
        for path in self.store.originals_dir.iterdir():
            if path.name not in live and not path.name.startswith("."):
                self.store.discard_original(path.name)

    def _collect_orphans(self, records) -> None:
        # Stored documents that no commit refers to come from an interrupted batch (or
        # remove): at most one batch of them. More means the index lost commits (a power
        # cut, a restored backup): keep them for reindex rather than delete a library.
        orphans = [doc_id for doc_id in self.store.stored_ids() if doc_id not in records]
        if len(orphans) > max(self.batch_size, DEFAULT_BATCH) * MAX_BATCH_GROWTH:
            self._notify(f"有 {len(orphans)} 篇已存文档不在索引中，已保留"
                         "（运行 bigan reindex 可把它们重新编入索引）")
        else:
            for doc_id in orphans:
                self.store.discard(doc_id)
        self.index.remove_strays()

    def _after_commit(self, changed_doc_ids: list[str]) -> None:
        """Bring the 提法 library up to date with the ids a batch added, changed or removed."""
        from kb.phrases import PhraseLibrary

        path = self.root / PHRASES_FILE
        library = self._phrases
        if library is None and path.exists():
            try:
                library = PhraseLibrary.load(path)
            except ReadError:
                library = None
        if library is None:
            library = self._build_phrases()
        else:
            library.update(changed_doc_ids, self._held_passages(changed_doc_ids))
        library.save(path)
        self._phrases = library
        self._load_user_words(force=True)

    def _held_passages(self, doc_ids):
        """Yield the passages of those documents the knowledge base still holds."""
        for doc_id in doc_ids:
            try:
                yield from self.passages(doc_id, annotate=False)  # 提法 read only the text
            except NotFoundError:
                continue  # removed in this batch

    def _build_phrases(self):
        from kb.phrases import PhraseLibrary

        return PhraseLibrary.build(p for info in self.documents()
                                   for p in self.passages(info.doc_id, annotate=False))

    def phrase_library(self):
        """Return the 提法 library of the knowledge base (built from the stored passages when missing)."""
        from kb.phrases import PhraseLibrary

        if self._phrases is None:
            path = self.root / PHRASES_FILE
            try:
                self._phrases = PhraseLibrary.load(path)
            except ReadError:
                # missing or damaged: it is derived data, so rebuild it
                self._phrases = self._build_phrases()
                if self.documents():
                    self._phrases.save(path)
        return self._phrases

    def _load_user_words(self, force: bool = False) -> None:
        """Add the library's 提法 and the user's words.txt to the segmenter's dictionary.

        Passages indexed before a phrase was learnt keep their segmentation until
        `bigan reindex`; topic search still finds them through the phrase's parts.
        """
        if self._words_loaded and not force:
            return
        from kb.analysis import add_words_later

        # Read only when the segmenter loads (ingest, drafting): searching never segments.
        add_words_later(str(self.root), functools.partial(_user_words, self.root, self._phrases))
        self._words_loaded = True

    def edit(self, doc_id_or_path: str, *, title: str | None = None, doc_type: str | None = None,
             date: str | None = None, speaker: str | None = None, meeting: str | None = None,
             unit: str | None = None) -> DocumentInfo:
        """Correct a document's title, type, date, speaker, meeting or unit; return its new entry.

        The correction is kept in the folder's overrides file as well as in the stored
        document, so it survives `reindex` and a re-ingest of the file. A bad value is a
        KbError naming it and what to write (an empty string clears a field).
        """
        from kb.edits import apply_edits, validate_edits

        edits = validate_edits(dict(title=title, doc_type=doc_type, date=date, speaker=speaker,
                                    meeting=meeting, unit=unit))
        if not edits:
            raise KbError("没有要修改的内容（请给出 --title、--type、--date、--speaker、--meeting 或 --unit）")
        with self.store.lock(self.lock_timeout):
            self.close()
            info = self._find(doc_id_or_path)
            doc = apply_edits(self.document(info.doc_id), edits)
            changed = dataclasses.replace(info, title=doc.title, doc_type=doc.doc_type, date=doc.date)
            self._overrides().record(info.source, edits)
            self.store.save(changed, doc)
            records = dict(self._catalogue())
            records[info.doc_id] = changed
            batch = _Batch()
            batch.records[info.doc_id] = changed
            self._commit(batch, records, set(records))
        self.close()
        return changed

    def remove(self, doc_id_or_path: str) -> DocumentInfo:
        """Remove a document (or, for a duplicate's path, only that alias); return its entry."""
        with self._lock():
            self.close()
            info = self._find(doc_id_or_path)
            source = source_name(doc_id_or_path)
            records = dict(self._catalogue())
            batch = _Batch()
            if info.source != source and any(a[0] == source for a in info.aliases):
                changed = dataclasses.replace(info, aliases=tuple(a for a in info.aliases if a[0] != source))
                self.store.save(changed, self.store.load(info.doc_id)[1])
                records[info.doc_id] = changed
                batch.records[info.doc_id] = changed
            else:
                records.pop(info.doc_id)
                batch.deletes.add(info.doc_id)
            self._commit(batch, records, set(self._catalogue()))
        self.close()
        return info

    def reindex(self, progress: Callable[[str], None] | None = None, *, force: bool = False) -> int:
        """Rebuild the index from the stored documents; return the number of documents.

        Refuses (KbError) when documents the index holds have no stored file, unless
        ``force``; damaged stored files are named in ``reindex_failures`` and left out.
        """
        self.store.create()
        with self._lock():
            problem = self.index.problem()
            if not problem:
                try:
                    self._catalogue()
                except IndexCorruptError as error:
                    problem = str(error).partition("（")[2].partition("）")[0] or "无法读取"
            n = self._rebuild(force=force, progress=progress)
        self.close()
        if problem:
            self._notify(f"原索引已损坏（{problem}），已修复：已从已存文档重建")
        self._phrases = self._build_phrases()
        self._phrases.save(self.root / PHRASES_FILE)
        return n

    def _rebuild(self, *, force: bool, progress) -> int:
        """Rebuild the index from the store (the caller holds the lock); return the document count."""
        try:
            known = dict(self._catalogue()) if self.index.exists() else None
        except IndexCorruptError:
            known = None  # what the index held is unknown
        self.close()
        readable: dict[str, DocumentInfo] = {}
        unreadable: dict[str, ReadError] = {}
        for doc_id in self.store.stored_ids():
            try:
                readable[doc_id] = self.store.load(doc_id)[0]
            except ReadError as error:
                unreadable[doc_id] = error
        # Documents the index holds whose stored file is missing or damaged: re-read from
        # the original kept at ingest when it gives the very same text.
        restored = [info for doc_id, info in sorted((known or {}).items())
                    if doc_id not in readable and self._restore(info)]
        if restored:
            self.store.sync()
            names = "、".join(i.title or i.source for i in restored[:3])
            self._notify(f"已从原件恢复 {len(restored)} 篇缺失或损坏的存档文档（{names}"
                         f"{'等' if len(restored) > 3 else ''}）")
            for info in restored:
                readable[info.doc_id] = info
                unreadable.pop(info.doc_id, None)
        newest: dict[str, tuple[str, str, int]] = {}
        for doc_id, info in readable.items():
            # A crash between commit and clean-up can leave two versions of one source.
            if info.source not in newest or newest[info.source][0] < info.ingested:
                newest[info.source] = (info.ingested, doc_id, info.passages)
        keep = sorted(doc_id for _, doc_id, _ in newest.values())
        missing = sorted((i for i in (known or {}).values()
                          if not self.store.document_path(i.doc_id).exists()), key=lambda i: i.source)
        if not force:
            self._refuse_losses(missing, keep, known_unknown=known is None)
        failures = []
        for doc_id, error in unreadable.items():
            failures.append(self._set_aside(doc_id, error))
            self._notify(f"失败：{failures[-1]}")
        total = sum(n for _, _, n in newest.values())

        def items():
            for doc_id in keep:
                info, doc = self.store.load(doc_id)
                if progress is not None:
                    progress(info.source)
                yield _indexable(info, doc)

        self.index.rebuild(items(), procs=env_procs() if total >= PARALLEL_FROM else 1)
        for doc_id in set(self.store.stored_ids()) - set(keep):
            self.store.discard(doc_id)
        self.reindex_failures = tuple(failures)
        return len(keep)

    def _restore(self, info: DocumentInfo) -> bool:
        """Store ``info``'s Document again from its original; return whether its text matched."""
        from kb.parse import load_document

        path = self.store.originals_dir / info.original
        if not info.original or not path.is_file():
            return False
        try:
            doc = load_document(path, doc_type=info.doc_type, max_bytes=self.max_file_bytes,
                                max_docx_expanded=self.max_docx_expanded)
        except (ReadError, OSError):
            return False
        # The original's name is its hash: the title and source come from the record, and
        # the user's corrections (bigan edit) apply as at ingest.
        doc = self._overrides().apply(info.source, dataclasses.replace(
            doc, title=info.title, source_path=info.source))
        passages = document_passages(doc, "", info.source, annotate=False)
        body = [p.text for p in passages if p.role != "title"] or [p.text for p in passages]
        if text_hash(body) != info.text_hash or len(passages) != info.passages:
            return False
        self.store.save(info, doc)
        return True

    def _set_aside(self, doc_id: str, error: ReadError) -> str:
        """Rename a damaged stored document out of the store's way; return its failure line."""
        path = self.store.document_path(doc_id)
        aside = path.with_name(path.name + ".damaged")
        try:
            os.replace(path, aside)
        except OSError:
            return f"{error}，已略去"
        return f"{error}，已略去（文件改名为 {aside.name}）"

    def _refuse_losses(self, missing: list[DocumentInfo], keep: list[str], known_unknown: bool) -> None:
        """Raise KbError when rebuilding would drop documents the index still holds."""
        if missing:
            names = "、".join(f"{i.doc_id}.json（{i.title or i.source}）" for i in missing[:3])
            more = f"等 {len(missing)} 个文件" if len(missing) > 3 else ""
            where = ("中一篇也没有（文件夹缺失或已清空）" if not self.store.stored_ids()
                     else f"中缺少 {names}{more}")
            raise KbError(
                f"已存文档比索引少 {len(missing)} 篇（{self.store.documents_dir} {where}），"
                f"重建会丢掉它们：未重建，索引保持原样。请先恢复这些文件，"
                f"或确认后用 bigan reindex --force 只按现有的 {len(keep)} 篇重建")
        if not keep and known_unknown and any(
                any(p.suffix == ".seg" for p in folder.iterdir()) for folder in self.index.folders()):
            raise KbError(
                f"没有找到已存文档（{self.store.documents_dir}），而原索引已损坏：重建会得到空的素材库，"
                "未重建。请先恢复 documents 文件夹，或确认后用 bigan reindex --force 重建")
