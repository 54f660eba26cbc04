"""`check_layout`: nothing on our own output, each planted deviation found where it is."""

from __future__ import annotations

import zipfile

import docx
import pytest
from lxml import etree

from generator.errors import GeneratorError
from generator.layout_check import Deviation, check_layout
from generator.profile import load_profile
from generator.render.docx import render_docx

from conftest import w


@pytest.fixture
def ours(tmp_path, sample):
    path = tmp_path / "ours.docx"
    render_docx(sample, path)
    return path


def _mutate(source, target, part: str, change) -> None:
    """Copy the .docx ``source`` to ``target`` with ``change(root)`` applied to one XML part."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == part:
                root = etree.fromstring(data)
                change(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
            new.writestr(item, data)


def _runs_with(root, text: str):
    for run in root.iter(w("r")):
        if text in "".join(t.text or "" for t in run.iter(w("t"))):
            yield run


def test_our_output_has_no_deviation(ours):
    assert check_layout(ours) == []


def test_wrong_margin(ours, tmp_path):
    bad = tmp_path / "边距.docx"
    _mutate(ours, bad, "word/document.xml",
            lambda root: root.find(f".//{w('pgMar')}").set(w("left"), "1800"))
    assert check_layout(bad) == [Deviation("页面设置", "左边距（订口）", "31.7 毫米", "28 毫米")]


def test_margin_within_tolerance(ours, tmp_path):
    near = tmp_path / "边距近.docx"
    _mutate(ours, near, "word/document.xml",
            lambda root: root.find(f".//{w('pgMar')}").set(w("top"), "2120"))  # 37.4 mm
    assert check_layout(near) == []


def test_times_new_roman_quotes(ours, tmp_path):
    bad = tmp_path / "引号.docx"

    def latin_quotes(root):
        for run in _runs_with(root, "议题征集"):
            fonts = run.find(f"{w('rPr')}/{w('rFonts')}")
            fonts.set(w("ascii"), "Times New Roman")
            fonts.set(w("hAnsi"), "Times New Roman")
            del fonts.attrib[w("hint")]
            run.find(w("t")).text = "议题征集要“有章可循”。"

    def no_hints(root):
        for fonts in root.iter(w("rFonts")):
            fonts.attrib.pop(w("hint"), None)

    step = tmp_path / "引号-样式.docx"
    _mutate(ours, step, "word/styles.xml", no_hints)  # as other tools write them
    _mutate(step, bad, "word/document.xml", latin_quotes)
    found = check_layout(bad)
    assert found == [Deviation("第15段（正文）", "引号、破折号、省略号的字体", "Times New Roman",
                               '中文字体（仿宋_GB2312），即 w:hint="eastAsia"', "议题征集要“有章可循”。")]


def test_quotes_of_another_tool(tmp_path):
    path = tmp_path / "他人.docx"
    document = docx.Document()
    run = document.add_paragraph().add_run("要坚持“两个确保”——确保安全……")
    run.font.name = "Times New Roman"
    run._r.rPr.rFonts.set(w("eastAsia"), "仿宋_GB2312")
    document.save(str(path))
    found = [d for d in check_layout(path) if d.what.startswith("引号")]
    assert found == [Deviation("第1段（标题）", "引号、破折号、省略号的字体", "Times New Roman",
                               '中文字体（方正小标宋简体），即 w:hint="eastAsia"',
                               "要坚持“两个确保”——确保安全……")]


def test_heiti_level_two(ours, tmp_path):
    bad = tmp_path / "二级黑体.docx"

    def heiti(root):
        for run in _runs_with(root, "（二）抓好议事协商"):
            run.find(f"{w('rPr')}/{w('rFonts')}").set(w("eastAsia"), "黑体")

    _mutate(ours, bad, "word/document.xml", heiti)
    assert check_layout(bad) == [Deviation("第12段（二级标题）", "中文字体", "黑体",
                                           "楷体_GB2312或楷体或KaiTi", "（二）抓好议事协商")]


@pytest.mark.parametrize("footer_type, where", [("default", "页脚（奇数页）"),
                                                 ("even", "页脚（偶数页）")], ids=["odd", "even"])
def test_eighteen_point_page_numbers(ours, tmp_path, parts, footer_type, where):
    bad = tmp_path / "页码.docx"
    xml = parts(ours)
    rels = etree.fromstring(xml.raw["word/_rels/document.xml.rels"])
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    ref = next(r for r in xml.document.iter(w("footerReference"))
               if r.get(w("type")) == footer_type)
    part = "word/" + targets[ref.get(
        "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]

    def big(root):
        for size in root.iter(w("sz")):
            size.set(w("val"), "36")

    _mutate(ours, bad, part, big)
    assert check_layout(bad) == [Deviation(where, "页码字号", "18 磅", "14 磅（四号）")]


def test_page_number_indented_with_spaces(ours, tmp_path):
    bad = tmp_path / "空格.docx"

    def spaces(root):
        ind = root.find(f".//{w('ind')}")
        ind.getparent().remove(ind)
        first = next(root.iter(w("t")))
        first.text = "  — "

    _mutate(ours, bad, "word/footer1.xml", spaces)
    found = check_layout(bad)
    assert Deviation("页脚（奇数页）", "页码缩进", "用空格缩进", "用段落缩进（不用空格）") in found
    assert Deviation("页脚（奇数页）", "页码缩进", "无", "右缩进 1 字") in found


def test_missing_odd_even_setting(ours, tmp_path):
    bad = tmp_path / "奇偶.docx"

    def drop(root):
        element = root.find(w("evenAndOddHeaders"))
        root.remove(element)

    _mutate(ours, bad, "word/settings.xml", drop)
    assert check_layout(bad) == [Deviation("页脚", "奇偶页不同", "未设置",
                                           "设置（奇数页页码居右、偶数页页码居左）")]


def test_other_profile_line_pitch(ours, tmp_path):
    profile_path = tmp_path / "28磅.toml"
    profile_path.write_text("[page]\nline_pitch_pt = 28\n", encoding="utf-8")
    found = check_layout(ours, load_profile(profile_path))
    assert found == [Deviation("页面设置", "行距（文档网格）", "28.95 磅", "28 磅（每页 22 行）")]


def test_unstyled_document_by_roles(tmp_path):
    path = tmp_path / "随手.docx"
    document = docx.Document()
    document.add_paragraph("关于测试的通知")
    document.add_paragraph("一、总体要求")
    document.add_paragraph("要做好“测试”。")
    document.save(str(path))
    found = check_layout(path)
    wheres = {(d.where, d.what) for d in found}
    assert ("页面设置", "上边距（天头）") in wheres
    assert ("页面设置", "行距（文档网格）") in wheres
    assert ("第1段（标题）", "中文字体") in wheres
    assert ("第1段（标题）", "字号") in wheres
    assert ("第1段（标题）", "对齐方式") in wheres
    assert ("第2段（一级标题）", "中文字体") in wheres
    assert ("第2段（一级标题）", "首行缩进") in wheres
    assert ("第3段（正文）", "引号、破折号、省略号的字体") in wheres
    assert ("页脚", "页码") in wheres
    theme = next(d for d in found if d.where == "第3段（正文）" and d.what == "中文字体")
    assert theme.found == "主题字体（minorEastAsia）"


def test_deviation_text():
    deviation = Deviation("第3段（一级标题）", "中文字体", "仿宋", "黑体或SimHei", "一、总体要求")
    assert str(deviation) == "第3段（一级标题）「一、总体要求」：中文字体为 仿宋，应为 黑体或SimHei"
    assert deviation.to_json()["expected"] == "黑体或SimHei"


@pytest.mark.parametrize("content, message", [
    (b"not a zip", "不是有效的 Word 文档"),
    (None, "文件不存在"),
], ids=["not-zip", "missing"])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "坏.docx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GeneratorError, match=message):
        check_layout(path)
