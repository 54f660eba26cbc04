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
import shutil
import struct
import warnings
from pathlib import Path

from whoosh import columns, fields, formats
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from kb.analysis import BigramTokenizer, WordTokenizer
from kb.errors import IndexCorruptError
from kb.model import Passage
from kb.store import DocumentInfo, write_atomic

INDEX_NAME = "MAIN"
POINTER = "CURRENT"
SEP = "\x1f"

#: Errors Whoosh lets out when its files are truncated or garbled.
DAMAGE = (whoosh_index.IndexError, OSError, EOFError, ValueError, KeyError, struct.error,
          pickle.UnpicklingError)


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


def damaged(folder: Path, error: BaseException) -> IndexCorruptError:
    return IndexCorruptError(
        f"素材库索引已损坏（{folder}：{type(error).__name__}），"
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
        gc.collect()
    raise failure


class Index:
    """The live Whoosh index of one knowledge base."""

    def __init__(self, root: Path):
        self.root = root
        self._ix = None

    # -- locating and opening -----------------------------------------------------------------

    def _current_dir(self) -> Path | None:
        pointer = self.root / POINTER
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.root / name

    def folder(self) -> Path:
        """Return the folder of the live index."""
        return self._current_dir() or self.root / "index-1"

    def exists(self) -> bool:
        return self._current_dir() is not None

    def create(self) -> None:
        """Create an empty index when there is none (the caller holds the write lock)."""
        if self.exists():
            return
        folder = self.root / "index-1"
        _create_empty(folder)
        write_atomic(self.root / POINTER, folder.name.encode("utf-8"))

    def open(self):
        """Return the Whoosh index object, opening it once; IndexCorruptError when damaged."""
        if self._ix is None:
            storage = FileStorage(str(self.folder()), readonly=False)
            self._ix = guarded(self.folder(), storage.open_index, INDEX_NAME)
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
        folder = self.folder()
        return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0

    def rebuild(self, items, *, procs: int = 1, limitmb: int = 256) -> None:
        """Build a fresh index from ``items`` ((DocumentInfo, passages) pairs) and swap it in.

        The caller holds the write lock. The old index stays live until the
        new one is complete; a crash leaves a stray folder, never a broken index.
        """
        old = self._current_dir()
        number = 1 + max([int(p.name.split("-")[1]) for p in self.root.glob("index-*")
                          if p.name.split("-")[1].isdigit()] or [0])
        folder = self.root / f"index-{number}"
        ix = _create_empty(folder)
        writer = BatchWriter(ix, procs=procs, limitmb=limitmb, multisegment=False)
        try:
            for info, passages in items:
                writer.add(info, passages)
            writer.commit()
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        ix.close()
        self.close()
        write_atomic(self.root / POINTER, folder.name.encode("utf-8"), durable=True)
        if old is not None and old != folder:
            shutil.rmtree(old, ignore_errors=True)

    def remove_strays(self) -> None:
        """Delete index folders a crashed rebuild left behind (the caller holds the write lock)."""
        live = self._current_dir()
        for path in self.root.glob("index-*"):
            if path != live and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)


def _create_empty(folder: Path):
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return FileStorage(str(folder)).create_index(build_schema(), indexname=INDEX_NAME)


class BatchWriter:
    """One Whoosh writer transaction: deletions and additions become visible together at commit."""

    def __init__(self, ix, *, procs: int, limitmb: int, multisegment: bool):
        if procs > 1:
            # Sub-processes analyse the passages; load the dictionary once, before they fork.
            from kb.analysis import words
            words("预热")
            self._writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=multisegment,
                                     batchsize=256)
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
