"""The Whoosh index: schema, one writer transaction per batch, rebuild and swap.

Each passage is one Whoosh document with a bigram field (Existence format:
which bigrams occur, for exact candidates), a word field (Frequency format:
jieba words, for BM25), its text in a column (read only for candidates) and
its place in the document as stored fields. Each knowledge-base document also
has one record document (kind "d") holding its catalogue entry, so the
passages and the catalogue change together in one commit.

The live index is the folder that the file ``CURRENT`` names, so that a
rebuilt index replaces the old one by one atomic rename.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import re
import shutil
import struct
import warnings
import zlib
from pathlib import Path

from kb import _whoosh  # noqa: F401  (before Whoosh: loads it without what bigan never calls)
from whoosh import columns, fields, formats
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import FileFormatError

from kb.analysis import BigramTokenizer, WordTokenizer
from kb.errors import IndexCorruptError
from kb.model import Passage
from kb.store import DocumentInfo, fsync_files, write_atomic

INDEX_NAME = "MAIN"
POINTER = "CURRENT"
SEP = "\x1f"
#: The only names an index folder can have; nothing else under the library is ever removed as one.
FOLDER_NAME = re.compile(r"index-([0-9]{1,9})")

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
        kind=fields.ID(stored=True),
        key=fields.ID(unique=True),
        doc_id=fields.ID(stored=True),
        bi=fields.FieldType(formats.Existence(), analyzer=BigramTokenizer(), scorable=True),
        words=fields.TEXT(analyzer=WordTokenizer(), phrase=False),
        text=fields.COLUMN(columns.VarBytesColumn()),
        meta=fields.COLUMN(columns.VarBytesColumn()),
        ordinal=fields.STORED(),
        role=fields.STORED(),
        level=fields.STORED(),
        section_path=fields.STORED(),
        title=fields.STORED(),
        doc_type=fields.STORED(),
        date=fields.STORED(),
        source=fields.STORED(),
        record=fields.STORED(),
    )


def pack_meta(passage: Passage) -> bytes:
    """Return the column value that sorting and filtering read without stored fields."""
    return SEP.join((passage.date or "", passage.doc_id, f"{passage.ordinal:06d}", passage.role,
                     str(passage.level), passage.doc_type, passage.source or "")).encode("utf-8")


def unpack_meta(value: bytes) -> tuple[str, str, int, str, int, str, str]:
    """Return (date, doc_id, ordinal, role, level, doc_type, source) of a meta column value."""
    date, doc_id, ordinal, role, level, doc_type, source = value.decode("utf-8").split(SEP)
    return date, doc_id, int(ordinal), role, int(level), doc_type, source


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
            if searcher.doc_count_all() == 0:
                # Whoosh cannot refresh a searcher opened on an empty index (its
                # reader has no segments to reuse): open a new one instead.
                searcher.close()
                return self.open().searcher()
            return searcher.refresh()

        return guarded(self.folder(), fresh)

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def writer(self, *, procs: int = 1, limitmb: int = 256, multisegment: bool = True) -> "BatchWriter":
        """Return a writer for one batch: nothing is visible until ``commit()``."""
        return BatchWriter(self.open(), procs=procs, limitmb=limitmb, multisegment=multisegment)

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
        """Build a fresh index from ``items`` ((DocumentInfo, passages) pairs) and swap it in.

        The caller holds the write lock. The old index stays live until the
        new one is complete; a crash leaves a stray folder, never a broken index.
        """
        folder = self._next_folder()
        ix = _create_empty(folder)
        writer = BatchWriter(ix, procs=procs, limitmb=limitmb, multisegment=False)
        try:
            for info, passages in items:
                writer.add(info, passages)
            writer.commit()
        except BaseException:
            writer.cancel()
            ix.close()
            self._remove_folder(folder)
            raise
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

    def delete(self, doc_id: str) -> None:
        """Delete a document's passages and record."""
        self._writer.delete_by_term("doc_id", doc_id)

    def add(self, info: DocumentInfo, passages: list[Passage]) -> None:
        """Add a document's record and passages (delete the old ones first when replacing)."""
        writer = self._writer
        writer.add_document(kind="d", key=f"d:{info.doc_id}", doc_id=info.doc_id,
                            record=json.dumps(info.to_dict(), ensure_ascii=False))
        for p in passages:
            writer.add_document(
                kind="p", doc_id=p.doc_id, bi=p.text, words=p.text,
                text=p.text.encode("utf-8"), meta=pack_meta(p), ordinal=p.ordinal, role=p.role,
                level=p.level, section_path=p.section_path, title=p.title, doc_type=p.doc_type,
                date=p.date, source=p.source)
        self.added += 1

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        with contextlib.suppress(OSError):
            self._writer.cancel()


def read_records(searcher) -> dict[str, DocumentInfo]:
    """Return the catalogue held in the index: doc_id → DocumentInfo."""
    out = {}
    for docnum in searcher.document_numbers(kind="d"):
        data = searcher.stored_fields(docnum)
        out[data["doc_id"]] = DocumentInfo.from_dict(json.loads(data["record"]))
    return out


def env_procs() -> int:
    """Return the writer's process count: BIGAN_INDEX_PROCS, else up to 2 cores."""
    value = os.environ.get("BIGAN_INDEX_PROCS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return min(2, os.cpu_count() or 1)
