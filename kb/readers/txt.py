"""Plain-text reader: one paragraph per non-empty line, whatever the encoding and line endings."""

from __future__ import annotations

import re

from kb.errors import ReadError, printable
from kb.model import RawDocument
from kb.readers.blocks import MAX_PARAGRAPHS, make_block, too_many_paragraphs
from kb.readers.encoding import decode_bytes
from kb.readers.source import DEFAULT_MAX_BYTES, as_path, read_bytes

#: A line this long with several sentences is a page whose paragraph breaks were lost.
_RUN_TOGETHER_LINE = 500
#: ... and so is any line longer than this, which no real paragraph reaches.
_RUN_TOGETHER_ALWAYS = 2000
_SENTENCE_END_RE = re.compile(r"[。！？!?]")


def read_txt(path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Return the paragraphs of the text file at ``path``; ``encoding`` overrides detection."""
    path = as_path(path)
    data = read_bytes(path, max_bytes)
    return raw_from_text(decode_bytes(data, path, encoding), str(path))


def raw_from_text(text: str, path) -> RawDocument:
    """Return the RawDocument of already decoded plain text; ``path`` names it in messages.

    >>> raw = raw_from_text("关于加强管理的通知\\r\\n\\r\\n各单位：  \\r\\n", "a.txt")
    >>> [b.text for b in raw.blocks]
    ['关于加强管理的通知', '各单位：']
    """
    text = text.removeprefix("\ufeff")
    blocks = []
    for line in text.splitlines():
        block = make_block(line)
        if block is not None:
            blocks.append(block)
            if len(blocks) > MAX_PARAGRAPHS:
                raise too_many_paragraphs(path, len(blocks))
    if not blocks:
        raise ReadError(path, "文件是空的", "请确认文件里有正文")
    return RawDocument(path=printable(path), blocks=tuple(blocks), meta={}, format="txt",
                       run_together=is_run_together([b.text for b in blocks]))


def is_run_together(lines: list[str]) -> bool:
    """Return True when the lines look like a page whose paragraph breaks were collapsed.

    That is a line of more than 500 characters holding several sentences and most of the
    text, or any line of more than 2,000 characters (real paragraphs stay well below).

    >>> is_run_together(["标题", "第一句。" * 200])
    True
    >>> is_run_together(["第一段。" * 100, "第二段。" * 100, "第三段。" * 100])
    False
    """
    if not lines:
        return False
    longest = max(lines, key=len)
    if len(longest) > _RUN_TOGETHER_ALWAYS:
        return True
    total = sum(len(line) for line in lines)
    return (len(longest) > _RUN_TOGETHER_LINE and len(_SENTENCE_END_RE.findall(longest)) >= 3
            and len(longest) * 2 >= total)
