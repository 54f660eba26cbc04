"""Corrections a user makes to a document's metadata, kept in the knowledge-base folder.

``overrides.json`` maps each source path to the fields the user corrected. The stored
Document is changed too, so `bigan reindex` keeps the correction; ingest applies the
file again whenever it parses that source anew, so a re-read file keeps it as well.

>>> validate_edits({"date": "2025年3月8日", "doc_type": "讲话", "speaker": " 张某 "})
{'date': '2025-03-08', 'doc_type': 'speech', 'speaker': '张某'}
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from pathlib import Path

from kb.errors import KbError
from kb.model import DOC_TYPE_NAMES, DOC_TYPES, Document
from kb.store import write_atomic

OVERRIDES_FILE = "overrides.json"
#: The fields a user may correct, in the order they are shown; "unit" is the issuing unit.
EDITABLE = ("title", "doc_type", "date", "speaker", "meeting", "unit")
FIELD_NAMES = {"title": "标题", "doc_type": "类型", "date": "日期", "speaker": "讲话人", "meeting": "会议",
               "unit": "单位"}


def validate_edits(changes: dict) -> dict:
    """Return the corrections in stored form; KbError naming the bad value and what to write.

    ``None`` means "leave as it is"; an empty string clears a field (the title cannot be cleared).
    """
    out = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise KbError(f"不能修改“{name}”，可修改：{'、'.join(FIELD_NAMES[f] for f in EDITABLE)}")
        if value is None:
            continue
        value = " ".join(str(value).split())
        if name == "title":
            if not value:
                raise KbError("标题不能为空（请给出新的标题）")
            if len(value) > 200:
                raise KbError(f"标题太长（{len(value)} 字），请不超过 200 字")
        elif name == "doc_type":
            value = _doc_type(value)
        elif name == "date" and value:
            value = _date(value)
        out[name] = value
    return out


def _doc_type(value: str) -> str:
    if value in DOC_TYPES:
        return value
    for code, label in DOC_TYPE_NAMES.items():
        if value in (label, label.removeprefix("工作")):
            return code
    choices = "、".join(f"{label}（{code}）" for code, label in DOC_TYPE_NAMES.items())
    raise KbError(f"未知的文档类型“{value}”，可选：{choices}")


def _date(value: str) -> str:
    """Return the ISO form of 2025-03-08, 2025年3月8日, 2025-03 or 2025; KbError when not a real date."""
    from kb.structure import iso_date

    bad = KbError(f"无法识别的日期“{value}”，请写成 2025-03-08、2025年3月8日、2025-03 或 2025")
    iso = iso_date(value)
    if not iso:
        raise bad
    parts = [int(p) for p in iso.split("-")]
    # iso_date keeps only the year of a date whose month is out of range
    if len(parts) == 1 and not re.fullmatch(r"\d{4}年?", value):
        raise bad
    try:
        datetime.date(parts[0], *(parts[1:] + [1, 1])[:2])
    except ValueError:
        raise bad from None
    return iso


def apply_edits(doc: Document, edits: dict) -> Document:
    """Return ``doc`` with the (validated) corrections applied."""
    if not edits:
        return doc
    fields = {name: (value or None) for name, value in edits.items() if name in ("date", "speaker", "meeting")}
    if "title" in edits:
        fields["title"] = edits["title"]
    if "doc_type" in edits:
        fields["doc_type"] = edits["doc_type"]
    if "unit" in edits:
        fields["meta"] = dataclasses.replace(doc.meta, issuer=edits["unit"] or None)
    return dataclasses.replace(doc, **fields)


class Overrides:
    """The overrides file of one knowledge base: source path -> corrected fields."""

    def __init__(self, root: Path):
        self.path = Path(root) / OVERRIDES_FILE
        self._data: dict | None = None

    def _load(self) -> dict:
        if self._data is None:
            try:
                self._data = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                self._data = {}
            except (OSError, ValueError) as error:
                raise KbError(f"修改记录文件 {self.path} 已损坏（{error}），请删除它后重新修改") from None
        return self._data

    def get(self, source: str) -> dict:
        """Return the corrections of one source path (empty when none)."""
        return dict(self._load().get(source, {}))

    def apply(self, source: str, doc: Document) -> Document:
        """Return ``doc`` with the corrections recorded for ``source``."""
        return apply_edits(doc, self.get(source))

    def record(self, source: str, edits: dict) -> None:
        """Add corrections for a source and write the file (temporary file and rename)."""
        data = self._load()
        data[source] = {**data.get(source, {}), **edits}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
