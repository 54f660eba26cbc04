"""Fixtures of the generator tests: hand-built documents and a reader for .docx XML parts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from kb.model import Attachment, Document, Section

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
DRAFTS = Path(__file__).resolve().parent.parent / "data" / "drafts"


def w(attr: str) -> str:
    """Return the Clark name of a w: attribute or tag."""
    return f"{{{W}}}{attr}"


class DocxParts:
    """The XML parts of a .docx, parsed with lxml."""

    def __init__(self, path):
        with zipfile.ZipFile(path) as archive:
            self.names = archive.namelist()
            self.raw = {name: archive.read(name) for name in self.names}

    def xml(self, name: str):
        return etree.fromstring(self.raw[name])

    @property
    def document(self):
        return self.xml("word/document.xml")

    @property
    def styles(self):
        return self.xml("word/styles.xml")

    @property
    def settings(self):
        return self.xml("word/settings.xml")

    def footers(self) -> dict:
        """Return footer XML by type (default, even), following document.xml's references."""
        rels = etree.fromstring(self.raw["word/_rels/document.xml.rels"])
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        out = {}
        for ref in self.document.iter(w("footerReference")):
            rid = ref.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            out[ref.get(w("type"))] = self.xml("word/" + targets[rid])
        return out

    def style(self, name: str):
        for style in self.styles.iter(w("style")):
            if style.find(w("name")).get(w("val")) == name:
                return style
        raise KeyError(name)


@pytest.fixture
def parts():
    return DocxParts


def sample_document() -> Document:
    """Return a speech using every element of the model (our own sentences)."""
    return Document(
        title="在全区社区治理和基层服务体系建设工作推进会议上的讲话",
        doc_type="speech",
        byline="（2026年4月8日）",
        salutation="同志们",
        opening=("今天召开会议，部署下一阶段工作。下面，我讲两点意见。",),
        sections=(
            Section("heading", 1, "一、", "看清形势", ("过去一年，全区工作取得新进展。",), (
                Section("point", 2, "一是", "服务阵地更加完善", ("新建服务站十二个。",
                                                             "居民办事更方便了。")),
                Section("point", 2, "二是", "队伍素质明显提升", ("轮训两期。",)),
            )),
            Section("heading", 1, "二、", "突出重点", (), (
                Section("heading", 2, "（一）", "抓好网格管理", ("要把网格划细划实。",),
                        inline=True),
                Section("heading", 2, "（二）", "抓好议事协商", ("让群众的事情群众商量着办。",), (
                    Section("heading", 3, "1.", "规范议事程序", ("议题征集要有章可循。",), (
                        Section("heading", 4, "（1）", "公开结果", ("结果要及时公示。",)),
                    )),
                )),
            )),
        ),
        closing=("同志们，让我们真抓实干，开创新局面！",),
        signature=("××区人民政府办公室", "2026年4月8日"),
        attachments=(Attachment(title="网格责任人名单", paragraphs=("各街道按时报送。",),
                                label="附件1"),),
    )


#: (style name, text) of every paragraph of sample_document(), in order.
SAMPLE_PARAGRAPHS = [
    ("标题", "在全区社区治理和基层服务体系建设工作推进会议上的讲话"),
    ("题注", "（2026年4月8日）"),
    ("称谓", "同志们："),
    ("正文", "今天召开会议，部署下一阶段工作。下面，我讲两点意见。"),
    ("一级标题", "一、看清形势"),
    ("正文", "过去一年，全区工作取得新进展。"),
    ("正文", "一是服务阵地更加完善。新建服务站十二个。"),
    ("正文", "居民办事更方便了。"),
    ("正文", "二是队伍素质明显提升。轮训两期。"),
    ("一级标题", "二、突出重点"),
    ("正文", "（一）抓好网格管理。要把网格划细划实。"),
    ("二级标题", "（二）抓好议事协商"),
    ("正文", "让群众的事情群众商量着办。"),
    ("三级标题", "1.规范议事程序"),
    ("正文", "议题征集要有章可循。"),
    ("四级标题", "（1）公开结果"),
    ("正文", "结果要及时公示。"),
    ("正文", "同志们，让我们真抓实干，开创新局面！"),
    ("落款", "××区人民政府办公室"),
    ("成文日期", "2026年4月8日"),
    ("附件标识", "附件1"),
    ("标题", "网格责任人名单"),
    ("正文", "各街道按时报送。"),
]


@pytest.fixture
def sample():
    return sample_document()


@pytest.fixture
def sample_paragraphs():
    return list(SAMPLE_PARAGRAPHS)


@pytest.fixture
def drafts():
    return DRAFTS
