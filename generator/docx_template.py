"""`bigan docx-template`: styled Word templates with a skeleton of placeholders per document kind."""

from __future__ import annotations

from pathlib import Path

from kb.model import Attachment, Document, Section

from generator.errors import RenderError
from generator.profile import LayoutProfile, load_profile

KINDS = ("speech", "work_plan", "notice")


def _heading(level: int, marker: str, text: str, *paragraphs: str,
             children: tuple[Section, ...] = ()) -> Section:
    return Section("heading", level, marker, text, tuple(paragraphs), children)


def _point(marker: str, lead: str, text: str) -> Section:
    return Section("point", 2, marker, lead, (text,))


def skeleton(kind: str) -> Document:
    """Return the placeholder Document of a template kind (speech, work_plan, notice)."""
    if kind == "speech":
        return Document(
            title="在【会议名称】上的讲话", doc_type="speech",
            byline="【讲话人职务】　【讲话人姓名】\n（【年】年【月】月【日】日）",
            salutation="同志们",
            opening=("【开头：会议背景、目的和讲话的总体安排，如“下面，我讲三点意见。”】",),
            sections=(
                _heading(1, "一、", "【第一部分标题】", children=(
                    _point("一是", "【第一点要求】", "【展开论述】"),
                    _point("二是", "【第二点要求】", "【展开论述】"),
                )),
                _heading(1, "二、", "【第二部分标题】", children=(
                    _heading(2, "（一）", "【第二部分第一层标题】", "【正文】"),
                    _heading(2, "（二）", "【第二部分第二层标题】", "【正文】"),
                )),
                _heading(1, "三、", "【第三部分标题】", "【正文】"),
            ),
            closing=("同志们，【结尾：号召和希望】！",),
        )
    if kind == "work_plan":
        return Document(
            title="【单位名称】关于【工作事项】的工作方案", doc_type="work_plan",
            opening=("为【目的】，根据【依据】，结合【本地区本单位】实际，制定本方案。",),
            sections=(
                _heading(1, "一、", "总体要求", "【指导思想和基本原则】"),
                _heading(1, "二、", "工作目标", "【到【年份】年要达到的目标】"),
                _heading(1, "三、", "主要任务", children=(
                    _heading(2, "（一）", "【第一项任务】", "【具体措施，牵头单位和责任单位】"),
                    _heading(2, "（二）", "【第二项任务】", children=(
                        _heading(3, "1.", "【子任务标题】", "【具体措施】"),
                        _heading(4, "（1）", "【细项标题】", "【具体措施】"),
                    )),
                )),
                _heading(1, "四、", "保障措施", "【组织领导、经费保障、督促检查】"),
            ),
            signature=("【发文机关署名】", "【成文日期】"),
        )
    if kind == "notice":
        return Document(
            title="关于【事项】的通知", doc_type="notice",
            salutation="【主送机关】",
            opening=("【发文缘由】。现将有关事项通知如下：",),
            sections=(
                _heading(1, "一、", "【第一项事项】", "【正文】"),
                _heading(1, "二、", "【第二项事项】", "【正文】"),
            ),
            closing=("【结尾，如“请认真贯彻执行。”】",),
            signature=("附件：1.【附件名称】", "2.【附件名称】", "【发文机关署名】", "【成文日期】"),
            attachments=(Attachment(title="【附件标题】", paragraphs=("【附件正文】",),
                                    label="附件1"),),
        )
    raise RenderError(f"没有“{kind}”这种模板，可用的有 {'、'.join(KINDS)}")


def write_docx_template(kind: str, path, *, profile: LayoutProfile | None = None,
                        dotx: bool = False) -> Path:
    """Write the Word template of ``kind`` to ``path`` (a real .dotx when ``dotx``); return the path."""
    from generator.render import _wordxml as wx
    from generator.render.docx import build_docx

    doc = skeleton(kind)
    path = Path(path)
    if not path.parent.is_dir():
        raise RenderError(f"{path}：文件夹 {path.parent} 不存在，请先创建或换一个输出位置")
    profile = profile or load_profile()
    document = build_docx(doc, profile=profile, template=True)
    wx.save_atomically(document, path, template=dotx, fallbacks=wx.font_fallbacks(profile))
    return path
