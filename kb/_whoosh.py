"""Import Whoosh without the modules it imports at load time but bigan never calls.

Whoosh's package imports pull in ``urllib.request`` (with http.client, email and ssl)
for a download helper, ``asyncio`` through ``cached_property``, and English stemming
and morphology tables whose regular expressions take tens of milliseconds to compile.
Every search is a new process, so that is a large part of what a writer waits for.

While this module imports Whoosh's core, each of those modules is stood in for by a
small module whose functions import the real one when first called; the stand-ins
leave ``sys.modules`` as soon as Whoosh is loaded, so any other import gets the real
module. Import this module before any ``whoosh`` import (kb's modules that use Whoosh
do). If Whoosh is already loaded, or a module already imported, nothing is stood in.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types

#: Module: the functions Whoosh imports from it (the only names it takes).
_DEFERRED = {
    "urllib.request": ("urlretrieve",),
    "whoosh.lang.morph_en": ("variations",),
    "whoosh.lang.porter": ("stem",),
    "whoosh.lang.dmetaphone": ("double_metaphone",),
}


def _later(module: str, name: str):
    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _iscoroutinefunction(func) -> bool:
    # cached_property asks on every first access. Before asyncio is loaded no function can
    # carry asyncio's own coroutine mark, so inspect's answer is asyncio's answer.
    asyncio = sys.modules.get("asyncio")
    if isinstance(asyncio, _LazyAsyncio) or asyncio is None:
        return inspect.iscoroutinefunction(func)
    return asyncio.iscoroutinefunction(func)


class _LazyAsyncio(types.ModuleType):
    """asyncio as cached_property sees it: the real module once anything else is asked for."""

    iscoroutinefunction = staticmethod(_iscoroutinefunction)

    def __getattr__(self, name):
        return getattr(importlib.import_module("asyncio"), name)


def _stand_ins() -> dict[str, types.ModuleType]:
    stand_ins: dict[str, types.ModuleType] = {}
    for module, names in _DEFERRED.items():
        stub = types.ModuleType(module, "stands in while Whoosh loads (kb._whoosh)")
        for name in names:
            setattr(stub, name, _later(module, name))
        stand_ins[module] = stub
    stand_ins["asyncio"] = _LazyAsyncio("asyncio", "stands in while Whoosh loads (kb._whoosh)")
    return stand_ins


class _ViewStream:
    """A read-only stream over a memoryview: what io.BytesIO offers Whoosh, without copying."""

    def __init__(self, view):
        self._view = view
        self._pos = 0

    def read(self, size=-1):
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)
        return self._view[start:end].tobytes()

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size=-1):
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        start = position = self._pos
        while position < end:
            chunk = self._view[position:min(position + 4096, end)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                end = position + newline + 1
                break
            position += len(chunk)
        self._pos = max(start, end)
        return self._view[start:end].tobytes()

    def __iter__(self):
        return iter(self.readline, b"")

    def seek(self, offset, whence=0):
        if whence == 0 and offset < 0:  # as io.BytesIO: a damaged offset fails, never reads elsewhere
            raise ValueError(f"negative seek value {offset}")
        self._pos = max(0, (0, self._pos, len(self._view))[whence] + offset)
        return self._pos

    def tell(self):
        return self._pos

    def close(self):
        self._view = memoryview(b"")


def _mapped_file_class():
    from whoosh.filedb.structfile import BufferFile

    class MappedFile(BufferFile):
        """Whoosh's file on part of a memory-mapped segment, without its copy of that part.

        Whoosh's BufferFile copies its part into an io.BytesIO when opened, so opening a
        searcher copied the whole index (postings, terms, stored text) before the first
        query: at 100,000 passages, hundreds of megabytes. Here the part is read where the
        segment is mapped: a query reads the pages it needs.
        """

        def __init__(self, buf, name=None, onclose=None):
            super().__init__(b"", name=name, onclose=onclose)
            self._buf = buf
            self.file = _ViewStream(buf)

    return MappedFile


def length_bytes(perdoc, fieldname: str) -> bytes | None:
    """Return a segment's field-length bytes (one per document, Whoosh's encoding), read once.

    None when the segment's codec keeps its lengths some other way.
    """
    cache = perdoc.__dict__.setdefault("_kb_length_bytes", {})
    if fieldname not in cache:
        from whoosh.codec import whoosh3

        raw = None
        reader = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN) \
            if hasattr(perdoc, "_cached_reader") else None
        if reader is not None and hasattr(reader, "_dbfile") and reader._fixedlen == 1:
            doccount = perdoc._doccount
            raw = reader._dbfile.get(reader._basepos, min(reader._count, doccount))
            raw += reader._defaultbytes * (doccount - len(raw))
        cache[fieldname] = raw
    return cache[fieldname]


def _read_lengths_at_once() -> None:
    """Have a segment's per-document reader read a field's lengths in one read, not one by one.

    Writing a segment asks for the length of every posting's document (1.5 million
    asks for 10,000 passages), each a seek and a read of one byte through the column
    reader: a fifth of the CPU that ingest spent. The answers are the same bytes.
    """
    from whoosh.codec import whoosh3
    from whoosh.util.numeric import byte_to_length

    table = [byte_to_length(b) for b in range(256)]
    one_by_one = whoosh3.W3PerDocReader.doc_field_length

    def doc_field_length(self, docnum, fieldname, default=0):
        raw = length_bytes(self, fieldname)
        if raw is None or docnum >= len(raw):
            return one_by_one(self, docnum, fieldname, default)
        lbyte = raw[docnum]
        return table[lbyte] if lbyte else default

    whoosh3.W3PerDocReader.doc_field_length = doc_field_length


def _load() -> None:
    if "whoosh.reading" in sys.modules:
        return
    placed = {name: stub for name, stub in _stand_ins().items() if name not in sys.modules}
    sys.modules.update(placed)
    try:
        import whoosh.analysis  # noqa: F401  (compat, stemming, morphology)
        import whoosh.query  # noqa: F401  (morph_en)
        import whoosh.reading  # noqa: F401  (cached_property)
    finally:
        for name, stub in placed.items():
            if sys.modules.get(name) is stub:
                del sys.modules[name]
    from whoosh.filedb import compound

    compound.BufferFile = _mapped_file_class()
    _read_lengths_at_once()


_load()
