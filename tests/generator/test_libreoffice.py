"""LibreOffice opens what we write: every paragraph is in the PDF and a body page has 22 lines."""

from __future__ import annotations

import re
import shutil
import subprocess

import docx
import pytest

from kb.model import Document

from generator.docx_template import write_docx_template
from generator.format import format_document
from generator.render.docx import render_docx

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="未安装 LibreOffice（soffice）：请安装 "
                       "libreoffice-writer-nogui 与 fonts-noto-cjk 后再运行"),
    pytest.mark.skipif(PDFTOTEXT is None, reason="未安装 pdftotext：请安装 poppler-utils"),
]

# Our own sentence, all full-width, so that a line is exactly 28 characters of body type.
_SENTENCE = "各级党组织要把服务群众作为基层治理的出发点和落脚点，切实解决好群众急难愁盼问题。"
_PAGE_NUMBER = re.compile(r"^\s*—\s*\d+\s*—\s*$")


def _long_document() -> Document:
    return Document(title="关于加强基层治理的意见", opening=tuple(_SENTENCE * 3 for _ in range(40)))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    from conftest import DRAFTS, sample_document

    folder = tmp_path_factory.mktemp("lo")
    sources = {
        "sample": folder / "sample.docx",
        "long": folder / "long.docx",
        "speech": folder / "speech.docx",
        "notice": folder / "notice.docx",
        "template": folder / "template.docx",
        "dotx": folder / "template_notice.dotx",
    }
    render_docx(sample_document(), sources["sample"])
    render_docx(_long_document(), sources["long"])
    format_document(DRAFTS / "speech.txt", sources["speech"])
    format_document(DRAFTS / "notice.txt", sources["notice"])
    write_docx_template("speech", sources["template"])
    write_docx_template("notice", sources["dotx"], dotx=True)
    profile_dir = folder / "profile"
    command = [SOFFICE, f"-env:UserInstallation=file://{profile_dir}", "--headless",
               "--convert-to", "pdf", "--outdir", str(folder)] + [str(p) for p in sources.values()]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    out = {}
    for name, source in sources.items():
        pdf = source.with_suffix(".pdf")
        assert pdf.exists(), f"LibreOffice 未能转换 {source.name}"
        out[name] = (source, pdf)
    return out


def _pdf_text(pdf, first=None, last=None) -> str:
    command = [PDFTOTEXT, "-layout"]
    if first:
        command += ["-f", str(first), "-l", str(last or first)]
    command += [str(pdf), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _paragraph_texts(source) -> list[str]:
    if source.suffix == ".dotx":  # python-docx refuses the template content type; same skeleton
        source = source.with_name("notice-as-docx.docx")
        write_docx_template("notice", source)
    return [p.text for p in docx.Document(str(source)).paragraphs if p.text.strip()]


@pytest.mark.parametrize("name", ["sample", "speech", "notice", "template", "dotx"])
def test_every_paragraph_is_in_the_pdf(pdfs, name):
    source, pdf = pdfs[name]
    lines = [line for line in _pdf_text(pdf).splitlines() if not _PAGE_NUMBER.match(line)]
    text = _squeeze("".join(lines))
    for paragraph in _paragraph_texts(source):
        assert _squeeze(paragraph) in text, paragraph


def test_page_numbers_odd_right_even_left(pdfs):
    _, pdf = pdfs["long"]
    numbers = [line for line in _pdf_text(pdf).splitlines() if _PAGE_NUMBER.match(line)]
    assert [_squeeze(n) for n in numbers[:3]] == ["—1—", "—2—", "—3—"]
    indents = [len(line) - len(line.lstrip()) for line in numbers[:3]]
    assert indents[0] > 10 and indents[2] > 10  # odd pages: towards the right
    assert indents[1] < 3  # even pages: at the left


def test_a_full_body_page_has_22_lines_of_28_characters(pdfs):
    _, pdf = pdfs["long"]
    lines = [line.strip() for line in _pdf_text(pdf, 2).splitlines()
             if line.strip() and not _PAGE_NUMBER.match(line)]
    assert len(lines) == 22
    # A line inside a paragraph (not its first nor its last) is full: 28 characters.
    assert max(len(_squeeze(line)) for line in lines) == 28
