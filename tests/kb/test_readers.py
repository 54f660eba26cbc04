"""The readers: every format and encoding to paragraphs, and every way a file can be unreadable."""

import codecs
import io
import json
import os
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from kb.errors import ReadError
from kb.model import Block
from kb.readers import read_document
from kb.readers.encoding import decode_bytes
from kb.readers.txt import raw_from_text

DATA = Path(__file__).resolve().parent.parent / "data" / "readers"
# ../shared/corpus beside the clone (or beside the worktrees folder of a worktree)
CORPUS = next((p / "shared" / "corpus" for p in Path(__file__).resolve().parents[3:5]
               if (p / "shared" / "corpus").is_dir()), Path(__file__).resolve().parents[3] / "shared" / "corpus")
REAL = CORPUS / "real"

NOTICE_LINES = ["关于做好年度考核工作的通知", "各科室：", "现将年度考核有关事项通知如下。",
                "一、考核对象", "全体在编干部职工。"]
TRADITIONAL_LINES = ["關於加強機關作風建設的通知", "各單位：", "請認真貫徹執行，確保工作落實。"]


def texts(raw):
    return [block.text for block in raw.blocks]


def write(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_read_error(path, *fragments, **kwargs):
    with pytest.raises(ReadError) as info:
        read_document(path, **kwargs)
    message = str(info.value)
    assert Path(path).name in message
    for fragment in fragments:
        assert fragment in message
    assert info.value.hint, "every read error tells the user what to do"
    return info.value


# --- plain text: encodings and line endings ---------------------------------------------

ENCODED = [
    ("utf-8", "\n".join(NOTICE_LINES).encode("utf-8"), NOTICE_LINES),
    ("utf-8-bom", codecs.BOM_UTF8 + "\n".join(NOTICE_LINES).encode("utf-8"), NOTICE_LINES),
    ("gb18030", "\n".join(NOTICE_LINES).encode("gb18030"), NOTICE_LINES),
    ("gbk", "\r\n".join(NOTICE_LINES).encode("gbk"), NOTICE_LINES),
    ("big5", "\r\n".join(TRADITIONAL_LINES).encode("big5"), TRADITIONAL_LINES),
    ("utf-16-le-bom", codecs.BOM_UTF16_LE + "\r\n".join(NOTICE_LINES).encode("utf-16-le"),
     NOTICE_LINES),
    ("utf-16-be-bom", codecs.BOM_UTF16_BE + "\n".join(NOTICE_LINES).encode("utf-16-be"),
     NOTICE_LINES),
    ("utf-16-le-no-bom", "\r\n".join(NOTICE_LINES).encode("utf-16-le"), NOTICE_LINES),
    ("utf-16-be-no-bom", "\n".join(NOTICE_LINES).encode("utf-16-be"), NOTICE_LINES),
    ("cr-line-ends", "\r".join(NOTICE_LINES).encode("utf-8"), NOTICE_LINES),
]


@pytest.mark.parametrize("data, lines", [(d, l) for _, d, l in ENCODED],
                         ids=[name for name, _, _ in ENCODED])
def test_txt_encodings_and_line_ends(tmp_path, data, lines):
    raw = read_document(write(tmp_path, "doc.txt", data))
    assert texts(raw) == lines
    assert raw.format == "txt"
    assert raw.run_together is False
    assert all(block == Block(block.text) for block in raw.blocks)


@pytest.mark.parametrize("name", ["gbk.txt", "utf8_bom.txt", "utf16.txt"])
def test_checked_in_text_fixtures(name):
    assert texts(read_document(DATA / name)) == NOTICE_LINES


@pytest.mark.parametrize("sentence", [
    "联通", "中华人民共和国国务院办公厅", "坚持以人民为中心的发展思想。",
    "２０２４年工作要点：一是抓落实；二是强基础。", "要把握好“时、度、效”。",
])
def test_gbk_and_utf8_are_never_confused(sentence):
    assert decode_bytes(sentence.encode("gbk"), "a.txt") == sentence
    assert decode_bytes(sentence.encode("utf-8"), "a.txt") == sentence


def test_blank_lines_and_trailing_spaces_dropped_leading_indent_kept(tmp_path):
    data = "标题  \n\n\n\u3000\u3000正文第一段。\t \n   \n".encode("utf-8")
    assert texts(read_document(write(tmp_path, "a.txt", data))) == ["标题", "\u3000\u3000正文第一段。"]


def test_encoding_option_overrides_detection(tmp_path):
    path = write(tmp_path, "a.txt", "各单位：".encode("gbk"))
    assert texts(read_document(path, encoding="gbk")) == ["各单位："]
    assert texts(read_document(path, encoding="GB2312")) == ["各单位："]


def test_unknown_encoding_name(tmp_path):
    path = write(tmp_path, "a.txt", "各单位：".encode("utf-8"))
    error = assert_read_error(path, "不认识的编码名称", "no-such-codec", encoding="no-such-codec")
    assert "utf-8" in error.hint


def test_wrong_encoding_name(tmp_path):
    path = write(tmp_path, "a.txt", "各单位：请认真落实。".encode("gbk"))
    assert_read_error(path, "无法按 utf-8 编码解码", encoding="utf-8")


def test_binary_fixture_is_refused():
    error = assert_read_error(DATA / "binary.txt", "看起来不是文本文件，无法识别文件编码")
    assert "--encoding gb18030" in error.hint


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "正文".encode("utf-8") + b"\x00\x01\x02\x03" * 50,
    bytes([1, 2, 3, 4, 5, 6, 14, 15, 16, 17]) * 10 + "正文".encode("utf-8"),
    "Grüße aus München, schön".encode("latin-1"),
], ids=["png", "nul-bytes", "control-characters", "latin-1"])
def test_binary_or_unknown_content_is_refused(tmp_path, data):
    assert_read_error(write(tmp_path, "x.txt", data), "无法识别文件编码")


@pytest.mark.parametrize("name, data", [
    ("empty.txt", None), ("zero.txt", b""), ("bom-only.txt", codecs.BOM_UTF8 + b"  \n"),
    ("blank.md", "\n\n  \n".encode("utf-8")), ("blank.html", b"  \n "),
])
def test_empty_files(tmp_path, name, data):
    path = DATA / name if data is None else write(tmp_path, name, data)
    assert_read_error(path, "文件是空的")


def test_few_control_characters_are_removed(tmp_path):
    data = "第一段\x07正文\x1b。\n第二段\x0b\x0c\x7f".encode("utf-8")
    assert texts(read_document(write(tmp_path, "a.txt", data))) == ["第一段正文。", "第二段"]


def test_run_together_text(tmp_path):
    sentences = "".join(f"第{i}项工作要抓紧落实，确保按期完成。" for i in range(40))
    raw = read_document(write(tmp_path, "scraped.txt", ("讲话稿\n" + sentences).encode("utf-8")))
    assert raw.run_together is True
    assert texts(raw) == ["讲话稿", sentences]
    paragraphs = "\n".join("这是一个正常的段落，长度适中。" * 10 for _ in range(20))
    assert read_document(write(tmp_path, "normal.txt", paragraphs.encode("utf-8"))).run_together is False


def test_raw_from_text_matches_a_file(tmp_path):
    raw = raw_from_text("\ufeff标题\r\n\r\n正文。\r\n", "<text>")
    assert (raw.path, texts(raw), raw.format) == ("<text>", ["标题", "正文。"], "txt")
    with pytest.raises(ReadError, match="文件是空的"):
        raw_from_text(" \n\t\n", "<text>")


# --- file-level errors --------------------------------------------------------------------

def test_missing_file(tmp_path):
    error = assert_read_error(tmp_path / "没有这个文件.txt", "文件不存在")
    assert "路径" in error.hint


def test_directory(tmp_path):
    folder = tmp_path / "材料"
    folder.mkdir()
    assert_read_error(folder, "这是一个文件夹，不是文件")


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.txt", "正文".encode("utf-8"))
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: simulate the refusal instead
        def refuse(self, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(self))
        monkeypatch.setattr(Path, "open", refuse)
    try:
        assert_read_error(path, "没有读取权限")
    finally:
        path.chmod(0o644)


def test_file_over_the_size_limit(tmp_path):
    path = write(tmp_path, "big.txt", ("正文。" * 1000).encode("utf-8"))
    assert_read_error(path, "文件太大", "超过 1 KB 的上限", max_bytes=1000)


@pytest.mark.parametrize("name", ["old.doc", "old.docx", "old.txt"])
def test_legacy_word_files_go_to_libreoffice(tmp_path, name, monkeypatch):
    # Old Word and WPS files (OLE2), whatever their extension, are LibreOffice's to read.
    monkeypatch.setenv("BIGAN_SOFFICE", str(tmp_path / "no-such-soffice"))
    path = write(tmp_path, name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    error = assert_read_error(path, "需要 LibreOffice")
    assert error.hint == "Debian/Ubuntu：sudo apt install libreoffice-writer-nogui"


def test_damaged_pdf(tmp_path):
    error = assert_read_error(write(tmp_path, "a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "不是有效的 PDF 文件")
    assert "重新下载" in error.hint


# --- content sniffing ---------------------------------------------------------------------

def test_html_saved_as_txt(tmp_path):
    page = '<div class="wrap"><p>各单位：</p><p>请认真落实。</p><script>x()</script></div>'
    raw = read_document(write(tmp_path, "page.txt", page.encode("utf-8")))
    assert (raw.format, texts(raw)) == ("html", ["各单位：", "请认真落实。"])


def test_html_exported_as_doc(tmp_path):
    page = "<html><body><p>关于举办培训班的通知</p></body></html>"
    raw = read_document(write(tmp_path, "notice.doc", page.encode("gb18030")))
    assert (raw.format, texts(raw)) == ("html", ["关于举办培训班的通知"])


def test_docx_saved_as_txt(tmp_path):
    document = docx.Document()
    document.add_paragraph("伪装成文本的 Word 文档。")
    raw = read_document(write(tmp_path, "word.txt", _docx_bytes(document)))
    assert (raw.format, texts(raw)) == ("docx", ["伪装成文本的 Word 文档。"])


# --- Markdown -----------------------------------------------------------------------------

def test_markdown_fixture():
    raw = read_document(DATA / "sample.md")
    assert raw.format == "md"
    assert raw.meta == {"title": "在春季植树活动动员会上的讲话", "doc_type": "speech",
                        "date": "2023-03-10", "occasion": "动员会",
                        "tags": ["生态建设", "义务植树"], "speaker": "李明"}
    assert [(b.text, b.level, b.marker, b.is_title) for b in raw.blocks] == [
        ("在春季植树活动动员会上的讲话", 0, "", True),
        ("同志们：", None, "", False),
        ("今天召开动员会，主要是部署今年的义务植树工作。", None, "", False),
        ("一、提高认识", 1, "", False),
        ("（一）看清形势", 2, "", False),
        ("绿化是一项长期任务。", None, "", False),
        ("划定责任地块", None, "1.", False),
        ("备足优质苗木", None, "2.", False),
        ("见附件。", None, "", False),
        ("1.加强统筹", 3, "", False),
        ("（1）明确分工", 4, "", False),
    ]


def test_markdown_python_markdown_meta_style(tmp_path):
    text = "Title: 调研报告\nDoc_Type: report\nTopics: 乡村振兴, 产业\nAuthor: 不收\n\n正文第一段。\n"
    raw = read_document(write(tmp_path, "a.md", text.encode("utf-8")))
    assert raw.meta == {"title": "调研报告", "doc_type": "report", "tags": ["乡村振兴", "产业"]}
    assert texts(raw) == ["正文第一段。"]


def test_markdown_yaml_list_and_quotes(tmp_path):
    text = '---\ntitle: "讲话"\ntopics:\n  - 党建\n  - "作风"\noccasion: 座谈会\n---\n正文。\n'
    raw = read_document(write(tmp_path, "a.md", text.encode("utf-8")))
    assert raw.meta == {"title": "讲话", "tags": ["党建", "作风"], "occasion": "座谈会"}
    assert texts(raw) == ["正文。"]


def test_markdown_without_metadata_keeps_colon_lines(tmp_path):
    text = "时间：2024年3月\n地点：市政府\n\n正文。\n"
    raw = read_document(write(tmp_path, "a.md", text.encode("utf-8")))
    assert raw.meta == {}
    assert texts(raw) == ["时间：2024年3月地点：市政府", "正文。"]


def test_markdown_in_gbk(tmp_path):
    raw = read_document(write(tmp_path, "a.md", "# 工作方案\n\n一、目标\n".encode("gbk")))
    assert texts(raw) == ["工作方案", "一、目标"]


# --- HTML ---------------------------------------------------------------------------------

def test_portal_fixture():
    raw = read_document(DATA / "portal.html")
    assert raw.format == "html"
    assert raw.meta == {"issuer": "某市人民政府办公室", "date": "2024年03月15日",
                        "title": "关于开展节水宣传周活动的通知", "doc_number": "某政办发〔2024〕7号",
                        "published": "2024年03月18日"}
    assert texts(raw) == ["关于开展节水宣传周活动的通知", "各区县人民政府，市政府各部门：",
                          "\u3000\u3000为增强全社会节水意识，决定开展节水宣传周活动。",
                          "一、活动时间", "2024年3月22日至28日", "某市人民政府办公室"]


def test_html_page_without_content_marker(tmp_path):
    page = """<!DOCTYPE html><html><head><title>市政府工作动态</title><style>p{}</style></head>
    <body><header>市政府门户网站</header>
    <nav><a href="/">首页</a><a href="/a">要闻</a></nav>
    <div class="menu"><a href="/1">第一条链接标题很长很长</a> | <a href="/2">第二条链接标题很长</a></div>
    <h1>全市召开安全生产工作会议</h1>
    <div class="article"><p>会议强调，要压实<b>安全</b>责任。<a href="/x">详情</a></p>
    <p>第一行<br/>第二行</p><table><tr><td>单位</td><td>人数</td></tr></table>
    <ul><li>要点一</li><li>要点二</li></ul><ol start="3"><li>第三</li><li>第四</li></ol>
    <h3>小标题</h3><pre>保留
    换行</pre><p style="display: none">隐藏</p><noscript>请开启脚本</noscript>
    <form><button>提交</button><select><option>选项</option></select></form></div>
    <footer>版权所有</footer><script>var s = "脚本";</script></body></html>"""
    raw = read_document(write(tmp_path, "news.html", page.encode("utf-8")))
    assert raw.meta == {}
    assert [(b.text, b.level, b.marker, b.is_title) for b in raw.blocks] == [
        ("全市召开安全生产工作会议", 0, "", True),
        ("会议强调，要压实安全责任。详情", None, "", False),
        ("第一行", None, "", False), ("第二行", None, "", False),
        ("单位", None, "", False), ("人数", None, "", False),
        ("要点一", None, "", False), ("要点二", None, "", False),
        ("第三", None, "3.", False), ("第四", None, "4.", False),
        ("小标题", 2, "", False),
        ("保留", None, "", False), ("    换行", None, "", False),
    ]


def test_html_title_element_when_nothing_better(tmp_path):
    page = "<html><head><title>关于印发实施细则的通知</title></head><body><p>各单位：</p></body></html>"
    raw = read_document(write(tmp_path, "a.htm", page.encode("utf-8")))
    assert raw.blocks[0] == Block("关于印发实施细则的通知", level=0, is_title=True)
    assert texts(raw) == ["关于印发实施细则的通知", "各单位："]


@pytest.mark.parametrize("data", [
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    "<body><p>各区县：</p></body></html>".encode("gb18030"),
    "<p>各区县：</p>".encode("gb18030"),
    codecs.BOM_UTF8 + '<meta charset="gbk"><p>各区县：</p>'.encode("utf-8"),
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>各区县：</p></body></html>'.encode("utf-8"),
], ids=["meta-gb2312", "fragment-no-charset", "bom-beats-meta", "xml-declaration"])
def test_html_encodings(tmp_path, data):
    assert texts(read_document(write(tmp_path, "a.html", data))) == ["各区县："]


def test_html_deep_nesting_does_not_crash(tmp_path):
    page = "<p>开头段落。</p>" + "<div>" * 10_000 + "深处" + "</div>" * 10_000
    raw = read_document(write(tmp_path, "deep.html", page.encode("utf-8")))
    assert texts(raw)[0] == "开头段落。"


def test_html_without_text(tmp_path):
    path = write(tmp_path, "a.html", b"<html><body><script>x()</script><!-- c --></body></html>")
    assert_read_error(path, "网页中没有找到正文")


# --- Word -----------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NUMBERING = f"""<w:numbering xmlns:w="{W_NS}">
  <w:abstractNum w:abstractNumId="10">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="11">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="ideographTraditional"/><w:lvlText w:val="%1."/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="7"><w:abstractNumId w:val="10"/></w:num>
  <w:num w:numId="8"><w:abstractNumId w:val="10"/>
    <w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/></w:lvlOverride></w:num>
  <w:num w:numId="9"><w:abstractNumId w:val="11"/></w:num>
</w:numbering>"""


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _number(paragraph, num_id, ilvl):
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _sample_docx(path: Path) -> Path:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    for child in list(parse_xml(NUMBERING)):
        numbering.append(child)
    outline = document.styles.add_style("提纲", WD_STYLE_TYPE.PARAGRAPH)
    outline.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="2"/>'))
    document.styles.add_style("标题 4", WD_STYLE_TYPE.PARAGRAPH)

    document.add_paragraph("关于推进节约型机关建设的实施方案", style="Title")
    document.add_paragraph("")
    document.add_paragraph("为推进节约型机关建设，制定本方案。")
    document.add_paragraph("总体要求", style="Heading 1")
    for text, num_id, ilvl in [("目标任务", 7, 0), ("节约用电", 7, 1), ("节约用水", 7, 1),
                               ("更换节能灯具", 7, 2), ("保障措施", 7, 0), ("加强领导", 7, 1),
                               ("另起的第三部分", 8, 0), ("甲项", 9, 0), ("要点", 9, 1),
                               ("乙项", 9, 0)]:
        _number(document.add_paragraph(text), num_id, ilvl)
    no_number = document.add_paragraph("取消编号的段落")
    _number(no_number, 0, 0)
    document.add_paragraph("具体安排", style="Heading 2")
    document.add_paragraph("大纲三级", style="提纲")
    document.add_paragraph("名称四级", style="标题 4")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "责任单位"
    table.cell(0, 1).text = "完成时限"
    table.cell(1, 0).text = "办公室"
    table.cell(1, 1).paragraphs[0].text = "3月底前"
    table.cell(1, 1).add_paragraph("持续推进")
    paragraph = document.add_paragraph("分两段")
    paragraph.add_run("\t写的文字。")
    document.save(path)
    return path


def test_docx_reader(tmp_path):
    raw = read_document(_sample_docx(tmp_path / "方案.docx"))
    assert raw.format == "docx"
    assert raw.meta == {}
    assert [(b.text, b.level, b.marker, b.is_title) for b in raw.blocks] == [
        ("关于推进节约型机关建设的实施方案", 0, "", True),
        ("为推进节约型机关建设，制定本方案。", None, "", False),
        ("总体要求", 1, "", False),
        ("目标任务", None, "一、", False),
        ("节约用电", None, "（一）", False),
        ("节约用水", None, "（二）", False),
        ("更换节能灯具", None, "1.", False),
        ("保障措施", None, "二、", False),
        ("加强领导", None, "（一）", False),
        ("另起的第三部分", None, "三、", False),
        ("甲项", None, "甲.", False),
        ("要点", None, "", False),
        ("乙项", None, "乙.", False),
        ("取消编号的段落", None, "", False),
        ("具体安排", 2, "", False),
        ("大纲三级", 3, "", False),
        ("名称四级", 4, "", False),
        ("责任单位", None, "", False), ("完成时限", None, "", False),
        ("办公室", None, "", False), ("3月底前", None, "", False), ("持续推进", None, "", False),
        ("分两段\t写的文字。", None, "", False),
    ]


def test_broken_docx_fixture():
    error = assert_read_error(DATA / "broken.docx", "不是有效的 Word 文档（.docx）")
    assert "另存为 .docx" in error.hint


def test_zip_without_document_xml(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    assert_read_error(write(tmp_path, "表格.docx", buffer.getvalue()), "缺少 word/document.xml")


def test_docx_expanded_size_limit(tmp_path):
    path = tmp_path / "大.docx"
    document = docx.Document()
    document.add_paragraph("正文")
    document.save(path)
    assert_read_error(path, "解压后", "超过 1 KB 的上限", max_docx_expanded=1000)


def test_docx_with_invalid_xml(tmp_path):
    path = _rewrite_document_xml(tmp_path, lambda xml: xml[: len(xml) // 2])
    assert_read_error(path, "不是有效的 Word 文档")


def test_docx_external_entity_is_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")

    def add_entity(xml: bytes) -> bytes:
        declaration, rest = xml.split(b"?>", 1)
        doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode()
        return declaration + b"?>" + doctype + rest.replace("占位".encode(), b"&xxe;")

    raw = read_document(_rewrite_document_xml(tmp_path, add_entity, text="前文占位后文"))
    assert "机密内容" not in "".join(texts(raw))
    assert texts(raw) == ["前文后文"]


def _rewrite_document_xml(tmp_path, change, text="正文"):
    document = docx.Document()
    document.add_paragraph(text)
    source = io.BytesIO(_docx_bytes(document))
    target = tmp_path / "changed.docx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "word/document.xml":
                data = change(data)
            new.writestr(info, data)
    return target


# --- the real corpus (read only, skipped when absent) ---------------------------------------

needs_corpus = pytest.mark.skipif(not REAL.is_dir(), reason="共享语料 /work/shared/corpus/real 不存在")


@needs_corpus
@pytest.mark.parametrize("variant, original", [
    ("variants/beijing_report_gb18030.txt", "work-report/2026_北京市_政府工作报告.txt"),
    ("variants/philosophy_speech_utf16.txt", "speech/2016-05-17_在哲学社会科学工作座谈会上的讲话.txt"),
    ("variants/mass_line_speech.docx", "speech/2014-10-08_在党的群众路线教育实践活动总结大会上的讲话.txt"),
], ids=["gb18030", "utf-16", "docx"])
def test_corpus_variants_match_originals(variant, original):
    ours = [text.strip() for text in texts(read_document(REAL / variant))]
    theirs = [text.strip() for text in texts(read_document(REAL / original))]
    assert ours == theirs
    assert len(ours) > 20


@needs_corpus
def test_corpus_docx_page_matches_html_content():
    page = texts(read_document(REAL / "work-plan" / "govcn_国办发2019-2.html"))
    word = read_document(REAL / "variants" / "plan_2019_2.docx")
    start = texts(word).index(page[0])
    assert texts(word)[start:start + len(page)] == page
    assert word.meta["doc_number"] == "国办发〔2019〕2号"


@needs_corpus
def test_corpus_html_metadata_matches_expected():
    expected = json.loads((REAL / "expected.json").read_text(encoding="utf-8"))
    checked = 0
    for entry in expected:
        if not entry["file"].endswith(".html"):
            continue
        raw = read_document(REAL / entry["file"])
        meta = entry["meta"]
        assert (raw.meta.get("issuer"), raw.meta.get("date"), raw.meta.get("doc_number")) == (
            meta.get("发文机关"), meta.get("成文日期"), meta.get("发文字号")), entry["file"]
        assert entry["title_contains"] in raw.meta["title"]
        checked += 1
    assert checked >= 20


@needs_corpus
def test_corpus_seed_is_run_together():
    seed = CORPUS / "seed" / "000_a918a184e0497794.txt"
    assert read_document(seed).run_together is True
    speech = REAL / "speech" / "2016-07-01_在庆祝中国共产党成立95周年大会上的讲话.txt"
    assert read_document(speech).run_together is False


# --- properties -----------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严，。、；：？！“”《》（）"
CLEAN_TEXT = st.lists(st.text(alphabet=COMMON, min_size=1, max_size=40), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(lines=CLEAN_TEXT, codec=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_chinese_text_survives_encoding_detection(lines, codec, newline):
    text = newline.join(lines)
    assert decode_bytes(text.encode(codec), "a.txt") == text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=400),
       name=st.sampled_from(["a.txt", "a.md", "a.html", "a.docx", "a.doc", "a"]))
def test_any_bytes_give_a_document_or_a_read_error(tmp_path, data, name):
    path = write(tmp_path, name, data)
    try:
        raw = read_document(path)
    except ReadError as error:
        assert path.name in str(error)
    else:
        assert raw.blocks and all(block.text.strip() for block in raw.blocks)
