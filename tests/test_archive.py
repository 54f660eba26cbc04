"""The whole archive: .doc, .wps, .rtf, .odt and .pdf read like the .docx they came from.

The fixtures are made here from our own .docx files with LibreOffice, a few
conversions per soffice start (module-scoped): .doc, .rtf and .odt by LibreOffice;
LibreOffice cannot write .wps, so the .wps fixture is the .doc under that name, as
WPS Office saves .wps in the Word binary format. PDFs are made like a government
office makes them: `bigan format`, then LibreOffice's PDF export.
"""

import io
import json
import shutil
import sys
import textwrap
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from bigan.cli import cli
from generator.format import format_document
from kb.knowledge_base import KnowledgeBase
from kb.office import convert, find_soffice
from kb.parse import document_from_raw, load_document
from kb.readers.office import OfficeReader

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "archive"
SPEECH = ROOT / "speeches" / "speech" / "2024-03-12_基层党建_动员部署会.md"
PLAN = ROOT / "speeches" / "work_plan" / "2023-02-14_招商引资_工作方案.md"
NO_SOFFICE = "没有安装 LibreOffice，跳过需要它的测试"
needs_soffice = pytest.mark.skipif(find_soffice() is None, reason=NO_SOFFICE)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NUMBERING = f"""<w:numbering xmlns:w="{W_NS}">
  <w:abstractNum w:abstractNumId="10">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="7"><w:abstractNumId w:val="10"/></w:num>
</w:numbering>"""


@pytest.fixture
def runner():
    return CliRunner()


def _numbered_docx(path: Path) -> Path:
    """Write a work plan whose headings are Word automatic numbering, with a table."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    for child in list(parse_xml(NUMBERING)):
        numbering.append(child)
    document.add_paragraph("关于整理机关历史档案的工作方案", style="Title")
    document.add_paragraph("为把历年形成的文书档案整理好、利用好，制定本方案。")
    for text, ilvl in [("目标任务", 0), ("摸清底数", 1), ("规范保管", 1), ("保障措施", 0), ("落实责任", 1)]:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="7"/></w:numPr>'))
        document.add_paragraph(f"围绕{text}，各科室要明确专人负责，按月报送进度。")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "责任科室", (0, 1): "完成时限", (1, 0): "办公室",
                             (1, 1): "六月底前"}.items():
        table.cell(row, col).text = text
    document.add_paragraph("一是统一标准。二是定期通报。")
    document.save(path)
    return path


@pytest.fixture(scope="module")
def office_files(tmp_path_factory):
    """Return {name: {suffix: path}} for our .docx fixtures and their LibreOffice conversions."""
    if find_soffice() is None:
        pytest.skip(NO_SOFFICE)
    folder = tmp_path_factory.mktemp("office")
    sources = {"numbered": _numbered_docx(folder / "numbered.docx"),
               "speech": format_document(SPEECH, folder / "speech.docx")}
    files = {name: {".docx": path} for name, path in sources.items()}
    for target in ("doc", "rtf", "odt"):
        results = convert(sources.values(), target, folder / target)
        for name, result in zip(sources, results):
            assert result.error is None, result.error
            files[name]["." + target] = result.output
    # Templates (.dot, .wpt, .ott) are the same formats under a template's name.
    for suffix, like in ((".wps", ".doc"), (".dot", ".doc"), (".wpt", ".doc"), (".ott", ".odt")):
        (folder / suffix[1:]).mkdir()
        for name in sources:
            copy = folder / suffix[1:] / f"{name}{suffix}"
            shutil.copyfile(files[name][like], copy)
            files[name][suffix] = copy
    return files


# LibreOffice's RTF export writes a list level text such as "%1、" as "%1?" (the "、" is
# not escaped), so Word automatic numbering cannot survive an RTF that LibreOffice wrote;
# numbering written as text (the speech) does.
@pytest.mark.parametrize("name, suffixes", [("numbered", [".doc", ".odt", ".wps", ".dot", ".wpt", ".ott"]),
                                            ("speech", [".doc", ".rtf", ".odt", ".wps"])])
def test_office_formats_outline_like_their_docx(office_files, name, suffixes):
    expected = load_document(office_files[name][".docx"]).to_json()
    raws = OfficeReader().read([office_files[name][s] for s in suffixes])  # one soffice start
    for suffix, raw in zip(suffixes, raws):
        assert raw.format == suffix[1:]
        assert document_from_raw(raw).to_json() == expected, suffix


def test_numbering_and_table_survive_the_round_trip(office_files):
    doc = load_document(office_files["numbered"][".doc"])
    assert [(s.marker, s.heading, [c.marker + c.heading for c in s.children]) for s in doc.sections] == [
        ("一、", "目标任务", ["（一）摸清底数", "（二）规范保管"]),
        ("二、", "保障措施", ["（一）落实责任"]),
    ]


def test_outline_command_reads_a_doc(runner, office_files):
    result = runner.invoke(cli, ["outline", str(office_files["speech"][".doc"])])
    expected = runner.invoke(cli, ["outline", str(office_files["speech"][".docx"])])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout


# -- PDF -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_files(tmp_path_factory):
    """Return {name: (source .docx, .pdf)} for a speech, a plan and a two-page notice."""
    if find_soffice() is None:
        pytest.skip(NO_SOFFICE)
    folder = tmp_path_factory.mktemp("pdf")
    sources = {"speech": SPEECH, "plan": PLAN, "notice": DATA / "notice.txt"}
    made = {name: format_document(path, folder / f"{name}.docx") for name, path in sources.items()}
    made["columns"] = _two_column_docx(folder / "columns.docx")
    results = convert(made.values(), "pdf", folder / "pdf")
    assert [r.error for r in results] == [None] * 4
    return {name: (made[name], result.output) for name, result in zip(made, results)}


COLUMN_PARAGRAPHS = [f"第{n}段：本栏文字用来检验双栏排版的阅读顺序，应当先读完左栏再读右栏。"
                     f"The archive holds {n * 37} files in version {n}.{n + 1}; 每段都以句号结束。"
                     for n in range(1, 15)]


def _two_column_docx(path: Path) -> Path:
    from docx.shared import Pt

    document = docx.Document()
    document.sections[0]._sectPr.append(parse_xml(f'<w:cols {nsdecls("w")} w:num="2" w:space="720"/>'))
    document.styles["Normal"].font.size = Pt(12)
    for text in COLUMN_PARAGRAPHS:
        document.add_paragraph(text).paragraph_format.first_line_indent = Pt(24)
    document.save(path)
    return path


@pytest.mark.parametrize("name", ["speech", "plan", "notice"])
def test_pdf_outline_equals_the_source(runner, pdf_files, name):
    source, pdf = pdf_files[name]
    expected = runner.invoke(cli, ["outline", "--json", str(source)])
    result = runner.invoke(cli, ["outline", "--json", str(pdf)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(expected.stdout)


def test_pdf_notice_keeps_doc_number_date_and_signature(runner, pdf_files):
    _source, pdf = pdf_files["notice"]
    data = load_document(pdf)
    assert (data.meta.doc_number, data.date) == ("某政办发〔2026〕7号", "2026-02-16")
    text = str(data)
    assert "某县人民政府办公室" in text and "—" not in text
    result = runner.invoke(cli, ["outline", str(pdf)])
    assert result.stdout.splitlines()[:3] == [
        "关于开展2026年度机关档案集中整理工作的通知",
        "［通知；日期：2026-02-16；文号：某政办发〔2026〕7号］",
        "各乡镇人民政府、街道办事处，县政府各部门：",
    ]


def test_pdf_two_columns_read_left_column_first(pdf_files):
    from kb.readers import read_document

    _source, pdf = pdf_files["columns"]
    assert [block.text for block in read_document(pdf).blocks] == [
        text.replace("; ", ";") for text in COLUMN_PARAGRAPHS]  # no space survives between ; and 每


@pytest.mark.parametrize("name", ["speech", "plan"])
def test_pdf_paragraphs_run_on_across_page_breaks(pdf_files, name):
    from kb.readers import read_document
    from kb.readers.pdf import _read_pages

    _source, pdf = pdf_files[name]
    pages = _read_pages(pdf.read_bytes(), pdf)
    texts = [block.text for block in read_document(pdf).blocks]
    joined = 0
    for page, following in zip(pages, pages[1:]):
        last = page.lines[-2].text  # the last line above the page number
        first = following.lines[0].text
        assert page.lines[-1].text.replace(" ", "").strip("—").isdigit()  # the page number
        if any(last + first in text for text in texts):
            joined += 1
        else:  # the page ended a paragraph: the next page starts one
            assert any(text.startswith(first) for text in texts) and any(text.endswith(last) for text in texts)
    assert joined >= 2, "the fixture should break paragraphs across pages"


# -- failures: one line each, the batch goes on ---------------------------------------------

def _scanned_pdf() -> bytes:
    """Return a one-page PDF holding only an image: what a scanner makes."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
               b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
               None,
               b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray"
               b" /BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"]
    content = b"q 500 0 0 700 40 60 cm /Im1 Do Q"
    objects[3] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _ingest(tmp_path, runner, folder, *extra):
    return runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(folder), "--json", *extra])


def test_scanned_pdf(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "扫描件.pdf").write_bytes(_scanned_pdf())
    (folder / "通知.txt").write_text("关于召开年度总结会的通知\n各科室：\n定于周五下午召开年度总结会。\n",
                                     encoding="utf-8")
    result = _ingest(tmp_path, runner, folder)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [f["message"] for f in report["failed"]] == [
        f"{folder / '扫描件.pdf'}：这是扫描件，没有文字层，无法读取文字（请先用 OCR 软件识别成文字，或找到原始的 Word 文件）"]
    assert report["counts"]["added"] == 1
    outline = runner.invoke(cli, ["outline", str(folder / "扫描件.pdf")])
    assert outline.exit_code == 1
    assert outline.output.strip().splitlines()[-1].endswith("这是扫描件，没有文字层，无法读取文字（请先用 OCR 软件识别成文字，或找到原始的 Word 文件）")


def _export_pdf(source: Path, folder: Path, profile: Path, options: str) -> Path:
    import subprocess

    subprocess.run([str(find_soffice()), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", f"pdf:writer_pdf_Export:{{{options}}}", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=180)
    return folder / f"{source.stem}.pdf"


@needs_soffice
def test_encrypted_pdf(runner, tmp_path, pdf_files):
    source, pdf = pdf_files["notice"]
    folder = tmp_path / "in"
    encrypted = _export_pdf(source, folder, tmp_path / "profile",
                            '"EncryptFile":{"type":"boolean","value":"true"},'
                            '"DocumentOpenPassword":{"type":"string","value":"mima"}')
    assert encrypted.read_bytes().count(b"/Encrypt") >= 1
    shutil.copyfile(DATA / "notice.txt", folder / "notice.txt")
    report = json.loads(_ingest(tmp_path, runner, folder).stdout)
    assert [f["message"] for f in report["failed"]] == [
        f"{encrypted}：PDF 文件加了密码，无法读取文字"
        "（请用知道密码的软件打开后另存为不加密的 PDF，或找到原始的 Word 文件）"]
    assert report["counts"]["added"] == 1


@needs_soffice
def test_pdf_with_only_a_permissions_password_is_read_quietly(runner, tmp_path, pdf_files):
    # Portals often forbid copying with an owner password; the text layer is still readable.
    source, pdf = pdf_files["notice"]
    restricted = _export_pdf(source, tmp_path / "out", tmp_path / "profile",
                             '"RestrictPermissions":{"type":"boolean","value":"true"},'
                             '"PermissionPassword":{"type":"string","value":"owner"},'
                             '"EnableCopyingOfContent":{"type":"boolean","value":"false"}')
    assert b"/Encrypt" in restricted.read_bytes()
    result = runner.invoke(cli, ["outline", str(restricted)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == runner.invoke(cli, ["outline", str(pdf)]).stdout


def _rtf(text: str) -> bytes:
    # RTF writes a character as a signed 16-bit \\uN followed by a fallback.
    return ("{\\rtf1\\ansi " + "".join(f"\\u{ord(c) - 65536 if ord(c) > 32767 else ord(c)}?" for c in text)
            + "}").encode("ascii")


def test_no_libreoffice(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("BIGAN_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "旧讲话.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (folder / "纪要.rtf").write_bytes(_rtf("会议纪要"))
    shutil.copyfile(DATA / "notice.txt", folder / "通知.txt")
    result = _ingest(tmp_path, runner, folder)
    report = json.loads(result.stdout)
    assert [f["message"] for f in report["failed"]] == [
        f"{folder / '旧讲话.doc'}：读取 .doc/.wps 需要 LibreOffice（Debian/Ubuntu：sudo apt install libreoffice-writer-nogui）",
        f"{folder / '纪要.rtf'}：读取 .rtf 需要 LibreOffice（Debian/Ubuntu：sudo apt install libreoffice-writer-nogui）"]
    assert report["counts"]["added"] == 1
    assert "失败：" in result.stderr and "新增 1 篇" in result.stderr


# Stands in for soffice: writes a .docx of an RTF input's text, hangs on one that says 卡住.
FAKE_SOFFICE = textwrap.dedent(f"""\
    #!{sys.executable}
    import pathlib, re, sys, time
    import docx
    args = sys.argv[1:]
    outdir = pathlib.Path(args[args.index("--outdir") + 1])
    for name in args[args.index("--outdir") + 2:]:
        raw = pathlib.Path(name).read_text("ascii")
        text = "".join(chr(int(n) % 65536) for n in re.findall(r"\\\\u(-?\\d+)\\?", raw))
        out = outdir / (pathlib.Path(name).stem + ".docx")
        print(f"convert {{name}} -> {{out}} using filter : MS Word 2007 XML", flush=True)
        if "卡住" in text:
            time.sleep(600)
        document = docx.Document()
        for line in text.split("|"):
            document.add_paragraph(line)
        document.save(out)
    """)


def test_hanging_conversion(tmp_path, monkeypatch):
    program = tmp_path / "soffice"
    program.write_text(FAKE_SOFFICE, encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("BIGAN_SOFFICE", str(program))
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in [("一.rtf", "关于春季防火的通知|各村：|请做好春季防火工作。"),
                       ("二.rtf", "卡住"),
                       ("三.rtf", "关于秋季征兵的通知|各村：|请做好秋季征兵工作。")]:
        (folder / name).write_bytes(_rtf(text))
    with KnowledgeBase.open(tmp_path / "kb", office_timeout=2) as kb:
        report = kb.ingest([folder])
    assert report.failed == ((str(folder / "二.rtf"),
                              f"{folder / '二.rtf'}：LibreOffice 转换超时（超过 2 秒），已中止"
                              "（文件可能损坏；请用 Word 或 WPS 打开后另存为 .docx）"),)
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        assert sorted(info.title for info in kb.documents()) == ["关于春季防火的通知", "关于秋季征兵的通知"]


@needs_soffice
def test_ingest_mixed_archive(tmp_path, office_files, pdf_files):
    folder = tmp_path / "archive"
    folder.mkdir()
    for suffix in (".doc", ".odt", ".wps"):
        shutil.copyfile(office_files["numbered"][suffix], folder / f"方案{suffix}")
    shutil.copyfile(office_files["speech"][".rtf"], folder / "讲话.rtf")
    shutil.copyfile(pdf_files["notice"][1], folder / "通知.pdf")
    (folder / "坏的.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    # LibreOffice imports this one as plain text (its bytes as replacement characters).
    (folder / "截断.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1broken")
    (folder / "~$方案.doc").write_bytes(b"\x06Word owner file")  # Word's lock file: not a document
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        report = kb.ingest([folder])
        assert report.failed == tuple(
            (str(folder / name), f"{folder / name}：LibreOffice 无法打开这个文件"
                                 "（文件可能已损坏、加了密码或不是文档；请用 Word 或 WPS 打开后另存为 .docx）")
            for name in ("坏的.doc", "截断.doc"))
        # The three copies of the plan are one document: the first added, the others its duplicates.
        assert (len(report.added), len(report.duplicates)) == (3, 2)
        hits = kb.search("摸清底数")
        assert hits and hits[0].text.endswith("摸清底数")
        assert [h.source for h in kb.search("二〇一〇年以来形成的文书档案")] == [str(folder / "通知.pdf")]


def test_format_and_check_read_a_pdf(runner, tmp_path, pdf_files):
    _source, pdf = pdf_files["notice"]
    output = tmp_path / "重排.docx"
    result = runner.invoke(cli, ["format", str(pdf), "-o", str(output)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, ["outline", "--json", str(output)])
    assert json.loads(again.stdout) == json.loads(runner.invoke(cli, ["outline", "--json", str(pdf)]).stdout)
    checked = runner.invoke(cli, ["--kb", str(tmp_path / "no-kb"), "check", "--json", str(pdf)])
    assert checked.exit_code in (0, 1), checked.output
    assert isinstance(json.loads(checked.stdout), (list, dict))


def test_size_limit_applies_before_conversion(runner, tmp_path, monkeypatch):
    # No soffice at all: a file over the limit is refused for its size, not sent to LibreOffice.
    monkeypatch.setenv("BIGAN_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "大.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 3000)
    (folder / "大.pdf").write_bytes(_scanned_pdf() + b"%" * 3000)
    result = _ingest(tmp_path, runner, folder, "--max-size", "2KB")
    messages = [f["message"] for f in json.loads(result.stdout)["failed"]]
    assert messages == [f"{folder / name}：文件太大（{size}），超过 2 KB 的上限（请拆分文件，或调高大小上限）"
                        for name, size in (("大.doc", "3.008 KB"), ("大.pdf", f"{(len(_scanned_pdf()) + 3000) / 1000:.4g} KB"))]
    outline = runner.invoke(cli, ["outline", str(folder / "大.doc")])
    assert outline.exit_code == 1 and "需要 LibreOffice" in outline.output
