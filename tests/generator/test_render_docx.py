"""The .docx renderer: every value of the default profile read back from the XML."""

from __future__ import annotations

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from kb.model import Document, Section

from generator.errors import RenderError
from generator.profile import load_profile
from generator.render import render
from generator.render.docx import break_title, render_docx

from conftest import w

# Style name → (east-Asian font, half-points, outline level, keep with next, first-line twips).
EXPECTED_STYLES = {
    "标题": ("方正小标宋简体", "44", None, True, "0"),
    "题注": ("楷体_GB2312", "32", None, True, "0"),
    "称谓": ("仿宋_GB2312", "32", None, False, "0"),
    "正文": ("仿宋_GB2312", "32", None, False, "640"),
    "一级标题": ("黑体", "32", "0", True, "640"),
    "二级标题": ("楷体_GB2312", "32", "1", True, "640"),
    "三级标题": ("仿宋_GB2312", "32", "2", True, "640"),
    "四级标题": ("仿宋_GB2312", "32", "3", True, "640"),
    "落款": ("仿宋_GB2312", "32", None, False, "0"),
    "成文日期": ("仿宋_GB2312", "32", None, False, "0"),
    "附件说明": ("仿宋_GB2312", "32", None, False, "640"),
    "附件标识": ("黑体", "32", None, True, "0"),
    "页码": ("宋体", "28", None, False, "0"),
}
THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


@pytest.fixture
def rendered(tmp_path, sample, parts):
    path = tmp_path / "讲话.docx"
    render_docx(sample, path)
    return path, parts(path)


def _fonts_ok(rfonts, east, latin=None):
    latin = latin or east
    assert rfonts is not None
    assert rfonts.get(w("eastAsia")) == east
    assert rfonts.get(w("ascii")) == latin
    assert rfonts.get(w("hAnsi")) == latin
    assert rfonts.get(w("cs")) == latin
    assert rfonts.get(w("hint")) == "eastAsia"
    for attr in THEME_ATTRS:
        assert rfonts.get(w(attr)) is None


def test_page_setup_in_twips(rendered):
    _, xml = rendered
    sect = xml.document.find(f"{w('body')}/{w('sectPr')}")
    size = sect.find(w("pgSz"))
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
    margins = sect.find(w("pgMar"))
    assert {k: margins.get(w(k)) for k in ("top", "bottom", "left", "right")} == {
        "top": "2098", "bottom": "1984", "left": "1587", "right": "1474"}
    grid = sect.find(w("docGrid"))
    assert (grid.get(w("type")), grid.get(w("linePitch"))) == ("lines", "579")


def test_styles_carry_the_profile(rendered):
    _, xml = rendered
    for name, (font, size, outline, keep, first_line) in EXPECTED_STYLES.items():
        style = xml.style(name)
        rpr = style.find(w("rPr"))
        _fonts_ok(rpr.find(w("rFonts")), font)
        assert rpr.find(w("sz")).get(w("val")) == size, name
        assert rpr.find(w("szCs")).get(w("val")) == size, name
        ppr = style.find(w("pPr"))
        level = ppr.find(w("outlineLvl"))
        assert (level.get(w("val")) if level is not None else None) == outline, name
        assert (ppr.find(w("keepNext")) is not None) == keep, name
        assert ppr.find(w("ind")).get(w("firstLine")) == first_line, name
        if name != "页码":
            spacing = ppr.find(w("spacing"))
            assert (spacing.get(w("line")), spacing.get(w("lineRule"))) == ("579", "exact")
        if first_line == "640":
            assert ppr.find(w("ind")).get(w("firstLineChars")) == "200"
        assert rpr.find(w("b")) is None, name


def test_headings_do_not_leak_into_the_next_paragraph(rendered):
    _, xml = rendered
    body_id = xml.style("正文").get(w("styleId"))
    for name in ("标题", "题注", "一级标题", "二级标题", "三级标题", "四级标题"):
        assert xml.style(name).find(w("next")).get(w("val")) == body_id
    assert xml.style("正文").find(w("next")).get(w("val")) == body_id


def test_alignment_of_styles(rendered):
    _, xml = rendered
    align = {name: xml.style(name).find(f"{w('pPr')}/{w('jc')}").get(w("val"))
             for name in ("标题", "题注", "称谓", "正文", "一级标题", "落款", "成文日期")}
    assert align == {"标题": "center", "题注": "center", "称谓": "left", "正文": "both",
                     "一级标题": "both", "落款": "right", "成文日期": "right"}


def test_normal_style_and_defaults_have_no_theme_fonts(rendered):
    _, xml = rendered
    _fonts_ok(xml.style("Normal").find(f"{w('rPr')}/{w('rFonts')}"), "仿宋_GB2312")
    defaults = xml.styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    _fonts_ok(defaults.find(w("rFonts")), "仿宋_GB2312")
    for level in range(1, 5):  # Word's own headings get the standard's look too
        rpr = xml.style(f"heading {level}").find(w("rPr"))
        _fonts_ok(rpr.find(w("rFonts")), EXPECTED_STYLES[["一级标题", "二级标题", "三级标题",
                                                          "四级标题"][level - 1]][0])


def test_every_run_has_all_font_slots_and_size(rendered):
    _, xml = rendered
    runs = list(xml.document.iter(w("r")))
    assert runs
    for run in runs:
        rpr = run.find(w("rPr"))
        assert rpr.find(w("sz")) is not None
        _fonts_ok(rpr.find(w("rFonts")), rpr.find(w("rFonts")).get(w("eastAsia")))


def test_runs_take_their_element_font(rendered):
    _, xml = rendered
    by_text = {}
    for run in xml.document.iter(w("r")):
        text = "".join(t.text for t in run.iter(w("t")))
        rpr = run.find(w("rPr"))
        by_text[text] = (rpr.find(w("rFonts")).get(w("eastAsia")), rpr.find(w("sz")).get(w("val")),
                         rpr.find(w("spacing")))
    assert by_text["一、看清形势"][:2] == ("黑体", "32")
    assert by_text["（一）抓好网格管理。"][:2] == ("楷体_GB2312", "32")  # run-in heading
    assert by_text["要把网格划细划实。"][:2] == ("仿宋_GB2312", "32")
    assert by_text["（2026年4月8日）"][:2] == ("楷体_GB2312", "32")
    assert by_text["附件1"][:2] == ("黑体", "32")
    assert by_text["网格责任人名单"][:2] == ("方正小标宋简体", "44")
    # Body text is spaced to 28 characters a line; the title is not.
    assert by_text["要把网格划细划实。"][2].get(w("val")) == "-5"
    assert by_text["网格责任人名单"][2] is None


def test_long_title_is_broken_into_balanced_lines(rendered):
    _, xml = rendered
    title = next(xml.document.iter(w("p")))
    texts = ["".join(t.text for t in run.iter(w("t"))) for run in title.iter(w("r"))]
    assert texts == ["在全区社区治理和基层服务体系", "建设工作推进会议上的讲话"]
    assert len(list(title.iter(w("br")))) == 1
    assert len(texts[0]) >= len(texts[1])


def test_paragraphs_read_back_with_style_names(rendered, sample_paragraphs):
    path, _ = rendered
    document = docx.Document(str(path))
    found = [(p.style.name, p.text.replace("\n", "")) for p in document.paragraphs]
    assert found == sample_paragraphs


def test_signature_and_date_placement(rendered):
    path, _ = rendered
    document = docx.Document(str(path))
    by_text = {p.text: p for p in document.paragraphs}
    signature = by_text["××区人民政府办公室"]._p.pPr
    date = by_text["2026年4月8日"]._p.pPr
    # Signature 10 wide, date 6 wide (digits count half): the date starts 2 characters right
    # of the signature's first character; the signature sits 2 characters from the margin.
    assert signature.find(w("ind")).get(w("rightChars")) == "200"
    assert date.find(w("ind")).get(w("rightChars")) == "400"
    assert signature.find(w("spacing")).get(w("before")) == "579"  # one blank line above


def test_attachment_starts_a_new_page(rendered):
    _, xml = rendered
    style = xml.style("附件标识")
    assert style.find(f"{w('pPr')}/{w('pageBreakBefore')}") is not None


def test_settings_odd_and_even_footers(rendered):
    _, xml = rendered
    assert xml.settings.find(w("evenAndOddHeaders")) is not None


@pytest.mark.parametrize("kind, align, side", [("default", "right", "right"),
                                               ("even", "left", "left")], ids=["odd", "even"])
def test_page_number_footers(rendered, kind, align, side):
    _, xml = rendered
    footer = xml.footers()[kind]
    paragraph = footer.find(w("p"))
    ppr = paragraph.find(w("pPr"))
    assert ppr.find(w("jc")).get(w("val")) == align
    ind = ppr.find(w("ind"))
    assert ind.get(w(side)) == "280"
    assert ind.get(w(f"{side}Chars")) == "100"
    instr = [t.text for t in paragraph.iter(w("instrText"))]
    assert instr == [" PAGE "]
    kinds = [f.get(w("fldCharType")) for f in paragraph.iter(w("fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    texts = [t.text for t in paragraph.iter(w("t"))]
    assert texts == ["— ", "1", " —"]
    for run in paragraph.iter(w("r")):
        rpr = run.find(w("rPr"))
        _fonts_ok(rpr.find(w("rFonts")), "宋体")
        assert rpr.find(w("sz")).get(w("val")) == "28"
    assert "".join(texts).strip() == "— 1 —"  # no spaces used for the indent


def test_control_characters_are_removed(tmp_path):
    doc = Document(title="关于\x01测试的通知", opening=("正文\x00中有\x0b控制\x1f字符\ufffe。",))
    path = tmp_path / "控制.docx"
    render_docx(doc, path)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert texts == ["关于测试的通知", "正文中有控制字符。"]


def test_bold_point_leads_by_profile(tmp_path, sample, parts):
    profile_path = tmp_path / "加粗.toml"
    profile_path.write_text("[paragraph]\nbold_point_leads = true\n", encoding="utf-8")
    path = tmp_path / "加粗.docx"
    render_docx(sample, path, profile=load_profile(profile_path))
    for run in parts(path).document.iter(w("r")):
        text = "".join(t.text for t in run.iter(w("t")))
        bold = run.find(f"{w('rPr')}/{w('b')}") is not None
        assert bold == (text in ("一是服务阵地更加完善。", "二是队伍素质明显提升。")), text


def test_line_pitch_from_profile(tmp_path, sample, parts):
    profile_path = tmp_path / "28磅.toml"
    profile_path.write_text("[page]\nline_pitch_pt = 28\n", encoding="utf-8")
    path = tmp_path / "28.docx"
    render_docx(sample, path, profile=load_profile(profile_path))
    xml = parts(path)
    assert xml.document.find(f".//{w('docGrid')}").get(w("linePitch")) == "560"
    assert xml.style("正文").find(f"{w('pPr')}/{w('spacing')}").get(w("line")) == "560"


def test_comments_attach_to_paragraphs(tmp_path, sample):
    path = tmp_path / "批注.docx"
    comments = {"要把网格划细划实。": "来源：2025年区政府工作报告", "议题征集要有章可循。": "来源：某讲话"}
    render_docx(sample, path, comments=comments)
    document = docx.Document(str(path))
    notes = sorted(c.text for c in document.comments)
    assert notes == ["来源：2025年区政府工作报告", "来源：某讲话"]
    assert all(c.author == "笔杆" and c.initials == "BG" for c in document.comments)
    body = document.element.body
    anchored = [p for p in document.paragraphs
                if p._p.find(f".//{w('commentRangeStart')}") is not None]
    assert [p.text for p in anchored] == ["（一）抓好网格管理。要把网格划细划实。", "议题征集要有章可循。"]
    assert body is not None


def test_registry_chooses_by_extension(tmp_path, sample):
    assert render(sample, tmp_path / "a.docx").suffix == ".docx"
    assert (tmp_path / "a.md").exists() is False
    render(sample, tmp_path / "a.md")
    assert (tmp_path / "a.md").read_text("utf-8").startswith("---\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "a.md"]  # no temp files left


def test_registry_rejects_unknown_extension_and_missing_folder(tmp_path, sample):
    with pytest.raises(RenderError, match="不支持输出为“.odt”"):
        render(sample, tmp_path / "a.odt")
    with pytest.raises(RenderError, match="不存在"):
        render(sample, tmp_path / "没有" / "a.docx")


@pytest.mark.parametrize("title, lines", [
    ("关于开展安全生产检查的通知", ["关于开展安全生产检查的通知"]),
    ("关于进一步加强和改进新时代基层党组织建设工作的实施意见",
     ["关于进一步加强和改进新时代基层党组织", "建设工作的实施意见"]),
    ("在全市2026年基层党建工作推进会上的讲话", ["在全市2026年基层党建工作推进会上的讲话"]),
    ("关于印发《全区2026年安全生产和消防工作要点》的通知",
     ["关于印发《全区2026年安全生产和", "消防工作要点》的通知"]),
], ids=["short", "long", "half-width-digits", "book-title"])
def test_break_title(title, lines):
    assert break_title(title, 20) == lines


def test_break_title_three_lines_never_grow_downwards():
    title = "关于" + "加强城乡社区治理" * 6 + "的意见"
    lines = break_title(title, 20)
    assert "".join(lines) == title
    assert len(lines) == 3
    assert all(len(line) <= 20 for line in lines)
    assert len(lines[0]) >= len(lines[1]) >= len(lines[2])


def test_inline_heading_without_paragraph_is_a_heading(tmp_path):
    doc = Document(title="标题", sections=(Section("heading", 2, "（一）", "健全制度", (), inline=True),))
    path = tmp_path / "x.docx"
    render_docx(doc, path)
    found = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    assert found == [("标题", "标题"), ("二级标题", "（一）健全制度。")]  # its 。 is kept


def test_font_table_names_the_fallbacks(rendered):
    _, xml = rendered
    fonts = {f.get(w("name")): f for f in xml.xml("word/fontTable.xml").iter(w("font"))}
    alt = {name: fonts[name].find(w("altName")).get(w("val"))
           for name in ("方正小标宋简体", "方正小标宋_GBK", "华文中宋", "仿宋_GB2312", "仿宋",
                        "楷体_GB2312", "黑体", "宋体")}
    assert alt == {"方正小标宋简体": "方正小标宋_GBK", "方正小标宋_GBK": "华文中宋",
                   "华文中宋": "宋体", "仿宋_GB2312": "仿宋", "仿宋": "FangSong",
                   "楷体_GB2312": "楷体", "黑体": "SimHei", "宋体": "SimSun"}
    assert fonts["黑体"].find(w("charset")).get(w("val")) == "86"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.just("同志们："), st.text(
    alphabet="一二、（）1.。，“”—…是要党建工作\x00\x07\x0b\ufffe \n\t", min_size=1, max_size=40)),
    min_size=1, max_size=8))
def test_any_text_survives_parse_and_render(tmp_path, lines):
    from kb.errors import ReadError
    from kb.parse import parse_text

    from generator.render.markdown import render_markdown

    text = "\n".join(lines)
    try:
        doc = parse_text(text)
    except ReadError as error:
        # only an empty document (blanks and control characters) is refused, with a message
        assert "空" in str(error)
        assert not "".join(ch for ch in text if ch.isprintable()).strip()
        return
    path = tmp_path / "any.docx"
    render_docx(doc, path)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert not any(ch in text for text in texts for ch in "\x00\x07\x0b\ufffe")
    assert render_markdown(doc).startswith("---\n")
