"""Markdown reader: the metadata block at the top, then Markdown through the HTML walker."""

from __future__ import annotations

import html as html_escape
import re

import lxml.html
import markdown

from kb.errors import ReadError, printable
from kb.model import RawDocument
from kb.readers.blocks import MAX_PARAGRAPHS, too_many_paragraphs
from kb.readers.encoding import decode_bytes
from kb.readers.html import blocks_from_element
from kb.readers.source import DEFAULT_MAX_BYTES, as_path, read_bytes

#: Metadata keys as written (English, and Chinese inside a --- block) -> key in RawDocument.meta.
_META_KEYS = {
    "title": "title", "标题": "title",
    "type": "doc_type", "doc_type": "doc_type", "doctype": "doc_type", "文种": "doc_type",
    "类型": "doc_type",
    "date": "date", "日期": "date",
    "occasion": "occasion", "meeting_type": "occasion", "场合": "occasion",
    "会议类型": "occasion",
    "tags": "tags", "topics": "tags", "标签": "tags", "主题": "tags",
    "speaker": "speaker", "讲话人": "speaker",
}
_FENCE_RE = re.compile(r"^-{3,}\s*$")
_FENCE_END_RE = re.compile(r"^(-{3,}|\.{3})\s*$")
# Python-Markdown's meta style: "Key: value" lines at the very top, ASCII keys only, so that
# a first line such as "时间：2019年" stays text.
_META_LINE_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*)\s*:\s*(?P<value>.*)$")
_FENCED_LINE_RE = re.compile(r"^(?P<key>[^\s:：][^:：]*?)\s*[:：]\s*(?P<value>.*)$")
_CONTINUATION_RE = re.compile(r"^(?:\s+-\s+(?P<item>.*)|\s{2,}(?P<more>\S.*))$")
_TAG_SPLIT_RE = re.compile(r"[,，、;；]")


def read_markdown(path, *, encoding: str | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Return the paragraphs and metadata of the Markdown file at ``path``."""
    path = as_path(path)
    data = read_bytes(path, max_bytes)
    return raw_from_markdown(decode_bytes(data, path, encoding), path)


def raw_from_markdown(text: str, path) -> RawDocument:
    """Return the RawDocument of Markdown text; ``path`` names it in messages.

    >>> raw = raw_from_markdown("---\\ntitle: 示例\\ntags: 党建、调研\\n---\\n# 示例\\n\\n第一行\\n第二行\\n", "a.md")
    >>> raw.meta
    {'title': '示例', 'tags': ['党建', '调研']}
    >>> [(b.text, b.level, b.is_title) for b in raw.blocks]
    [('示例', 0, True), ('第一行第二行', None, False)]
    """
    meta, body = split_metadata(text.lstrip("\ufeff"))
    body = strip_footnotes(body)
    if not body.strip():
        if meta:
            raise ReadError(path, "文件里只有元数据，没有正文", "请在元数据块之后写正文")
        raise ReadError(path, "文件是空的", "请确认文件里有正文")
    if body.count("\n") > MAX_PARAGRAPHS:
        lines = re.finditer(r"^[ \t]*\S", body, re.M)
        if sum(1 for _, _ in zip(lines, range(MAX_PARAGRAPHS + 1))) > MAX_PARAGRAPHS:
            raise too_many_paragraphs(path, MAX_PARAGRAPHS)
    html = markdown_to_html(body)
    root = lxml.html.fragment_fromstring(html, create_parent="div",
                                         parser=lxml.html.HTMLParser(huge_tree=True))
    blocks = blocks_from_element(root)
    if not blocks:
        raise ReadError(path, "文件是空的", "请确认文件里有正文")
    return RawDocument(path=printable(path), blocks=tuple(blocks), meta=meta, format="md")


#: Python-Markdown rescans a block once per markup token it meets, so a block costs about
#: (tokens x characters): 4 KB of "[" take seconds, 40 KB minutes. A block over this
#: cost is read as plain text lines (about 0.2 s at worst) ...
_BLOCK_COST = 1_000_000
#: ... and so is every block after the file has spent this much (about 10 s at worst).
_FILE_COST = 50_000_000
_MARKUP_RE = re.compile(r"[\[\]<>*_`\\&!]")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
# A block that goes on the one before: an indented continuation, or the next item of a list.
_CONTINUES_RE = re.compile(r"[ \t]|(?:[-*+]|\d{1,9}[.)])[ \t]")


def markdown_to_html(text: str) -> str:
    """Return the HTML of Markdown text, in time about linear in its length.

    Blocks (runs of lines between blank lines, a list kept whole) go through Python-Markdown
    one by one; a block whose markup would cost too long, such as a run of brackets, is
    read as plain lines instead: its text is kept, its markup is not interpreted.

    >>> markdown_to_html("# 标题\\n\\n正文**重点**")
    '<h1>标题</h1>\\n<p>正文<strong>重点</strong></p>'
    >>> markdown_to_html("[" * 5000)[:12]
    '<p>[[[[[[[[['
    """
    converter = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    out, spent = [], 0
    for block in _blocks(text):
        cost = (len(_MARKUP_RE.findall(block)) + block.count("\n") + 1) * len(block)
        if cost <= _BLOCK_COST and spent + cost <= _FILE_COST:
            spent += cost
            out.append(converter.reset().convert(block))
        else:
            out.append("".join(f"<p>{html_escape.escape(line)}</p>" for line in block.splitlines()))
    return "\n".join(part for part in out if part)


def _blocks(text: str) -> list[str]:
    blocks: list[list[str]] = []
    for block in _BLANK_LINE_RE.split(text):
        if blocks and _CONTINUES_RE.match(block):
            blocks[-1].append(block)
        elif block.strip():
            blocks.append([block])
    return ["\n\n".join(parts) for parts in blocks]


_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]\s]+\]:.*(?:\n(?:[ \t]+.*)?)*?(?=\n\S|\Z)", re.M)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\s]+\](?!:)")


def strip_footnotes(text: str) -> str:
    """Return Markdown without footnotes: they are notes on the text (a draft's sources), not text.

    >>> strip_footnotes("正文。[^1]\\n\\n[^1]: 来源：《讲话》\\n")
    '正文。\\n\\n'
    """
    text = _FOOTNOTE_DEFINITION.sub("", text)
    return _FOOTNOTE_REFERENCE.sub("", text)


def split_metadata(text: str) -> tuple[dict, str]:
    """Return the metadata block at the top of Markdown text, and the text after it.

    Two styles are read: YAML-like between ``---`` lines, and Python-Markdown's
    ``Key: value`` lines ended by a blank line. Keys title, type/doc_type, date,
    occasion/meeting_type, tags/topics and speaker land under title, doc_type, date,
    occasion, tags (a list) and speaker; other keys are ignored.

    >>> split_metadata("Title: 讲话\\nTopics: 党建, 调研\\n\\n正文")
    ({'title': '讲话', 'tags': ['党建', '调研']}, '正文')
    """
    lines = text.splitlines()
    if lines and _FENCE_RE.match(lines[0]):
        for end in range(1, len(lines)):
            if _FENCE_END_RE.match(lines[end]):
                return _parse_meta_lines(lines[1:end], _FENCED_LINE_RE), "\n".join(lines[end + 1:])
        return {}, text  # no closing fence: a horizontal rule, not metadata
    if not lines or not _META_LINE_RE.match(lines[0]):
        return {}, text
    end = 0
    while end < len(lines) and lines[end].strip():
        if not (_META_LINE_RE.match(lines[end]) or _CONTINUATION_RE.match(lines[end])):
            return {}, text  # a paragraph that merely starts with "Word:"
        end += 1
    meta = _parse_meta_lines(lines[:end], _META_LINE_RE)
    if not meta:
        return {}, text
    return meta, "\n".join(lines[end + 1:])


def _parse_meta_lines(lines: list[str], line_re) -> dict:
    values: dict[str, list[str]] = {}
    key = None
    for line in lines:
        match = line_re.match(line) if not line[:1].isspace() else None
        if match:
            key = _META_KEYS.get(match.group("key").strip().lower())
            if key is not None:
                values[key] = [match.group("value")]
            continue
        more = _CONTINUATION_RE.match(line)
        if more and key is not None:
            values[key].append(more.group("item") if more.group("item") is not None
                               else more.group("more"))
    meta: dict = {}
    for key, parts in values.items():
        parts = [_unquote(p) for p in parts]
        if key == "tags":
            items = []
            for part in parts:
                items.extend(_unquote(t) for t in _TAG_SPLIT_RE.split(part.strip("[]")))
            meta[key] = [t for t in items if t]
        else:
            value = " ".join(p for p in parts if p)
            if value:
                meta[key] = value
    return meta


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value
