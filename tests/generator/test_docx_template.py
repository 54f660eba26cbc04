"""`write_docx_template`: styled Word templates with placeholder skeletons."""

from __future__ import annotations

import zipfile

import docx
import pytest

from generator.docx_template import KINDS, skeleton, write_docx_template
from generator.errors import RenderError
from generator.layout_check import check_layout

from conftest import w

TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
STYLE_NAMES = ("标题", "题注", "称谓", "正文", "一级标题", "二级标题", "三级标题", "四级标题",
               "落款", "成文日期", "附件说明")


@pytest.mark.parametrize("kind", KINDS)
def test_styles_carry_the_profile(tmp_path, parts, kind):
    path = write_docx_template(kind, tmp_path / f"{kind}.docx")
    xml = parts(path)
    for name in STYLE_NAMES:  # every style is there, whether the skeleton uses it or not
        xml.style(name)
    fonts = {name: xml.style(name).find(f"{w('rPr')}/{w('rFonts')}").get(w("eastAsia"))
             for name in ("标题", "正文", "一级标题", "二级标题", "三级标题")}
    assert fonts == {"标题": "方正小标宋简体", "正文": "仿宋_GB2312", "一级标题": "黑体",
                     "二级标题": "楷体_GB2312", "三级标题": "仿宋_GB2312"}
    sizes = {name: xml.style(name).find(f"{w('rPr')}/{w('sz')}").get(w("val"))
             for name in ("标题", "正文", "一级标题")}
    assert sizes == {"标题": "44", "正文": "32", "一级标题": "32"}
    assert check_layout(path) == []


def test_speech_skeleton_paragraph_styles(tmp_path):
    path = write_docx_template("speech", tmp_path / "讲话稿.docx")
    found = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    assert found[:5] == [
        ("标题", "在【会议名称】上的讲话"),
        ("题注", "【讲话人职务】　【讲话人姓名】"),
        ("题注", "（【年】年【月】月【日】日）"),
        ("称谓", "同志们："),
        ("正文", "【开头：会议背景、目的和讲话的总体安排，如“下面，我讲三点意见。”】"),
    ]
    assert ("一级标题", "一、【第一部分标题】") in found
    assert ("二级标题", "（一）【第二部分第一层标题】") in found
    assert ("正文", "一是【第一点要求】。【展开论述】") in found


def test_work_plan_uses_every_heading_level(tmp_path):
    path = write_docx_template("work_plan", tmp_path / "方案.docx")
    styles = {p.style.name for p in docx.Document(str(path)).paragraphs}
    assert {"一级标题", "二级标题", "三级标题", "四级标题", "落款", "成文日期"} <= styles


def test_notice_has_attachment_note_and_signature(tmp_path):
    path = write_docx_template("notice", tmp_path / "通知.docx")
    found = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    assert ("附件说明", "附件：1.【附件名称】") in found
    assert ("落款", "【发文机关署名】") in found
    assert ("成文日期", "【成文日期】") in found
    assert ("附件标识", "附件1") in found


def test_dotx_content_type(tmp_path):
    path = write_docx_template("notice", tmp_path / "通知.dotx", dotx=True)
    with zipfile.ZipFile(path) as archive:
        types = archive.read("[Content_Types].xml").decode()
    assert TEMPLATE_TYPE in types
    assert "document.main+xml" not in types
    assert check_layout(path) == []


def test_unknown_kind():
    with pytest.raises(RenderError, match="没有“memo”这种模板"):
        skeleton("memo")
