"""A central leader's words enter a draft only as an attributed quotation (issue 13, item 3).

The fixture leader 林某某 and every sentence below are our own writing.
"""

from __future__ import annotations

import pytest

from generator import DraftSpec, draft
from kb import KnowledgeBase
from kb.annotate import QUOTATION, leader, quotable_sentences

LEADER = """---
title: 在全国文明创建工作会议上的讲话
type: speech
date: 2024-05-10
---

# 在全国文明创建工作会议上的讲话

{byline}

（2024年5月10日）

同志们：

我代表党中央，向各位代表表示问候。

## 一、深刻认识文明创建的重大意义

文明创建是凝聚人心的基础工程，必须一以贯之、久久为功。我们这一代人要接好文明创建这一棒。各省、自治区、直辖市要把文明创建摆在重要位置。张某、李某、王某、赵某等同志在文明创建中作了很好的探索。

## 二、扎实推进文明创建各项任务

要把文明创建同基层治理结合起来，让文明创建成果惠及群众。
"""

LOCAL = """---
title: 在×市{topic}工作动员部署会上的讲话
type: speech
date: 2025-03-01
---

# 在×市{topic}工作动员部署会上的讲话

同志们：

下面，我讲三点意见。

## 一、提高思想认识，深刻认识{topic}的重要意义

{topic}关系群众切身利益，全市上下要把{topic}放在心上、抓在手上，以{topic}的实效凝聚人心。

## 二、突出工作重点，扎实推进{topic}各项任务

{topic}要从小事做起，全市上下要把每条街巷管好，把{topic}的各项任务落到实处。

## 三、压实工作责任，确保{topic}落地见效

{topic}要层层压实责任，市委要一级抓一级，把{topic}保障落到实处。
"""

OPINION = """---
title: 关于加强文明创建工作的意见
type: opinion
date: 2024-06-01
---

# 关于加强文明创建工作的意见

## 一、总体要求

文明创建是一项基础工程，必须坚持以人民为中心。本意见自印发之日起施行。
"""


def _library(tmp_path, byline: str | None):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "local.md").write_text(LOCAL.format(topic="文明创建"), encoding="utf-8")
    (folder / "opinion.md").write_text(OPINION, encoding="utf-8")
    if byline is not None:
        (folder / "leader.md").write_text(LEADER.format(byline=byline), encoding="utf-8")
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([folder])
    return kb


SPEC = DraftSpec(kind="speech", topic=("文明创建",), occasion="动员部署会", unit="江州市", date="2026-03-18")


def test_a_central_leaders_principle_enters_as_an_attributed_quotation(tmp_path):
    with _library(tmp_path, "中共中央总书记 林某某") as kb:
        result = draft(SPEC, kb)
    quotes = [p for p in result.paragraphs() if QUOTATION.match(p.text)]
    assert [p.text for p in quotes] == ["林某某总书记强调，“文明创建是凝聚人心的基础工程，必须一以贯之、久久为功”。"]
    # first in the 认识 part, with provenance naming the speech
    assert result.parts[0].paragraphs[0] == quotes[0]
    assert "在全国文明创建工作会议上的讲话" in quotes[0].source.describe()
    assert "林某某" in quotes[0].source.describe()
    text = "".join(p.text for p in result.paragraphs())
    for foreign in ("我代表党中央", "各省、自治区", "张某、李某", "我们这一代人", "本意见"):
        assert foreign not in text


def test_an_unknown_speaker_is_never_quoted(tmp_path):
    # the same speech with no title before the name: nobody can say who 林某某 is
    with _library(tmp_path, "林某某") as kb:
        result = draft(SPEC, kb)
    assert not [p for p in result.paragraphs() if QUOTATION.match(p.text) or "强调，“" in p.text]
    assert "凝聚人心的基础工程" not in "".join(p.text for p in result.paragraphs())


def test_a_state_council_document_is_never_quoted(tmp_path):
    with _library(tmp_path, None) as kb:
        result = draft(SPEC, kb)
    text = "".join(p.text for p in result.paragraphs())
    assert "强调，“" not in text and "基础工程" not in text


def test_the_quotation_survives_adaptation_verbatim(tmp_path):
    # adaptation rewrites 全区 → 全市 and marks seasons; the quoted words are left as spoken
    with _library(tmp_path, "中共中央总书记 林某某") as kb:
        result = draft(DraftSpec(**{**SPEC.__dict__, "unit": "南湖区"}), kb)
    quotes = [p.text for p in result.paragraphs() if QUOTATION.match(p.text)]
    assert quotes == ["林某某总书记强调，“文明创建是凝聚人心的基础工程，必须一以贯之、久久为功”。"]


@pytest.mark.parametrize("speaker, date, byline, wanted", [
    ("习近平", "2016-05-17", None, ("习近平", "总书记")),
    ("习近平", "2011-05-17", None, None),
    ("习近平", "2015-04-28", "国家主席习近平28日在大会上发表重要讲话", ("习近平", "主席")),
    ("国务院总理 王某某", "2020-01-01", None, ("王某某", "总理")),
    ("王某某", "2020-01-01", "国务院总理王某某出席会议", ("王某某", "总理")),
    ("市委书记", "2024-01-01", None, None),
    ("北京市市长 殷某", "2026-01-25", None, None),
    (None, "2024-01-01", "中共中央总书记", None),
], ids=["table", "before-tenure", "source-title-first", "title-in-speaker", "title-in-byline", "local", "mayor", "unknown"])
def test_who_may_be_quoted(speaker, date, byline, wanted):
    assert leader(speaker, date, byline) == wanted


def test_what_may_be_quoted():
    text = ("我代表党中央表示祝贺。文明创建是凝聚人心的基础工程，必须一以贯之、久久为功。这是一条重要经验。"
            "各地区各部门要抓好文明创建工作，必须落实责任。今天，我们在这里隆重集会，这是文明创建的大事。"
            "一是文明创建必须坚持以人民为中心。")
    assert quotable_sentences(text) == ["文明创建是凝聚人心的基础工程，必须一以贯之、久久为功。"]
    assert quotable_sentences(text, ["营商环境"]) == []


def test_real_speeches_give_a_quotation_with_the_speakers_title(tmp_path):
    from pathlib import Path

    real = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real" / "speech"
    if not real.is_dir():
        real = Path("/work/shared/corpus/real/speech")
    if not real.is_dir():
        pytest.skip("没有真实文档（../shared/corpus/real），跳过")
    from generator.candidates import Library, quotation_material

    from kb.structure import document_text

    kb = KnowledgeBase.open(tmp_path / "kb")
    with kb:
        kb.ingest([real])
        found = quotation_material(Library(kb), ("全面从严治党",), set())
        assert found is not None
        text, source = found
        source_text = "".join(document_text(kb.document(source.doc_id)))
    assert QUOTATION.match(text) and text.startswith("习近平总书记强调，“")
    words = QUOTATION.match(text).group("words")
    assert words + "。" in source_text  # verbatim, a whole sentence of the speech
    assert "我" not in words and "各省" not in words
    assert source.date and source.date[:4].isdigit() and "习近平" in source.title


def test_the_same_quotation_whatever_the_ingest_order(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    second = LEADER.format(byline="中共中央总书记 林某某").replace(
        "文明创建是凝聚人心的基础工程，必须一以贯之、久久为功。", "文明创建贵在坚持，必须常抓不懈、久久为功。")
    paths = []
    for name, text in (("local.md", LOCAL.format(topic="文明创建")),
                       ("leader.md", LEADER.format(byline="中共中央总书记 林某某")),
                       ("leader2.md", second.replace("2024-05-10", "2024-06-10").replace("2024年5月10日", "2024年6月10日"))):
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    quotes = []
    for sub, order in (("a", paths), ("b", list(reversed(paths)))):
        with KnowledgeBase.open(tmp_path / sub) as kb:
            for path in order:
                kb.ingest([path])
            quotes.append([p.text for p in draft(SPEC, kb).paragraphs() if QUOTATION.match(p.text)])
    assert quotes[0] == quotes[1] and len(quotes[0]) == 1
