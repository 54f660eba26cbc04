"""`bigan outline`: the recovered structure of one document."""

from __future__ import annotations

import click

from bigan.cli_support import echo_json, json_option, library_errors
from kb.model import DOC_TYPE_NAMES, Document, Section
from kb.parse import load_document
from kb.structure import heading_line, heading_text



@click.command("outline")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--encoding", help="指定文本文件的编码（如 gb18030、utf-8），默认自动识别。")
@click.option("--type", "doc_type", type=click.Choice(list(DOC_TYPE_NAMES)), help="指定文档类型。")
@click.option("--points/--no-points", default=True, help="是否列出“一是……”等要点（默认列出）。")
@json_option
@library_errors
def outline(file, encoding, doc_type, points, as_json):
    """显示文档的结构（标题、称谓、各级标题和要点）。

    \b
    示例：
      bigan outline 讲话稿.txt
      bigan outline 通知.html --json | jq .sections
    """
    doc = load_document(file, encoding=encoding, doc_type=doc_type)
    if as_json:
        echo_json(doc.to_json())
        return
    for line in format_outline(doc, points=points):
        click.echo(line)


def format_outline(doc: Document, *, points: bool = True) -> list[str]:
    """Return the indented outline of a document, for people."""
    lines = [doc.title or "（无标题）"]
    facts = [DOC_TYPE_NAMES.get(doc.doc_type, doc.doc_type)]
    for label, value in (("会议", doc.meeting), ("讲话人", doc.speaker), ("日期", doc.date),
                         ("文号", doc.meta.doc_number), ("发文机关", doc.meta.issuer)):
        if value:
            facts.append(f"{label}：{value}")
    lines.append("［" + "；".join(facts) + "］")
    if doc.salutation:
        lines.append(f"{doc.salutation}：")
    if doc.opening:
        lines.append(f"  （开头 {len(doc.opening)} 段）")

    def walk(section: Section, depth: int):
        if section.kind == "point" and not points and section.level > 1:  # a speech's run-in parts stay
            return
        heading = heading_line(section) if section.kind == "point" else heading_text(section)
        lines.append("  " * depth + heading)
        for child in section.children:
            walk(child, depth + 1)

    for section in doc.sections:
        walk(section, 1)
    if doc.closing:
        lines.append(f"  （结尾 {len(doc.closing)} 段）：{_clip(doc.closing[0])}")
    for attachment in doc.attachments:
        lines.append(f"{attachment.label or '附件'}　{attachment.title}")
        for section in attachment.sections:
            walk(section, 1)
    return lines


def _clip(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[:width] + "……"


COMMANDS = [outline]
