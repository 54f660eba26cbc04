"""Paragraph text as every reader hands it over: no control characters, no trailing space."""

from __future__ import annotations

import re

from kb.errors import ReadError
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


#: No paragraph of a real document is longer; a longer one (a dump on one line) is cut
#: into pieces of at most this many characters, so that no passage, and no document's
#: index entry, grows with the file.
MAX_BLOCK_CHARS = 5_000
#: More paragraphs than any real document holds (a 500-page report has about 10,000); each
#: costs about 0.3 ms from reading to index, so the cap also bounds the time at about 30 s.
MAX_PARAGRAPHS = 100_000
_CUT_AFTER = ("。！？!?；;", "，,、：: \t")


def too_many_paragraphs(path, count: int) -> ReadError:
    """Return the error for a file of more than MAX_PARAGRAPHS paragraphs."""
    return ReadError(path, f"段落太多（超过 {MAX_PARAGRAPHS:,} 个），不像一篇文档，可能是恶意构造的文件",
                     "请确认文件来源，或把文件拆分后再入库")


def split_long(text: str, limit: int = MAX_BLOCK_CHARS) -> list[str]:
    """Return ``text`` cut into pieces of at most ``limit`` characters, at sentence ends where possible.

    >>> split_long("第一句。第二句很长。第三句。", limit=10)
    ['第一句。第二句很长。', '第三句。']
    >>> split_long("甲" * 10, limit=4)
    ['甲甲甲甲', '甲甲甲甲', '甲甲']
    """
    pieces, start = [], 0
    while len(text) - start > limit:
        end = start + limit
        cut = -1
        for marks in _CUT_AFTER:
            # The last mark in the second half of the window: pieces stay at least half full.
            cut = max(text.rfind(mark, start + limit // 2, end) for mark in marks)
            if cut >= 0:
                break
        end = cut + 1 if cut >= 0 else end
        pieces.append(text[start:end].strip())
        start = end
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def split_long_blocks(blocks) -> tuple[Block, ...]:
    """Return ``blocks`` with every block longer than MAX_BLOCK_CHARS cut into several.

    The first piece keeps the block's level, marker and title flag.
    """
    out: list[Block] = []
    for block in blocks:
        if len(block.text) <= MAX_BLOCK_CHARS:
            out.append(block)
            continue
        for n, piece in enumerate(split_long(block.text)):
            out.append(Block(text=piece, level=block.level if n == 0 else None,
                             marker=block.marker if n == 0 else "", is_title=block.is_title and n == 0))
    return tuple(out)
