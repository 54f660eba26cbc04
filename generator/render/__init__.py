"""The renderer registry: one door for every output format, chosen by file extension."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kb.model import Document

from generator.errors import RenderError
from generator.profile import LayoutProfile

# Each writer imports its format's libraries when called: a Markdown draft never loads python-docx.


def render_docx(doc: Document, path, *, profile: LayoutProfile | None = None,
                comments: Mapping[str, str] | None = None) -> None:
    """Write ``doc`` as .docx in the GB/T 9704 layout (see generator.render.docx)."""
    from generator.render.docx import render_docx as _render_docx

    _render_docx(doc, path, profile=profile, comments=comments)


def write_markdown(doc: Document, path, *, profile: LayoutProfile | None = None,
                   comments: Mapping[str, str] | None = None) -> None:
    """Write ``doc`` as Markdown (see generator.render.markdown)."""
    from generator.render.markdown import write_markdown as _write_markdown

    _write_markdown(doc, path, profile=profile, comments=comments)


def render_pdf(doc: Document, path, *, profile: LayoutProfile | None = None,
               comments: Mapping[str, str] | None = None) -> None:
    """Write ``doc`` as PDF through LibreOffice (see generator.pdf)."""
    from generator.pdf import render_pdf as _render_pdf

    _render_pdf(doc, path, profile=profile, comments=comments)

#: Extension → writer(doc, path, *, profile=None, comments=None).
RENDERERS = {".docx": render_docx, ".md": write_markdown, ".pdf": render_pdf}


def render(doc: Document, path, *, profile: LayoutProfile | None = None,
           comments: Mapping[str, str] | None = None) -> Path:
    """Write ``doc`` to ``path`` in the format its extension names; return the path written."""
    path = Path(path)
    writer = RENDERERS.get(path.suffix.lower())
    if writer is None:
        known = "、".join(RENDERERS)
        raise RenderError(f"{path}：不支持输出为“{path.suffix or '无扩展名'}”格式，"
                          f"请用 {known} 作扩展名")
    if not path.parent.is_dir():
        raise RenderError(f"{path}：文件夹 {path.parent} 不存在，请先创建或换一个输出位置")
    try:
        writer(doc, path, profile=profile, comments=comments)
    except PermissionError:
        raise RenderError(f"{path}：没有写入权限（文件可能正在 Word/WPS 中打开），"
                          "请关闭后重试或换一个文件名") from None
    return path
