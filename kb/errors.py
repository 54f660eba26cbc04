"""Typed errors of the knowledge base. Messages are for the user, in Chinese."""

from __future__ import annotations


def printable(text) -> str:
    """Return ``text`` with the undecodable bytes of a file name (surrogateescape) written as \\xNN.

    >>> printable("/材料/" + b"\\xb9\\xfa.txt".decode("utf-8", "surrogateescape"))
    '/材料/\\\\xb9\\\\xfa.txt'
    """
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class KbError(Exception):
    """Base class: anything the user can fix gets one of these."""

    #: The CLI and the web pages show these as a message, not a traceback.
    is_user_error = True


class ReadError(KbError):
    """A file could not be read; the message names the file, the reason and what to do."""

    def __init__(self, path, reason: str, hint: str = ""):
        self.path = printable(path)
        self.reason = reason
        self.hint = hint
        message = f"{self.path}：{reason}"
        if hint:
            message += f"（{hint}）"
        super().__init__(message)


class IndexLockedError(KbError):
    """Another process holds the knowledge base's write lock."""


class IndexCorruptError(KbError):
    """The index on disk cannot be opened; `bigan reindex` rebuilds it."""


class IndexOutdatedError(KbError):
    """The index was built by an older version and lacks what was asked for; `bigan reindex` adds it."""


class QueryError(KbError):
    """A search query that cannot be run (empty, only exclusions, too short)."""


class NotFoundError(KbError):
    """A document id or path that the knowledge base does not hold."""
