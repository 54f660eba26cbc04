"""The Markdown renderer: golden text, footnotes, and the round trip through the kb parser."""

from __future__ import annotations

import doctest

import pytest

from kb.model import Document, Section
from kb.parse import load_document

import generator.render.docx
import generator.render.markdown
from generator.render.markdown import render_markdown, write_markdown

GOLDEN = """---
title: 在全区社区治理和基层服务体系建设工作推进会议上的讲话
type: speech
---

# 在全区社区治理和基层服务体系建设工作推进会议上的讲话

（2026年4月8日）

同志们：

今天召开会议，部署下一阶段工作。下面，我讲两点意见。

## 一、看清形势

过去一年，全区工作取得新进展。

一是服务阵地更加完善。新建服务站十二个。

居民办事更方便了。

二是队伍素质明显提升。轮训两期。

## 二、突出重点

（一）抓好网格管理。要把网格划细划实。

### （二）抓好议事协商

让群众的事情群众商量着办。

#### 1.规范议事程序

议题征集要有章可循。

##### （1）公开结果

结果要及时公示。

同志们，让我们真抓实干，开创新局面！

××区人民政府办公室

2026年4月8日

附件1

网格责任人名单

各街道按时报送。
"""


def test_golden(sample):
    assert render_markdown(sample) == GOLDEN


def test_metadata_block():
    doc = Document(title="关于节能的通知", doc_type="notice", date="2026-03-20", speaker="张××",
                   occasion="座谈会", tags=("节能", "降耗"))
    assert render_markdown(doc).split("\n\n")[0] == (
        "---\ntitle: 关于节能的通知\ntype: notice\ndate: 2026-03-20\nspeaker: 张××\n"
        "occasion: 座谈会\ntags: 节能, 降耗\n---")


def test_comments_become_footnotes(sample):
    text = render_markdown(sample, comments={"要把网格划细划实。": "2025年区政府工作报告",
                                             "议题征集要有章可循。": "来源：某讲话"})
    assert "（一）抓好网格管理。要把网格划细划实。[^1]\n" in text
    assert "议题征集要有章可循。[^2]\n" in text
    assert text.endswith("[^1]: 来源：2025年区政府工作报告\n\n[^2]: 来源：某讲话\n")


def test_markdown_syntax_at_paragraph_start_is_escaped():
    doc = Document(title="题目", opening=("1. 这不是列表", "# 也不是标题", "- 更不是"))
    body = render_markdown(doc).split("# 题目\n\n")[1]
    assert body == "\\1. 这不是列表\n\n\\# 也不是标题\n\n\\- 更不是\n"


def _outline(doc: Document):
    return (doc.title, doc.byline, doc.salutation, doc.opening, doc.closing, doc.signature,
            [s.to_json() for s in doc.sections],
            [(a.label, a.title, a.paragraphs) for a in doc.attachments])


def test_round_trip_through_the_parser(tmp_path, sample):
    path = tmp_path / "讲话.md"
    write_markdown(sample, path)
    again = load_document(path)
    assert _outline(again) == _outline(sample)
    assert [s.inline for s in again.walk()] == [s.inline for s in sample.walk()]


@pytest.mark.parametrize("name", ["speech.txt", "work_plan.md", "notice.txt"])
def test_fixture_drafts_round_trip(tmp_path, drafts, name):
    original = load_document(drafts / name)
    path = tmp_path / "out.md"
    write_markdown(original, path)
    again = load_document(path)
    assert _outline(again) == _outline(original)
    assert again.doc_type == original.doc_type
    assert again.tags == original.tags


def test_heading_levels_are_not_shifted(tmp_path):
    doc = Document(title="方案", sections=(
        Section("heading", 1, "一、", "总体要求", children=(
            Section("heading", 2, "（一）", "目标", children=(
                Section("heading", 3, "1.", "指标", children=(
                    Section("heading", 4, "（1）", "数量", ("到年底完成。",)),)),)),)),))
    lines = [line for line in render_markdown(doc).splitlines() if line.startswith("#")]
    assert lines == ["# 方案", "## 一、总体要求", "### （一）目标", "#### 1.指标", "##### （1）数量"]


@pytest.mark.parametrize("module", [generator.render.docx, generator.render.markdown],
                         ids=["docx", "markdown"])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
