"""Presentation helpers for the templates: highlighted text, heading labels, Chinese names."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from kb.model import Span, merge_spans

TYPE_NAMES = {"speech": "讲话", "work_plan": "工作方案", "report": "工作报告", "notice": "通知",
              "opinion": "意见", "regulation": "法规", "other": "其他"}
ROLE_NAMES = {"title": "标题", "opening": "开头", "heading": "小标题", "body": "正文",
              "point": "要点", "closing": "结尾"}
KIND_NAMES = {"numbered": "数字提法", "quoted": "引号提法", "quotation": "引语"}


def highlight(text: str, spans: Iterable) -> Markup:
    """Return ``text`` escaped, with each span (``.start``/``.end``) wrapped in ``<mark>``.

    >>> str(highlight("<b>一刻钟</b>", [type("S", (), {"start": 3, "end": 6})()]))
    '&lt;b&gt;<mark>一刻钟</mark>&lt;/b&gt;'
    """
    out, last = [], 0
    for start, end in merge_spans(spans):
        out.append(escape(text[last:start]))
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def heading_labels(passages) -> dict[int, str]:
    """Return passage ordinal → heading with its marker (“一、…”, “一是…”) for heading and point passages.

    A passage holds a heading without its marker; the marked label is the
    last step of the heading chain of the passages below it.
    """
    children: dict[tuple[str, ...], list[str]] = {}
    for passage in passages:
        path = tuple(passage.section_path)
        for depth in range(len(path)):
            labels = children.setdefault(path[:depth], [])
            if path[depth] not in labels:
                labels.append(path[depth])
    out: dict[int, str] = {}
    for passage in passages:
        if passage.role not in ("heading", "point"):
            continue
        for label in children.get(tuple(passage.section_path), ()):
            if label.endswith(passage.text) and label != passage.text:
                out[passage.ordinal] = label
                break
    return out


def body_texts(passages, labels: dict[int, str]) -> dict[int, str]:
    """Return passage ordinal → text to show for a body passage that repeats the run-in heading above it.

    A run-in heading and its body are one passage for search ("（三）抓好服务。要深化…");
    the page shows the heading as a heading, so the body shows what follows it.
    """
    out: dict[int, str] = {}
    previous = None
    for passage in passages:
        if previous is not None and previous.role == "heading" and passage.role == "body":
            label = labels.get(previous.ordinal, previous.text)
            for lead in (label + "。", label):
                if passage.text.startswith(lead) and len(passage.text) > len(lead):
                    out[passage.ordinal] = passage.text[len(lead):]
                    break
        previous = passage
    return out


def finding_spans(text: str, findings) -> list[Span]:
    """Return the spans of a line that the findings point at (1-based ``column``, ``original``)."""
    spans = []
    for finding in findings:
        start = max(finding.column - 1, 0)
        end = min(start + max(len(finding.original), 1), len(text))
        if start < len(text):
            spans.append(Span(start, end))
    return spans


def size(n: int) -> str:
    """Return a byte count as people say it.

    >>> size(20 * 1024 * 1024), size(100 * 1024)
    ('20 MB', '100 KB')
    """
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    return f"{n / 1024:g} KB"
