"""Property tests: any text or small .docx/.html goes reader → cleaning → structure → index → search → render."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from html import escape
from pathlib import Path

import pytest
from docx import Document as WordDocument
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.render.docx import render_docx
from generator.render.markdown import render_markdown
from kb.errors import ReadError
from kb.knowledge_base import KnowledgeBase
from kb.parse import load_document
from kb.passages import document_passages

sys.path.insert(0, str(Path(__file__).parent))
from badfiles import docx_bytes, paragraphs_xml  # noqa: E402

_CHARS = st.sampled_from(list("一二三四五六七八九十、（）。，；：！？“”《》〔〕基层治理网格党建服务工作要求同志们讲话方案"
                              "第条章节abcXYZ0123456789 .-/\t#*>") + ["\x00", "\x07", "\u3000", "\ufeff", "&", "<"])
_LINE = st.text(_CHARS, min_size=0, max_size=40)
_LINES = st.lists(_LINE, min_size=0, max_size=12)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(folder: Path, kind: str, lines: list[str]) -> Path:
    path = folder / f"样本.{kind}"
    if kind == "txt":
        path.write_bytes("\n".join(lines).encode("utf-8"))
    elif kind == "html":
        body = "".join(f"<p>{escape(line)}</p>" for line in lines)
        path.write_bytes(f"<html><body><h1>{escape(lines[0]) if lines else ''}</h1>{body}</body></html>"
                         .encode("utf-8"))
    else:
        clean = ["".join(ch for ch in line if ch >= " " or ch == "\t") for line in lines]
        path.write_bytes(docx_bytes(paragraphs_xml(clean)))
    return path


def _assert_valid_docx(path: Path) -> None:
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
    WordDocument(str(path))  # python-docx opens it


@SETTINGS
@given(kind=st.sampled_from(["txt", "html", "docx"]), lines=_LINES)
def test_any_input_is_read_or_refused_and_what_is_read_renders(tmp_path_factory, kind, lines):
    folder = tmp_path_factory.mktemp("fuzz")
    path = _write(folder, kind, lines)
    try:
        doc = load_document(path)
    except ReadError as error:
        assert "样本" in str(error)
        return
    passages = document_passages(doc, "x", str(path))
    assert all(p.text.strip() and "\x00" not in p.text for p in passages)
    out = folder / "排版.docx"
    render_docx(doc, out)
    _assert_valid_docx(out)
    assert isinstance(render_markdown(doc), str)
    shutil.rmtree(folder)


@SETTINGS
@given(lines=st.lists(_LINE, min_size=1, max_size=8), data=st.data())
def test_what_lands_is_found_exactly(tmp_path_factory, lines, data):
    folder = tmp_path_factory.mktemp("fuzzkb")
    path = _write(folder, "txt", lines)
    with KnowledgeBase.open(folder / "kb") as base:
        report = base.ingest([path])
        if report.failed:
            assert len(report.failed) == 1 and "样本" in report.failed[0][1]
            return
        [info] = base.documents()
        passages = base.passages(info.doc_id)
        text = data.draw(st.sampled_from([p.text for p in passages]))
        start = data.draw(st.integers(0, max(0, len(text) - 2)))
        needle = text[start:start + data.draw(st.integers(2, 8))].strip()
        if len(needle) < 2 or '"' in needle or needle.startswith("-") or " " in needle:
            return
        expected = sum(needle in p.text for p in passages)
        assert base.count(needle) == expected
    shutil.rmtree(folder)


def test_libreoffice_opens_a_sample_of_odd_renders(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("未安装 LibreOffice（soffice），跳过用 LibreOffice 打开的检查")
    samples = {"控制字符": ["关于\x00测验\x07的讲话", "同志们：", "一、&<>“”", "\u3000\ufeff正文。"],
               "长行": ["长行测验", "甲" * 5000],
               "只有标题": ["关于只有标题的通知"]}
    sources = []
    for name, lines in samples.items():
        doc = load_document(_write(tmp_path, "txt", lines).rename(tmp_path / f"{name}.txt"))
        out = tmp_path / f"{name}.docx"
        render_docx(doc, out)
        sources.append(out)
    converted = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(converted), *map(str, sources)],
                   check=True, capture_output=True, timeout=180)
    for source in sources:
        pdf = converted / f"{source.stem}.pdf"
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
