"""Regular expressions compiled on first use, so that importing a module costs nothing for them.

A character class spanning the Han block takes a millisecond or more to compile, and
the reading modules hold dozens of them; a command that only searches or shows a
stored document uses few or none. :func:`lazy` stands in for ``re.compile`` at module
level: the pattern compiles when it is first used, and after that its methods are plain
attributes of the stand-in, as fast as the compiled pattern's own.

>>> word = lazy(r"[一-龥]+")
>>> word.findall("基层 治理"), word.pattern
(['基层', '治理'], '[一-龥]+')
"""

from __future__ import annotations

import re


class LazyPattern:
    """A compiled regular expression in waiting: any attribute compiles it (``re`` caches that)."""

    def __init__(self, pattern: str, flags: int = 0):
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        # Called only for attributes not yet copied from the compiled pattern.
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(re.compile(*self._source), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """Return ``re.compile(pattern, flags)``, compiled when first used."""
    return LazyPattern(pattern, flags)
