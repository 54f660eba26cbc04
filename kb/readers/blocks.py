"""Paragraph text as every reader hands it over: no control characters, no trailing space."""

from __future__ import annotations

import re

from kb.model import Block

# XML cannot carry these, and no official text needs them; \t and \n stay.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Return ``text`` without control characters other than tab and newline.

    >>> strip_controls("一、\\x00总体\\x07要求\\t")
    '一、总体要求\\t'
    """
    return _CONTROL_RE.sub("", text)


def make_block(text: str, *, level: int | None = None, marker: str = "",
               is_title: bool = False) -> Block | None:
    """Return a Block of ``text`` without controls and trailing whitespace, or None when nothing is left."""
    text = strip_controls(text).rstrip()
    if not text.strip():
        return None
    return Block(text=text, level=level, marker=marker, is_title=is_title)
