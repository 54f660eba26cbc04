"""PDF through LibreOffice: no character of the source lost, 22 lines of 28, fonts stood in for.

All documents go through one LibreOffice start (kb.office.convert), which keeps the
module's runtime to about a minute on two cores.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.model import Document, Section
from kb.office import find_soffice
from kb.parse import load_document
from kb.structure import document_text, heading_line

from generator.pdf import (FontSubstitution, font_kind, font_warning, fontconfig_file,
                           installed_families, plan_substitutions)
from generator.profile import load_profile

SOFFICE = find_soffice()
PDFTOTEXT = shutil.which("pdftotext")
SEED = Path("/work/shared/corpus/seed/000_a918a184e0497794.txt")
REGULATIONS = Path("/work/shared/corpus/real/regulation")
_PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")

_NO_OFFICE = ("未安装 LibreOffice（soffice）或 pdftotext：请安装 libreoffice-writer-nogui、"
              "poppler-utils 与 fonts-noto-cjk 后再运行")


def regulation_document() -> Document:
    """Return a small regulation of our own: notes, chapters, a 节 and articles."""
    article = lambda n, *texts: Section("heading", 3, f"第{n}条", "", texts, inline=True)  # noqa: E731
    return Document(
        title="××市社区志愿服务管理办法", doc_type="regulation",
        opening=("2026年3月2日××市人民政府第12次常务会议通过",
                 "2026年3月9日××市人民政府令第5号公布　自2026年5月1日起施行"),
        sections=(
            Section("heading", 1, "第一章", "总则", (), (
                article("一", "为了规范社区志愿服务，保障志愿者和服务对象的合法权益，制定本办法。"),
                article("二", "本市行政区域内的社区志愿服务活动，适用本办法。",
                        "法律、法规另有规定的，从其规定。"),
            )),
            Section("heading", 1, "第二章", "志愿者与志愿服务组织", (), (
                Section("heading", 2, "第一节", "志愿者", (), (
                    article("三", "年满十八周岁、具有完全民事行为能力的公民，可以注册成为志愿者。"),
                )),
                Section("heading", 2, "第二节", "志愿服务组织", (), (
                    article("四", "志愿服务组织应当建立志愿者档案，如实记录服务时长和评价，"
                                  "并为志愿者提供必要的安全保障、培训和物质条件。"),
                )),
            )),
            Section("heading", 1, "第三章", "附则", (), (
                article("五", "本办法自2026年5月1日起施行。"),
            )),
        ),
    )


def expected_lines(doc: Document) -> list[str]:
    """Return the document's text; a level-1 heading stands alone, without a run-in 。."""
    standing = {heading_line(s): s.marker + s.heading for s in doc.sections
                if s.inline and s.level == 1 and not s.marker.endswith("条")}
    return [standing.get(line, line) for line in document_text(doc)]


def _chars(text: str) -> Counter:
    return Counter(re.sub(r"\s+", "", unicodedata.normalize("NFC", text)))


def _pdf_text(pdf, page: int | None = None) -> str:
    command = [PDFTOTEXT]
    if page:
        command += ["-f", str(page), "-l", str(page)]
    return subprocess.run(command + [str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Return {name: (source Document, .docx, .pdf)} for every document the test covers."""
    if SOFFICE is None or PDFTOTEXT is None:
        pytest.skip(_NO_OFFICE)
    from bigan.resources import speeches_dir
    from generator import DraftSpec, draft, write_draft
    from generator.format import format_document
    from generator.render.docx import render_docx
    from kb import KnowledgeBase
    from kb.office import convert

    folder = tmp_path_factory.mktemp("pdf")
    jobs: dict[str, tuple[Document, Path]] = {}
    if SEED.exists():
        jobs["seed"] = (load_document(SEED), format_document(SEED, folder / "seed.docx"))
    speeches = [p for p in sorted(speeches_dir().rglob("*.md")) if p.name != "README.md"]
    for number, path in enumerate(speeches):
        jobs[f"speeches-{number:02d}"] = (load_document(path),
                                          format_document(path, folder / f"s{number:02d}.docx"))
    kb = KnowledgeBase.open(folder / "kb")
    try:
        kb.ingest([speeches_dir()])
        specs = {"draft-speech": DraftSpec(kind="speech", topic=("基层党建",), occasion="座谈会",
                                           unit="江州市", seed=3),
                 "draft-plan": DraftSpec(kind="work_plan", topic=("乡村振兴",), unit="×县", seed=5),
                 "draft-safety": DraftSpec(kind="speech", topic=("安全生产",),
                                           occasion="动员部署会", seed=11)}
        for name, spec in specs.items():
            result = draft(spec, kb)
            jobs[name] = (result.to_document(), write_draft(result, folder / f"{name}.docx"))
    finally:
        kb.close()
    regulation = regulation_document()
    render_docx(regulation, folder / "regulation.docx")
    jobs["regulation"] = (regulation, folder / "regulation.docx")
    if REGULATIONS.exists():
        for number, path in enumerate(sorted(REGULATIONS.glob("*.md"))[:2]):
            jobs[f"law-{number}"] = (load_document(path),
                                     format_document(path, folder / f"law{number}.docx"))
    results = convert([docx for _, docx in jobs.values()], "pdf", outdir=folder / "pdf",
                      timeout=180)
    out = {}
    for (name, (doc, docx)), result in zip(jobs.items(), results):
        assert result.error is None, f"{name}: {result.error}"
        out[name] = (doc, docx, result.output)
    return out


def _names():
    names = ["seed"] if SEED.exists() else []
    from bigan.resources import speeches_dir

    count = sum(1 for p in speeches_dir().rglob("*.md") if p.name != "README.md")
    names += [f"speeches-{n:02d}" for n in range(count)]
    names += ["draft-speech", "draft-plan", "draft-safety", "regulation"]
    if REGULATIONS.exists():
        names += ["law-0", "law-1"]
    return names


@pytest.mark.slow
@pytest.mark.parametrize("name", _names())
def test_every_character_of_the_source_is_in_the_pdf(converted, name):
    doc, _, pdf = converted[name]
    expected = _chars("".join(expected_lines(doc)))
    found = _chars(_pdf_text(pdf))
    missing = expected - found
    assert not missing, f"{name}：PDF 中缺少 {dict(missing)}"


def _page_lines(pdf, page: int) -> list[str]:
    return [line for line in _pdf_text(pdf, page).splitlines()
            if line.strip() and not _PAGE_NUMBER.fullmatch(line.strip())]


def _full_width(line: str) -> int:
    return sum(1 for ch in line if unicodedata.east_asian_width(ch) in "WF")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["seed", "speeches-00", "speeches-05", "draft-speech"])
def test_body_pages_hold_22_lines_of_28_characters(converted, name):
    if name not in converted:
        pytest.skip("共享语料 /work/shared/corpus/seed 不在本机")
    _, _, pdf = converted[name]
    pages = _pdf_text(pdf).count("\f")
    assert pages >= 3
    counts = []
    for page in range(2, pages):  # the first page has the title, the last ends anywhere
        lines = _page_lines(pdf, page)
        counts.append(len(lines))
        assert all(_full_width(line) <= 28 for line in lines), lines
        # A full line of Chinese text: exactly 28 characters.
        assert max(_full_width(line) for line in lines) == 28
    # A heading kept with its paragraph may leave one line free at a page's foot.
    assert max(counts) == 22 and min(counts) >= 21, counts


# -- fonts ------------------------------------------------------------------------------------

def test_font_kinds():
    assert [font_kind(f) for f in ("仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体",
                                   "AR PL UKai CN", "Noto Serif CJK SC", "Calibri")] == [
        "fangsong", "kai", "hei", "song", "song", "kai", "song", None]


def test_missing_fonts_get_the_closest_installed_kind():
    installed = ["DejaVu Sans", "Noto Sans CJK SC", "Noto Serif CJK SC", "AR PL UKai CN", "仿宋"]
    plan = plan_substitutions(load_profile(), installed)
    assert plan == [
        FontSubstitution("方正小标宋简体", "Noto Serif CJK SC"),
        FontSubstitution("楷体_GB2312", "AR PL UKai CN"),
        FontSubstitution("仿宋_GB2312", "仿宋"),  # the profile's own next choice
        FontSubstitution("黑体", "Noto Sans CJK SC"),
        FontSubstitution("宋体", "Noto Serif CJK SC"),
    ]
    warning = font_warning(plan)
    for family in ("方正小标宋简体", "楷体_GB2312", "仿宋_GB2312", "黑体", "宋体"):
        assert family in warning
    assert plan_substitutions(load_profile(), installed + ["方正小标宋简体", "楷体_GB2312",
                                                           "仿宋_GB2312", "黑体", "宋体"]) == []
    assert font_warning([]) is None


def test_fontconfig_file_includes_the_system_one_and_aliases(tmp_path):
    from lxml import etree

    path = fontconfig_file([FontSubstitution("仿宋_GB2312", "Noto Serif CJK SC"),
                            FontSubstitution("黑体", None),
                            FontSubstitution("方正小标宋简体", "Noto Serif CJK SC")], tmp_path)
    root = etree.parse(str(path)).getroot()
    assert root.find("include").text.endswith("fonts.conf")
    aliases = [(a.findtext("family"), a.findtext("prefer/family")) for a in root.iter("alias")]
    assert aliases == [("仿宋_GB2312", "Noto Serif CJK SC")]
    (match,) = root.iter("match")  # the heavy title face takes the bold stand-in
    assert match.findtext("test/string") == "方正小标宋简体"
    assert [e.get("name") for e in match.iter("edit")] == ["family", "weight"]
    assert match.findtext("edit/const") == "bold"


# -- the commands -----------------------------------------------------------------------------

def _squeezed_pdf(pdf) -> str:
    return re.sub(r"\s+", "", _PAGE_NUMBER.sub("", _pdf_text(pdf)))


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None, reason=_NO_OFFICE)
def test_format_to_pdf_text_equals_the_document(tmp_path):
    import docx

    from bigan.cli import cli
    from conftest import DRAFTS

    source = tmp_path / "讲话.txt"
    shutil.copy(DRAFTS / "speech.txt", source)
    profile = tmp_path / "p.toml"
    profile.write_text('[fonts]\nbody = ["笔杆测试仿宋体", "仿宋_GB2312"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["format", str(source), "-o", str(tmp_path / "讲话.pdf"),
                                      "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "讲话.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"已写出 {pdf}" in result.stderr
    assert "笔杆测试仿宋体" in result.stderr  # the warning names the missing font
    installed = installed_families() or []
    if shutil.which("pdffonts") and {"Noto Serif CJK SC", "Noto Sans CJK SC"} <= set(installed):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        # Body in the serif stand-in, title in its bold face, 黑体 headings in the sans one.
        assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts
        if "方正小标宋简体" not in installed:
            assert "NotoSerifCJKjp-Bold" in fonts or "NotoSerifCJKsc-Bold" in fonts
    CliRunner().invoke(cli, ["format", str(source), "-o", str(tmp_path / "讲话.docx")])
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "讲话.docx")).paragraphs]
    assert _squeezed_pdf(pdf) == re.sub(r"\s+", "", "".join(paragraphs))


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None, reason=_NO_OFFICE)
def test_draft_to_pdf(tmp_path):
    import docx

    from bigan.cli import cli
    from bigan.resources import speeches_dir

    runner = CliRunner()
    kb = tmp_path / "kb"
    assert runner.invoke(cli, ["--kb", str(kb), "ingest", str(speeches_dir())]).exit_code == 0
    args = ["--kb", str(kb), "draft", "speech", "--topic", "基层党建", "--seed", "2"]
    result = runner.invoke(cli, args + ["-o", str(tmp_path / "稿.pdf"), "-o", str(tmp_path / "稿.docx")])
    assert result.exit_code == 0, result.output
    assert f"已写出 {tmp_path / '稿.pdf'}" in result.stderr
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "稿.docx")).paragraphs]
    assert _squeezed_pdf(tmp_path / "稿.pdf") == re.sub(r"\s+", "", "".join(paragraphs))


def test_pdf_without_libreoffice_is_a_clear_message(tmp_path, monkeypatch):
    from bigan.cli import cli
    from conftest import DRAFTS

    monkeypatch.setenv("BIGAN_SOFFICE", str(tmp_path / "没有这个程序"))
    result = CliRunner().invoke(cli, ["format", str(DRAFTS / "speech.txt"), "-o",
                                      str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "输出 PDF 需要 LibreOffice" in result.output and "x.pdf" in result.output
    assert not (tmp_path / "x.pdf").exists()
