"""Draft generation from the knowledge base: skeleton, numbering, provenance, length, determinism."""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from bigan.resources import speeches_dir
from generator import DraftSpec, draft, draft_outline, write_draft
from generator.assemble import cn_numeral
from generator.errors import TemplateError
from generator.render.markdown import render_markdown
from generator.templates import TemplateLibrary
from kb import KnowledgeBase

CN = "一二三四五六七八九十"


@pytest.fixture(scope="session")
def starter_kb(tmp_path_factory):
    """A knowledge base holding the bundled starter corpus."""
    path = tmp_path_factory.mktemp("starter") / "kb"
    kb = KnowledgeBase.open(path)
    report = kb.ingest([speeches_dir()])
    assert not report.failed
    yield kb
    kb.close()


@pytest.fixture
def tiny_kb(tmp_path):
    """A knowledge base with one short speech on 文明创建 and nothing on other topics."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "speech.md").write_text("""---
title: 在×区文明创建工作推进会上的讲话
type: speech
occasion: 推进会
tags: 文明创建
date: 2025-04-01
---

# 在×区文明创建工作推进会上的讲话

同志们：

今天召开×区文明创建推进会。下面，我讲三点意见。

## 一、提高认识，增强文明创建的责任感

文明创建是提升城市品质的重要抓手，关系每一位市民的切身感受。×区各街道要把文明创建摆上重要位置。

一是认清文明创建的重要意义。文明创建事关城市形象和群众福祉。二是把握文明创建的目标要求。要对照测评体系逐项抓落实。

## 二、突出重点，推动文明创建任务落地

文明创建要抓住群众身边的小事，从背街小巷、农贸市场、老旧小区改起。

一是整治背街小巷环境。文明创建要先把卫生死角清理干净。二是规范农贸市场秩序。摊位经营要入室归行。三是改善老旧小区面貌。楼道堆物要限期清理。

## 三、压实责任，强化文明创建保障

各街道党工委书记是文明创建第一责任人，要亲自部署、亲自督查。

一是严格督查考核。每月通报文明创建进展。二是加大经费投入。文明创建经费纳入年度预算。

同志们，文明创建没有终点，让我们以更实的作风推动文明创建不断取得新成效！
""", encoding="utf-8")
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([folder])
    yield kb
    kb.close()


# -- structural checks shared by every draft ----------------------------------

def check_structure(result, info_slots):
    parts = result.parts
    assert len(parts) == len(info_slots)
    assert [p.slot for p in parts] == [s.role for s in info_slots]
    # level-1 markers run 一、二、三、 without gaps
    assert [p.marker for p in parts] == [f"{cn_numeral(i + 1)}、" for i in range(len(parts))]
    for part in parts:
        _check_children(part)
    if result.kind == "speech":
        transition = result.opening[-1].text
        announced = re.search(r"([一二三四五六七八九])(?:点意见|个方面)", transition)
        assert announced and CN.index(announced.group(1)) + 1 == len(parts)
    texts = [p.text for p in result.paragraphs()]
    assert len(texts) == len(set(texts)), "a passage is used twice"
    for part in parts:
        if part.source is not None:
            for node in part.walk():
                for paragraph in node.paragraphs:
                    assert paragraph.source.doc_id in {part.source.doc_id} | _donor_docs(part)


def _donor_docs(part):
    return {c.source.doc_id for c in part.children if c.source}


def _check_children(part):
    headings = [c for c in part.children if c.kind == "heading"]
    points = [c for c in part.children if c.kind == "point"]
    expected = {2: "（{}）", 3: "{}.", 4: "（{}）"}
    for n, child in enumerate(headings, 1):
        number = cn_numeral(n) if child.level == 2 else str(n)
        assert child.marker == expected[child.level].format(number)
        _check_children(child)
    if points:
        family = points[0].marker[-1] if not points[0].marker.startswith("第") else "第"
        for n, point in enumerate(points, 1):
            wanted = f"第{cn_numeral(n)}，" if family == "第" else f"{cn_numeral(n)}{family}"
            assert point.marker == wanted
        assert len(points) != 1, "一是 without 二是"


def _part_text(part):
    return "".join(node.heading + "".join(p.text for p in node.paragraphs) for node in part.walk())


TOPICS = ["基层党建", "基层治理", "作风建设", "安全生产", "乡村振兴", "营商环境", "生态环境保护", "科技创新",
          "民生保障", "应急管理", "招商引资", "教育"]
OCCASIONS = ["动员部署会", "推进会", "座谈会", "总结表彰会", "工作会议", "专题党课"]


@pytest.mark.parametrize("topic", TOPICS)
def test_starter_corpus_drafts(starter_kb, topic):
    library = TemplateLibrary()
    index = TOPICS.index(topic)
    for occasion in (OCCASIONS[index % 6], OCCASIONS[(index + 3) % 6]):
        spec = DraftSpec(kind="speech", topic=(topic,), occasion=occasion, unit="江州市")
        result = draft(spec, starter_kb)
        info = library.info(result.template)
        assert info.occasion == occasion
        check_structure(result, info.parts)
        if result.shortfalls:
            # a part without material on the topic is an honest 【待补充】, announced, not filled
            assert sum("【待补充：关于" in _part_text(p) for p in result.parts) == len(result.shortfalls)
            assert result.length() <= 4600, result.length()
        elif result.length() < 2400:
            # a topic with little material gives a shorter draft, and says so
            assert any(w.startswith(f"素材库中与“{topic}”直接相关的素材有限，稿子约 {result.length()} 字")
                       for w in result.warnings), (result.length(), result.warnings)
        else:
            assert result.length() <= 4600, result.length()
        assert all(topic in _part_text(p) or any(w in _part_text(p) for w in _words(topic))
                   for p in result.parts)
        # the title names the meeting with the unit; the speaker says 全市 in the body
        assert result.meeting.startswith("江州市") and result.title == f"在{result.meeting}上的讲话"
        named = "这次党课" if occasion == "专题党课" else "全市" + result.meeting[len("江州市"):]
        assert named in result.opening[0].text
        assert "江州市" not in result.opening[0].text + "".join(p.text for p in result.closing)
        assert "×市" not in render_markdown(result.to_document())
    plan = draft(DraftSpec(kind="work_plan", topic=(topic,), unit="×县"), starter_kb)
    info = library.info(plan.template)
    check_structure(plan, info.parts)
    assert [p.heading for p in plan.parts] == ["总体要求", "工作目标", "主要任务", "实施步骤", "保障措施"]
    # a plan may come mostly from one strongly matching plan (issue 13); gaps are announced
    if plan.shortfalls:
        assert sum("【待补充：关于" in _part_text(p) for p in plan.parts) == len(plan.shortfalls)
    else:
        assert abs(plan.length() - 2500) <= 375, plan.length()
    assert plan.signature[-1] == "×年×月×日" and "×年×月×日" in plan.placeholders


def _words(topic):
    from kb.analysis import query_words
    return query_words(topic)


def test_same_spec_and_seed_give_identical_markdown(starter_kb, tmp_path):
    spec = DraftSpec(kind="speech", topic=("安全生产",), occasion="动员部署会", seed=3,
                     date="2026-01-05")
    first = render_markdown(draft(spec, starter_kb).to_document())
    again = render_markdown(draft(spec, starter_kb).to_document())
    assert first == again
    other = render_markdown(draft(DraftSpec(kind="speech", topic=("安全生产",),
                                            occasion="动员部署会", seed=0), starter_kb).to_document())
    assert other != first or True  # a different seed may coincide; determinism is what matters


def test_unit_fills_placeholders_and_meeting(tiny_kb):
    result = draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会", unit="江州区",
                             date="2025-05-06"), tiny_kb)
    text = render_markdown(result.to_document())
    assert "×区" not in text
    assert "江州区各街道要把文明创建摆上重要位置" in text
    assert result.title == "在江州区文明创建工作推进会上的讲话"
    assert result.byline == "（2025年5月6日）"


def test_every_part_heading_comes_with_its_body(tiny_kb):
    result = draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会", length=900), tiny_kb)
    headings = [p.heading for p in result.parts]
    # level-1 headings are composed as one parallel set; the source's own heading stays in provenance
    # and each says what its body is: the first part is about awareness (提高认识), not results
    # (a 推进会 takes the second wording of the frames: another occasion, another set)
    assert headings == ["统一思想认识，切实增强做好文明创建工作的责任感", "聚焦关键环节，全力抓好文明创建重点工作",
                        "加强组织领导，为文明创建提供坚强有力保障"]
    assert result.parts[0].paragraphs[0].source.section_path == ("一、提高认识，增强文明创建的责任感",)
    second = result.parts[1]
    assert second.paragraphs[0].text.startswith("文明创建要抓住群众身边的小事")
    assert [c.marker for c in second.children] == ["一是", "二是", "三是"]
    assert second.children[0].paragraphs[0].source.section_path == (
        "二、突出重点，推动文明创建任务落地", "一是整治背街小巷环境")


def test_sources_are_recorded_for_every_borrowed_paragraph(tiny_kb, tmp_path):
    result = draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会"), tiny_kb)
    notes = result.sources()
    borrowed = [p for p in result.paragraphs() if p.source]
    assert borrowed and all(p.text in notes for p in borrowed)
    assert all(n.startswith("来源：《在×区文明创建工作推进会上的讲话》（2025-04-01）") for n in notes.values())
    md = tmp_path / "稿.md"
    write_draft(result, md)
    assert "[^1]: 来源：《在×区文明创建工作推进会上的讲话》" in md.read_text(encoding="utf-8")
    write_draft(result, tmp_path / "无出处.md", sources=False)
    assert "来源：" not in (tmp_path / "无出处.md").read_text(encoding="utf-8")


def test_missing_material_leaves_visible_placeholder(tiny_kb):
    result = draft(DraftSpec(kind="work_plan", topic=("文明创建",)), tiny_kb)
    text = render_markdown(result.to_document())
    assert "【待补充：" in text
    assert any(p.startswith("【待补充：") for p in result.placeholders)


def test_writer_headings_guide_the_parts(starter_kb):
    headings = ("深化思想认识", "抓好重点任务", "强化组织保障")
    result = draft(DraftSpec(kind="speech", topic=("基层治理",), occasion="座谈会", headings=headings),
                   starter_kb)
    assert [p.heading for p in result.parts] == list(headings)
    assert all(p.paragraphs or p.children for p in result.parts)


def test_parts_option_changes_the_number_of_parts(starter_kb):
    result = draft(DraftSpec(kind="speech", topic=("科技创新",), occasion="动员部署会", parts=4), starter_kb)
    assert len(result.parts) == 4
    assert "我讲四点意见" in result.opening[-1].text


def test_outline_gives_headings_with_alternatives(starter_kb):
    result = draft_outline(DraftSpec(kind="speech", topic=("营商环境",), occasion="座谈会"), starter_kb)
    assert len(result.parts) == 3
    assert all(not p.paragraphs for p in result.parts)
    assert all(p.alternatives for p in result.parts)


def test_template_errors_are_clear(tmp_path, tiny_kb):
    folder = tmp_path / "tpl"
    library = TemplateLibrary()
    library.copy("推进会", folder)
    path = folder / "推进会.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("{{ meeting_here }}，主要是", "{{ meting }}，主要是"),
                    encoding="utf-8")
    with pytest.raises(TemplateError) as error:
        draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会"), tiny_kb, templates=folder)
    message = str(error.value)
    assert "推进会" in message and "meting" in message and re.search(r"第 \d+ 行", message)

    path.write_text("{#- bigan\nkind = \"speech\"\n[[slots]]\nrole = \"part:任务\"\n-#}\n{% block title %}{{ x ",
                    encoding="utf-8")
    with pytest.raises(TemplateError, match="语法错误"):
        draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会"), tiny_kb,
              templates=TemplateLibrary(user_dir=folder))


def test_templates_run_in_the_sandbox(tmp_path, tiny_kb):
    folder = tmp_path / "tpl"
    TemplateLibrary().copy("推进会", folder)
    path = folder / "推进会.j2"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{% block title %}", "{% block title %}{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        encoding="utf-8")
    with pytest.raises(TemplateError, match="不允许"):
        draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会"), tiny_kb, templates=folder)


def test_document_text_is_never_template_code(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copyfile(Path(__file__).parents[1] / "data" / "untrusted_speech.md", folder / "a.md")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        kb.ingest([folder])
        result = draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会", unit="江州区"), kb)
    text = render_markdown(result.to_document())
    assert "{{ 7*7 }}" in text and "{% raw %}" in text and "{{ unit }}" in text and "49" not in text


# -- the command line ----------------------------------------------------------

@pytest.fixture
def runner():
    return CliRunner()


def test_cli_draft_speech_writes_docx_and_md(runner, starter_kb, tmp_path):
    kb_path = str(starter_kb.root)
    md, docx = tmp_path / "讲话.md", tmp_path / "讲话.docx"
    result = runner.invoke(cli, ["--kb", kb_path, "draft", "speech", "--topic", "安全生产", "--occasion",
                                 "动员部署会", "--unit", "江州市", "-o", str(md), "-o", str(docx)])
    assert result.exit_code == 0, result.output
    assert md.exists() and docx.exists()
    assert "已写出" in result.stderr
    import docx as python_docx
    paragraphs = [p.text for p in python_docx.Document(str(docx)).paragraphs]
    assert "在江州市安全生产工作动员部署会上的讲话" in "".join(paragraphs)


def test_cli_draft_json_and_stdout(runner, starter_kb):
    kb_path = str(starter_kb.root)
    result = runner.invoke(cli, ["--kb", kb_path, "draft", "plan", "--topic", "教育", "--json"])
    assert result.exit_code == 0, result.output
    import json
    data = json.loads(result.stdout)
    assert data["kind"] == "work_plan" and len(data["parts"]) == 5
    result = runner.invoke(cli, ["--kb", kb_path, "draft", "outline", "--topic", "教育"])
    assert result.exit_code == 0 and result.stdout.count("\n## ") == 3


def test_cli_draft_variants(runner, starter_kb, tmp_path):
    out = tmp_path / "稿.md"
    result = runner.invoke(cli, ["--kb", str(starter_kb.root), "draft", "speech", "--topic", "基层治理",
                                 "--variants", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "稿-2.md").exists()


def test_cli_draft_errors(runner, tmp_path):
    result = runner.invoke(cli, ["--kb", str(tmp_path / "empty"), "draft", "speech", "--topic", "教育"])
    assert result.exit_code == 1 and "素材库是空的" in result.stderr
    result = runner.invoke(cli, ["--kb", str(tmp_path / "empty"), "draft", "speech"])
    assert result.exit_code == 2 and "--topic" in result.stderr
    spec = tmp_path / "spec.toml"
    spec.write_text('topic = "教育"\ncolour = "red"\n', encoding="utf-8")
    result = runner.invoke(cli, ["--kb", str(tmp_path / "empty"), "draft", "speech", "--spec", str(spec)])
    assert result.exit_code == 1 and "colour" in result.stderr


def test_cli_templates(runner, tmp_path):
    result = runner.invoke(cli, ["templates"])
    assert result.exit_code == 0
    names = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert names == ["动员部署会", "推进会", "座谈会", "总结表彰会", "工作会议", "专题党课", "工作方案", "实施方案"]
    result = runner.invoke(cli, ["templates", "show", "座谈会"])
    assert result.exit_code == 0 and "{% block opening %}" in result.stdout
    result = runner.invoke(cli, ["templates", "copy", "座谈会", str(tmp_path / "mine")])
    assert result.exit_code == 0 and (tmp_path / "mine" / "座谈会.j2").exists()
    result = runner.invoke(cli, ["templates", "--templates", str(tmp_path / "mine")])
    assert "座谈会" in result.stdout
    result = runner.invoke(cli, ["templates", "show", "不存在"])
    assert result.exit_code == 1 and "没有名为“不存在”的模板" in result.stderr


@pytest.mark.parametrize("topic", TOPICS[:6])
def test_generated_drafts_pass_the_proofreader(starter_kb, topic, tmp_path):
    from kb.proofread import check_file

    for spec in (DraftSpec(kind="speech", topic=(topic,), occasion="座谈会", unit="江州市", date="2026-03-18"),
                 DraftSpec(kind="work_plan", topic=(topic,), unit="江州市", date="2026-03-18")):
        result = draft(spec, starter_kb)
        for suffix in (".md", ".docx"):
            path = tmp_path / f"{spec.kind}{suffix}"
            write_draft(result, path)
            errors = [f for f in check_file(path, library=starter_kb.phrase_library()) if f.level == "错误"]
            assert errors == [], errors


def test_a_draft_written_as_markdown_reads_back_without_its_footnotes(tiny_kb, tmp_path):
    from kb.parse import load_document
    from kb.structure import document_text

    result = draft(DraftSpec(kind="speech", topic=("文明创建",), occasion="推进会", date="2025-05-06"), tiny_kb)
    path = tmp_path / "稿.md"
    write_draft(result, path)
    assert "[^1]" in path.read_text(encoding="utf-8")
    again = load_document(path)
    assert document_text(again) == document_text(result.to_document())
