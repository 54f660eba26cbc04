"""The one knowledge base of a web process, shared by all its requests and reopened after each commit."""

from __future__ import annotations

import os
import threading
from pathlib import Path


class SharedLibrary:
    """One KnowledgeBase (one Whoosh searcher, one 提法 library) for every request of a process.

    Opening a knowledge base per request cost a searcher, its caches and the
    segmenter's user words each time, so memory grew with the number of
    requests in flight. Here there is one. Whoosh's segment readers seek and
    read one shared file object, so calls go through one lock; each is short
    (a search, a document), and a draft holds it only for its own searches.
    Before each call the pointer file and the 提法 file (rewritten by every
    commit, in this process or another) are checked, and a changed library is
    reopened.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.RLock()
        self._kb = None
        self._signature = None
        self.opened = 0  # how many times a KnowledgeBase was opened (tests and the benchmark read it)

    def get(self) -> "LockedKnowledgeBase":
        """Return the shared knowledge base; KbError when it does not exist."""
        self.current()
        return LockedKnowledgeBase(self)

    def current(self):
        """Return the up-to-date KnowledgeBase (the caller holds, or takes, the lock)."""
        from kb.knowledge_base import KnowledgeBase

        with self._lock:
            signature = self._signature_now()
            if self._kb is not None and signature != self._signature:
                self.close()
            if self._kb is None:
                self._kb = KnowledgeBase.open(self.root, create=False)
                self._signature = signature
                self.opened += 1
            return self._kb

    def call(self, name: str, *args, **kwargs):
        """Return ``kb.name(*args, **kwargs)`` on the up-to-date knowledge base, under the lock."""
        with self._lock:
            return getattr(self.current(), name)(*args, **kwargs)

    def close(self) -> None:
        """Close the open knowledge base (the next call opens it again)."""
        with self._lock:
            if self._kb is not None:
                self._kb.close()
                self._kb = None
                self._signature = None

    def version(self) -> str:
        """Return a short digest that changes whenever a commit changes the library (drafts' choices check it)."""
        import hashlib

        return hashlib.sha256(repr(self._signature_now()).encode()).hexdigest()[:12]

    def _signature_now(self) -> tuple:
        from kb.index import POINTER
        from kb.knowledge_base import PHRASES_FILE

        out = []
        for name in (POINTER, PHRASES_FILE):
            try:
                stat = os.stat(self.root / name)
            except OSError:
                out.append(None)
            else:
                # Every commit rewrites the 提法 file by a rename (a new inode); a rebuilt
                # index rewrites the pointer the same way.
                out.append((stat.st_ino, stat.st_mtime_ns, stat.st_size))
        return tuple(out)


class LockedKnowledgeBase:
    """The KnowledgeBase API of a SharedLibrary: each method call runs under its lock."""

    def __init__(self, library: SharedLibrary):
        self._library = library

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._library.current(), name)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            return self._library.call(name, *args, **kwargs)

        call.__name__ = name
        return call
