"""The metadata table of government portal pages (发文机关, 成文日期, 发文字号 …), in HTML or Word."""

from __future__ import annotations

#: Label as written (spaces of any width removed, no colon) -> key in RawDocument.meta.
PORTAL_KEYS = {"发文机关": "issuer", "成文日期": "date", "发文字号": "doc_number",
               "标题": "title", "发布日期": "published"}
#: Further labels of the same table: they mark it as metadata, not content.
_OTHER_LABELS = frozenset({"索引号", "主题分类", "主题词"})


def portal_label(text: str) -> str | None:
    """Return the label a cell's text spells (``标　　题：`` -> ``标题``), or None.

    >>> portal_label("标　　题：")
    '标题'
    >>> portal_label("国务院办公厅") is None
    True
    """
    if len(text) > 20:
        return None
    label = "".join(text.split()).rstrip("：:")
    if label in PORTAL_KEYS or label in _OTHER_LABELS:
        return label
    return None


def meta_from_rows(rows) -> tuple[dict, int]:
    """Return the metadata in rows of cell texts (label cell, then value cell) and how many labels were seen."""
    meta: dict = {}
    labels = 0
    for cells in rows:
        for index, text in enumerate(cells):
            label = portal_label(text)
            if label is None:
                continue
            labels += 1
            key = PORTAL_KEYS.get(label)
            if key and key not in meta and index + 1 < len(cells):
                value = " ".join(cells[index + 1].split())
                if value and portal_label(value) is None:
                    meta[key] = value
    return meta, labels


#: Fewer labels than this is a content table that happens to have a "标题" column.
MIN_LABELS = 2
