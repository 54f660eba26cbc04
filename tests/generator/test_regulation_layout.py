"""Regulations laid out as regulations, read back from the XML: 章/节 centred, 第X条 in 黑体, 题注."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.format import format_document
from generator.layout_check import check_layout
from generator.render.docx import render_docx

from conftest import w
from test_pdf import regulation_document

REGULATIONS = Path("/work/shared/corpus/real/regulation")


def _paragraphs(parts):
    """Return (style name, jc, outline level, [(run text, east-Asian font)]) per paragraph."""
    styles = {s.get(w("styleId")): s for s in parts.styles.iter(w("style"))}
    out = []
    for paragraph in parts.document.iter(w("p")):
        runs = [("".join(t.text or "" for t in r.iter(w("t"))),
                 r.find(f"{w('rPr')}/{w('rFonts')}").get(w("eastAsia")))
                for r in paragraph.iter(w("r")) if r.find(w("t")) is not None]
        if not runs:
            continue
        style = styles[paragraph.find(f"{w('pPr')}/{w('pStyle')}").get(w("val"))]
        ppr = style.find(w("pPr"))
        outline = ppr.find(w("outlineLvl"))
        out.append((style.find(w("name")).get(w("val")), ppr.find(w("jc")).get(w("val")),
                    outline.get(w("val")) if outline is not None else None, runs))
    return out


@pytest.fixture
def regulation(tmp_path, parts):
    path = tmp_path / "办法.docx"
    render_docx(regulation_document(), path)
    return path, _paragraphs(parts(path))


def test_adoption_notes_are_their_own_kai_paragraphs_under_the_title(regulation):
    _, paragraphs = regulation
    assert [p[0] for p in paragraphs[:3]] == ["标题", "题注", "题注"]
    assert paragraphs[1] == ("题注", "center", None,
                             [("2026年3月2日××市人民政府第12次常务会议通过", "楷体_GB2312")])
    assert paragraphs[2][3][0][0].endswith("自2026年5月1日起施行")


def test_one_blank_line_under_the_last_note_only(regulation, parts):
    path, _ = regulation
    spacing = []
    for paragraph in list(parts(path).document.iter(w("p")))[1:4]:
        found = paragraph.find(f"{w('pPr')}/{w('spacing')}")
        spacing.append(found.get(w("after")) if found is not None else None)
    assert spacing == [None, "579", None]


def test_chapters_and_sections_are_centred_headings(regulation):
    _, paragraphs = regulation
    chapters = [p for p in paragraphs if p[0] == "章标题"]
    assert [(p[1], p[2], p[3]) for p in chapters] == [
        ("center", "0", [("第一章\u3000总则", "黑体")]),
        ("center", "0", [("第二章\u3000志愿者与志愿服务组织", "黑体")]),
        ("center", "0", [("第三章\u3000附则", "黑体")]),
    ]
    sections = [p for p in paragraphs if p[0] == "节标题"]
    assert [(p[1], p[2], p[3][0][0]) for p in sections] == [
        ("center", "1", "第一节\u3000志愿者"), ("center", "1", "第二节\u3000志愿服务组织")]


def test_article_lead_in_hei_and_text_in_fangsong_on_one_line(regulation):
    _, paragraphs = regulation
    articles = [p for p in paragraphs if p[3][0][0].startswith("第") and p[3][0][0].endswith("条\u3000")]
    assert len(articles) == 5
    first = articles[0]
    assert first[0] == "正文"
    assert first[3] == [("第一条\u3000", "黑体"),
                        ("为了规范社区志愿服务，保障志愿者和服务对象的合法权益，制定本办法。", "仿宋_GB2312")]
    # The second paragraph of an article is plain body text.
    index = paragraphs.index(articles[1])
    assert paragraphs[index + 1][3] == [("法律、法规另有规定的，从其规定。", "仿宋_GB2312")]


def test_regulation_layout_passes_the_checker(regulation):
    path, _ = regulation
    assert check_layout(path) == []


@pytest.mark.skipif(not REGULATIONS.exists(), reason="共享语料 /work/shared/corpus/real 不在本机")
def test_real_regulation(tmp_path, parts):
    output = format_document(REGULATIONS / "行政许可法(2019-04-23).md", tmp_path / "法.docx")
    paragraphs = _paragraphs(parts(output))
    assert [p[0] for p in paragraphs[:4]] == ["标题", "题注", "题注", "章标题"]
    assert paragraphs[1][3][0][0].endswith("会议通过")
    assert paragraphs[3][3] == [("第一章\u3000总 则", "黑体")]
    assert paragraphs[4][3][0] == ("第一条\u3000", "黑体")
    assert check_layout(output) == []
