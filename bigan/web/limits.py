"""Limits of the web pages: how much heavy work runs at once, how many token guesses a client gets."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class AppLimits:
    """The limits one app enforces (the server's own are in :class:`bigan.web.server.ServerLimits`).

    ``heavy`` drafts, layouts and ingest uploads run at once, ``heavy_waiting``
    more wait up to ``heavy_wait`` seconds, any further one is told the server
    is busy. A client gets ``token_attempts`` wrong access tokens per
    ``token_window`` seconds. At most ``ingest_pending`` ingests wait their
    turn behind the running one.
    """

    heavy: int = 2
    heavy_waiting: int = 4
    heavy_wait: float = 30.0
    token_attempts: int = 10
    token_window: float = 60.0
    ingest_pending: int = 4


class Busy(Exception):
    """Raised when a limit is reached: the request gets 503 (服务繁忙，请稍后再试)."""


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc only)
    except (OSError, AttributeError):
        return None
    return libc


def release_memory() -> None:
    """Hand memory freed by finished heavy work back to the system (glibc only; a no-op elsewhere).

    glibc keeps freed memory in one arena per thread, so a draft that ran on
    each of the server's threads in turn would leave each arena at its peak.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class Gate:
    """At most ``slots`` holders at once and ``waiting`` more in line; the rest are refused at once.

    When the last holder leaves, freed memory is handed back to the system.
    """

    def __init__(self, slots: int, waiting: int, timeout: float):
        self._slots = threading.Semaphore(slots)
        self._line = threading.BoundedSemaphore(slots + waiting)
        self.timeout = timeout
        self._held = 0
        self._count = threading.Lock()

    def acquire(self) -> None:
        """Take a slot, waiting in line for up to ``timeout`` seconds; Busy when none comes."""
        if not self._line.acquire(blocking=False):
            raise Busy()
        if not self._slots.acquire(timeout=self.timeout):
            self._line.release()
            raise Busy()
        with self._count:
            self._held += 1

    def release(self) -> None:
        with self._count:
            self._held -= 1
            last = self._held == 0
        self._slots.release()
        self._line.release()
        if last:
            release_memory()


class Attempts:
    """Wrong access tokens per client, over a sliding window; the oldest clients are forgotten first.

    The same wrong token counts once (a browser keeping a cookie from an earlier
    start sends it with every request); each different guess counts.
    """

    MAX_CLIENTS = 4096

    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._clients: OrderedDict[str, dict[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def blocked(self, client: str) -> float:
        """Return the seconds until ``client`` may try again, 0 when it may now."""
        with self._lock:
            guesses = self._recent(client)
            if len(guesses) < self.limit:
                return 0.0
            return max(min(guesses.values()) + self.window - time.monotonic(), 0.1)

    def failed(self, client: str, guess: str) -> None:
        """Record a wrong token from ``client``."""
        digest = hashlib.sha256(guess.encode("utf-8", "surrogatepass")).digest()[:12]
        with self._lock:
            guesses = self._recent(client)
            guesses[digest] = time.monotonic()
            self._clients[client] = guesses
            self._clients.move_to_end(client)
            while len(self._clients) > self.MAX_CLIENTS:
                self._clients.popitem(last=False)

    def _recent(self, client: str) -> dict[bytes, float]:
        cutoff = time.monotonic() - self.window
        guesses = {k: t for k, t in self._clients.get(client, {}).items() if t > cutoff}
        if not guesses:
            self._clients.pop(client, None)
        return guesses
