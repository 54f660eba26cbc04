"""The Whoosh index: schema, one writer transaction per batch, rebuild and swap.

Each passage is one Whoosh document with a bigram field (Existence format:
which bigrams occur, for exact candidates), a word field (Frequency format:
jieba words, for BM25), its text in a column (read only for candidates) and
a compact meta column (what filtering and sorting read, and its place in the
document); a passage stores no fields. Each knowledge-base document also has
one record document (kind "d") holding its catalogue entry and the section
paths its passages name, so what is the same for every passage of a
document (title, type, date, source) is stored once, and the passages and
the catalogue change together in one commit.

The live index is the folder that the file ``CURRENT`` names, so that a
rebuilt index replaces the old one by one atomic rename. Beside each commit
lies its catalogue (every record, compressed, named by the commit's
generation), so `stats` and `show` need not read thousands of records; it
is derived data, and a missing or damaged one is read from the records.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import pickle
import re
import shutil
import struct
import warnings
import zlib
from collections import Counter
from pathlib import Path

from kb import _whoosh  # noqa: F401  (before Whoosh: loads it without what bigan never calls)
from whoosh import columns, fields, formats
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import FileFormatError

from kb.analysis import BigramTokenizer, WordTokenizer
from kb.errors import IndexCorruptError
from kb.model import DocumentAnnotation, Passage
from kb.store import DocumentInfo, fsync_files, write_atomic

INDEX_NAME = "MAIN"
POINTER = "CURRENT"
SEP = "\x1f"
#: After each commit, segments are merged tiered by size: a segment is kept while it holds
#: at least this many times the live passages of all smaller segments together.
MERGE_RATIO = 2
#: The merging writer's sorting pool (Whoosh's limitmb): merges run apart from the batch's
#: writer, with a small pool, so a merge adds little to an ingest's peak memory.
MERGE_LIMITMB = 32
#: Only segments of up to this many live passages are merged. Whoosh copies a merged
#: passage posting by posting (measured: about 2.8 ms of CPU a passage), as dear as
#: indexing it again, so the segments a large batch writes are left as they are.
MERGE_MAX_PASSAGES = 2_000
#: The only names an index folder can have; nothing else under the library is ever removed as one.
FOLDER_NAME = re.compile(r"index-([0-9]{1,9})")
DOC_KEY = re.compile(r"[0-9a-f]{4,64}")  # a document id or a prefix of one

#: Errors Whoosh lets out when its files are truncated or garbled (a flipped byte in a
#: compressed block is a zlib.error; a bad header a FileFormatError; a bad length an
#: IndexError, OverflowError or MemoryError; a garbled field name in the segment's table
#: can reach re.compile, a garbled pickle can recurse without end).
DAMAGE = (whoosh_index.IndexError, OSError, EOFError, ValueError, LookupError, TypeError,
          AttributeError, OverflowError, MemoryError, AssertionError, RecursionError, struct.error,
          re.error, pickle.UnpicklingError, zlib.error, FileFormatError)


def build_schema() -> fields.Schema:
    """Return the index schema."""
    return fields.Schema(
        kind=fields.ID(),
        key=fields.ID(unique=True),
        doc_id=fields.ID(),
        bi=fields.FieldType(formats.Existence(), analyzer=BigramTokenizer(), scorable=True),
        words=fields.TEXT(analyzer=WordTokenizer(), phrase=False),
        text=fields.COLUMN(columns.VarBytesColumn()),
        meta=fields.COLUMN(columns.VarBytesColumn()),
        # On the record document (kind "d") only: its catalogue entry and section paths.
        record=fields.STORED(),
        # What each passage's part is (pack_note), and the document's annotation on its record.
        # A few hundred distinct values: stored once per segment, a one- or two-byte
        # reference per passage (2.7 MB less at 100k passages).
        note=fields.COLUMN(columns.RefBytesColumn()),
        annotation=fields.STORED(),
        paths=fields.STORED(),
    )


def is_legacy(schema) -> bool:
    """Return whether an index has the first format: display fields stored on every passage.

    Such an index is searched as before; writing to it needs `bigan reindex` first.
    """
    return "paths" not in schema.names()


def pack_meta(passage: Passage, path: int = 0) -> bytes:
    """Return the column value that sorting and filtering read without stored fields.

    ``path`` is the index of the passage's section path in its document's record.
    """
    return SEP.join((passage.date or "", passage.doc_id, f"{passage.ordinal:06d}", passage.role,
                     str(passage.level), passage.doc_type, str(path))).encode("utf-8")


def unpack_meta(value: bytes) -> tuple[str, str, int, str, int, str, str]:
    """Return (date, doc_id, ordinal, role, level, doc_type, path) of a meta column value.

    ``path`` is the section path's index in the record (the source in a legacy index).
    """
    date, doc_id, ordinal, role, level, doc_type, path = value.decode("utf-8").split(SEP)
    return date, doc_id, int(ordinal), role, int(level), doc_type, path


def pack_note(passage: Passage) -> bytes:
    """Return the column value holding a passage's annotation: part, unit level, voice, bound flags."""
    flags = ("m" if passage.meeting_bound else "") + ("t" if passage.time_bound else "")
    return SEP.join((passage.part, passage.unit_level, passage.voice, flags)).encode("utf-8")


def unpack_note(value: bytes) -> tuple[str, str, str, bool, bool]:
    """Return (part, unit_level, voice, meeting_bound, time_bound) of a note column value (empty: none)."""
    if not value:
        return "", "", "", False, False
    part, unit_level, voice, flags = value.decode("utf-8").split(SEP)
    return part, unit_level, voice, "m" in flags, "t" in flags


def annotated(ix) -> bool:
    """Return whether an index holds the annotations (libraries built before them do not)."""
    return "note" in ix.schema.names()


def damaged(folder: Path, error: BaseException | str) -> IndexCorruptError:
    what = error if isinstance(error, str) else type(error).__name__
    return IndexCorruptError(
        f"素材库索引已损坏（{folder}：{what}），"
        "请运行 bigan reindex 从已存文档重建索引")


def guarded(folder: Path, func, *args, **kwargs):
    """Return ``func(*args, **kwargs)``, turning Whoosh's errors on damaged files into IndexCorruptError."""
    # Whoosh leaves a damaged file open in a reference cycle when it fails;
    # collect it here, once the traceback is gone, so its ResourceWarning is not reported as ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return func(*args, **kwargs)
        except DAMAGE as error:
            failure = damaged(folder, error)
        except Exception as error:
            # Whoosh raises a bare Exception on a postings block it cannot read.
            if type(error) is not Exception or not str(error).startswith("Block tag error"):
                raise
            failure = damaged(folder, error)
        gc.collect()
    raise failure


class Index:
    """The live Whoosh index of one knowledge base."""

    def __init__(self, root: Path):
        self.root = root
        self._ix = None

    # -- locating and opening -----------------------------------------------------------------

    def _pointer(self) -> tuple[Path | None, str]:
        """Return (the live folder, "") or (None, what is wrong with CURRENT)."""
        pointer = self.root / POINTER
        try:
            name = pointer.read_bytes().decode("utf-8").strip()
        except FileNotFoundError:
            return None, f"{POINTER} 文件缺失"
        except (OSError, UnicodeDecodeError) as error:
            return None, f"{POINTER} 文件无法读取（{type(error).__name__}）"
        if not name:
            return None, f"{POINTER} 文件为空"
        if not FOLDER_NAME.fullmatch(name):
            return None, f"{POINTER} 指向的“{name[:40]}”不是本素材库的索引文件夹"
        folder = self.root / name
        if folder.is_symlink() or not folder.is_dir():
            return None, f"{POINTER} 指向的索引文件夹 {name} 不存在"
        return folder, ""

    def _current_dir(self) -> Path | None:
        return self._pointer()[0]

    def problem(self) -> str:
        """Return what is wrong with the pointer to the live index, or "" when it names one."""
        return self._pointer()[1]

    def folder(self) -> Path:
        """Return the folder of the live index; IndexCorruptError when CURRENT names none."""
        folder, problem = self._pointer()
        if folder is None:
            raise damaged(self.root, problem)
        return folder

    def exists(self) -> bool:
        """Return whether CURRENT names a live index folder."""
        return self._current_dir() is not None

    def is_new(self) -> bool:
        """Return whether no index was ever made here: no CURRENT and no index folder."""
        return not (self.root / POINTER).exists() and not self.folders()

    def folders(self) -> list[Path]:
        """Return the library's own index folders (by name, directly under the root, no links)."""
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return []
        return sorted((p for p in entries if FOLDER_NAME.fullmatch(p.name)
                       and not p.is_symlink() and p.is_dir()),
                      key=lambda p: int(p.name.split("-")[1]))

    def _remove_folder(self, folder: Path) -> None:
        # Only ever one of our own index folders: validated by name and parent, not a link.
        if folder.parent == self.root and FOLDER_NAME.fullmatch(folder.name) \
                and not folder.is_symlink() and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)

    def create(self) -> None:
        """Create an empty index when there is none (the caller holds the write lock)."""
        if self.exists():
            return
        folder = self._next_folder()
        _create_empty(folder)
        self._point_to(folder)

    def _next_folder(self) -> Path:
        numbers = [int(p.name.split("-")[1]) for p in self.root.iterdir() if FOLDER_NAME.fullmatch(p.name)]
        return self.root / f"index-{1 + max(numbers or [0])}"

    def _point_to(self, folder: Path) -> None:
        # CURRENT must survive a power cut: an empty CURRENT would hide every document.
        write_atomic(self.root / POINTER, folder.name.encode("utf-8"), durable=True)

    def open(self):
        """Return the Whoosh index object, opening it once; IndexCorruptError when damaged."""
        if self._ix is None:
            folder = self.folder()
            storage = FileStorage(str(folder), readonly=False)
            self._ix = guarded(folder, storage.open_index, INDEX_NAME)
        return self._ix

    def searcher(self):
        """Return a new Whoosh searcher on the latest commit."""
        return guarded(self.folder(), self.open().searcher)

    def refresh(self, searcher):
        """Return ``searcher`` when still current, else a searcher on the latest commit."""
        def fresh():
            if searcher.up_to_date():
                return searcher
            ix = self.open()
            live = {segment.segid for segment in ix._segments()}
            if searcher.doc_count_all() == 0 or any(
                    segment.segid not in live for segment in searcher.reader().segments()):
                # Whoosh cannot refresh a searcher opened on an empty index (its
                # reader has no segments to reuse), and its refresh keeps the
                # segments a merge has replaced (their passages would count twice):
                # open a new one instead.
                searcher.close()
                return ix.searcher()
            return searcher.refresh()

        return guarded(self.folder(), fresh)

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def legacy(self) -> bool:
        """Return whether the live index has the first format (see :func:`is_legacy`)."""
        return is_legacy(self.open().schema)

    def writer(self, *, procs: int = 1, limitmb: int = 256, multisegment: bool = True) -> "BatchWriter":
        """Return a writer for one batch: nothing is visible until ``commit()``.

        IndexCorruptError, asking for `bigan reindex`, on an index of the first format.
        """
        if self.legacy():
            raise IndexCorruptError(f"素材库索引是旧版格式（{self.folder()}），"
                                    "请运行 bigan reindex 升级索引（已存文档不受影响）")
        return BatchWriter(self.open(), procs=procs, limitmb=limitmb, multisegment=multisegment)

    def merge(self) -> int:
        """Merge small segments after a commit (the caller holds the write lock); return how many.

        The segments :func:`merge_plan` picks are copied into one new segment by a
        writer of their own, so the batch's writer and its workers are gone and the
        sorting pool is small. A failed merge leaves the last commit as it was.
        """
        ix = self.open()
        chosen = {segment.segid for segment in merge_plan(ix._segments())}
        if not chosen:
            return 0

        def policy(writer, segments):
            from whoosh.reading import SegmentReader

            kept = []
            for segment in segments:
                if segment.segid not in chosen:
                    kept.append(segment)
                elif segment.doc_count():  # a segment of deletions only is dropped
                    reader = SegmentReader(writer.storage, writer.schema, segment)
                    writer.add_reader(reader)
                    reader.close()
            return kept

        writer = ix.writer(limitmb=MERGE_LIMITMB)
        try:
            writer.commit(mergetype=policy)
        except BaseException:
            with contextlib.suppress(OSError):
                writer.cancel()
            raise
        return len(chosen)

    def save_catalogue(self) -> None:
        """Write the catalogue of the latest commit beside it (the caller holds the write lock)."""
        write_catalogue(self.folder(), self.open())

    def size(self) -> int:
        """Return the index size in bytes."""
        folder = self._current_dir()
        return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder else 0

    def sync(self) -> None:
        """Flush the live index's files and folder to disk (after a commit)."""
        folder = self._current_dir()
        if folder is not None:
            fsync_files([p for p in folder.iterdir() if p.suffix in (".seg", ".toc")], folder)

    def rebuild(self, items, *, procs: int = 1, limitmb: int = 256) -> None:
        """Build a fresh index from ``items`` ((DocumentInfo, passages, annotation) triples) and swap it in.

        The caller holds the write lock. The old index stays live until the
        new one is complete; a crash leaves a stray folder, never a broken index.
        """
        folder = self._next_folder()
        ix = _create_empty(folder)
        writer = BatchWriter(ix, procs=procs, limitmb=limitmb, multisegment=False)
        try:
            for item in items:
                writer.add(*item)
            writer.commit()
        except BaseException:
            writer.cancel()
            ix.close()
            self._remove_folder(folder)
            raise
        write_catalogue(folder, ix)
        ix.close()
        self.close()
        fsync_files([p for p in folder.iterdir() if p.is_file()], folder)
        self._point_to(folder)
        self.remove_strays()

    def remove_strays(self) -> None:
        """Delete index folders a crashed rebuild left behind (the caller holds the write lock).

        Nothing is removed unless CURRENT names a live folder.
        """
        live = self._current_dir()
        if live is None:
            return
        for path in self.folders():
            if path != live:
                self._remove_folder(path)


def _create_empty(folder: Path):
    folder.mkdir(parents=True)  # a fresh number: never an existing folder
    return FileStorage(str(folder)).create_index(build_schema(), indexname=INDEX_NAME)


class BatchWriter:
    """One Whoosh writer transaction: deletions and additions become visible together at commit."""

    def __init__(self, ix, *, procs: int, limitmb: int, multisegment: bool):
        if procs > 1:
            # Sub-processes analyse the passages; load the dictionary once, before they fork.
            from kb.analysis import words
            words("预热")
            from kb.workers import ParallelWriter

            self._writer = ParallelWriter(ix, procs=procs, limitmb=limitmb,
                                          multisegment=multisegment, batchsize=256)
        else:
            self._writer = ix.writer(limitmb=limitmb)
        self.added = 0
        self._annotated = annotated(ix)

    def delete(self, doc_id: str) -> None:
        """Delete a document's passages and record."""
        self._writer.delete_by_term("doc_id", doc_id)

    def add(self, info: DocumentInfo, passages: list[Passage],
            annotation: DocumentAnnotation | None = None) -> None:
        """Add a document's record and passages (delete the old ones first when replacing).

        An index built before annotations existed gets none (``bigan reindex`` adds them).
        """
        writer = self._writer
        notes = {}
        if self._annotated and annotation is not None:
            notes = {"annotation": json.dumps(annotation.to_json(), ensure_ascii=False)}
        paths: dict[tuple[str, ...], int] = {}
        metas = [pack_meta(p, paths.setdefault(tuple(p.section_path), len(paths))) for p in passages]
        writer.add_document(kind="d", key=f"d:{info.doc_id}", doc_id=info.doc_id,
                            record=json.dumps(info.to_dict(), ensure_ascii=False),
                            paths=[list(path) for path in paths], **notes)
        for p, meta in zip(passages, metas):
            note = {"note": pack_note(p)} if self._annotated else {}
            writer.add_document(kind="p", doc_id=p.doc_id, bi=p.text, words=p.text,
                                text=p.text.encode("utf-8"), meta=meta, **note)
        self.added += 1

    def commit(self) -> None:
        # No merging inside the batch's writer: Index.merge does it after, with less memory.
        self._writer.commit(merge=False)

    def cancel(self) -> None:
        with contextlib.suppress(OSError):
            self._writer.cancel()


def read_annotation(searcher, doc_id: str) -> DocumentAnnotation | None:
    """Return the annotation stored with a document's record, or None (none stored, or no such record)."""
    docnum = searcher.document_number(key=f"d:{doc_id}")
    if docnum is None:
        return None
    value = searcher.stored_fields(docnum).get("annotation")
    return DocumentAnnotation.from_json(json.loads(value)) if value else None


def merge_plan(segments, ratio: int = MERGE_RATIO, largest: int = MERGE_MAX_PASSAGES) -> list:
    """Return the segments to merge into one: the smallest, tiered by live passages.

    Among the segments of at most ``largest`` live passages, largest first, a
    segment is kept while it holds at least ``ratio`` times the live passages of
    all smaller segments together; the first one that does not, and every smaller
    one, are merged. Sizes then fall by a factor of ``ratio`` + 1 or more, so the
    small segments that many small batches leave are a few (about
    log(largest / batch)) however many batches wrote them, and each passage is
    copied a few times, never at every commit as ``optimize()`` would. A segment
    holding only deletions is always in the plan (it is dropped); one segment
    alone is not.
    """
    ordered = sorted((s for s in segments if s.doc_count() <= largest),
                     key=lambda s: s.doc_count(), reverse=True)
    smaller, cut = 0, len(ordered)
    for i in range(len(ordered) - 1, -1, -1):
        size = ordered[i].doc_count()
        if size == 0 or size < ratio * smaller:
            cut = i
        smaller += size
    plan = ordered[cut:]
    if len(plan) == 1 and plan[0].doc_count():
        return []
    return plan


def read_records(searcher) -> dict[str, DocumentInfo]:
    """Return the catalogue held in the index: doc_id → DocumentInfo."""
    out = {}
    for docnum in searcher.document_numbers(kind="d"):
        info = DocumentInfo.from_dict(json.loads(searcher.stored_fields(docnum)["record"]))
        out[info.doc_id] = info
    return out


def read_record(searcher, key: str) -> DocumentInfo | None:
    """Return the record whose id is ``key`` or starts with it (four or more characters), if only one does."""
    if len(key) < 4 or not DOC_KEY.fullmatch(key):
        return None
    found = []
    for term in itertools.islice(searcher.reader().expand_prefix("key", f"d:{key}"), 8):
        docnum = searcher.document_number(key=term)  # None for a record deleted since
        if docnum is not None:
            found.append(docnum)
    if len(found) != 1:
        return None
    return DocumentInfo.from_dict(json.loads(searcher.stored_fields(found[0])["record"]))


def summarize(infos) -> dict:
    """Return the counts `bigan stats` prints: documents, by type, passages and characters."""
    infos = list(infos)
    return {"documents": len(infos),
            "by_type": dict(sorted(Counter(i.doc_type for i in infos).items())),
            "passages": sum(i.passages for i in infos),
            "characters": sum(i.chars for i in infos)}


# The catalogue file: its summary as one line of JSON, then every record, compressed.
def _catalogue_path(folder: Path, searcher) -> Path:
    return folder / f"catalogue-{searcher.reader().generation()}.bin"


def _catalogue_parts(folder: Path, searcher) -> tuple[bytes, bytes] | None:
    try:
        data = _catalogue_path(folder, searcher).read_bytes()
    except OSError:
        return None
    summary, newline, body = data.partition(b"\n")
    return (summary, body) if newline else None


def read_summary(folder: Path, searcher) -> dict | None:
    """Return the summary of the searcher's commit from its catalogue file, or None."""
    parts = _catalogue_parts(folder, searcher)
    try:
        return json.loads(parts[0]) if parts else None
    except ValueError:
        return None


def read_catalogue(folder: Path, searcher) -> dict[str, DocumentInfo]:
    """Return the catalogue of the searcher's commit: from its catalogue file, else from the records."""
    parts = _catalogue_parts(folder, searcher)
    if parts is not None:
        try:
            entries = json.loads(zlib.decompress(parts[1]))
            return {entry["doc_id"]: DocumentInfo.from_dict(entry) for entry in entries}
        except (ValueError, zlib.error, KeyError, TypeError):
            pass
    return read_records(searcher)


def write_catalogue(folder: Path, ix) -> None:
    """Write the catalogue of the latest commit in ``folder`` and delete older ones."""
    with ix.searcher() as searcher:
        infos = list(read_records(searcher).values())
        path = _catalogue_path(folder, searcher)
    summary = json.dumps(summarize(infos), ensure_ascii=False).encode("utf-8")
    entries = json.dumps([info.to_dict() for info in infos], ensure_ascii=False).encode("utf-8")
    write_atomic(path, summary + b"\n" + zlib.compress(entries, 6))
    for old in folder.glob("catalogue-*.bin"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def env_procs() -> int:
    """Return the writer's process count: BIGAN_INDEX_PROCS, else up to 2 cores."""
    value = os.environ.get("BIGAN_INDEX_PROCS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return min(2, os.cpu_count() or 1)
