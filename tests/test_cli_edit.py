"""`bigan edit` and KnowledgeBase.edit: corrections that survive reindex and re-ingest; `show` in Chinese."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.errors import KbError
from kb.knowledge_base import KnowledgeBase

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"
REPORT = "2026_东江省_政府工作报告.txt"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def library(tmp_path, runner):
    folder = tmp_path / "材料"
    folder.mkdir()
    for name in (REPORT, "theme_speech.txt"):
        shutil.copy(SHAPES / name, folder / name)
    kb = tmp_path / "kb"
    result = runner.invoke(cli, ["--kb", str(kb), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    return kb, folder


def run(runner, kb, *args):
    return runner.invoke(cli, ["--kb", str(kb), *args])


def test_edit_show_reindex_and_reingest(runner, library):
    kb, folder = library
    path = str(folder / REPORT)
    result = run(runner, kb, "edit", path, "--title", "东江省2026年政府工作报告（摘要）", "--date", "2026年1月17日",
                 "--type", "讲话", "--speaker", "林远山", "--meeting", "省人代会", "--unit", "东江省人民政府")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == ["标题：东江省2026年政府工作报告（摘要）", "类型：讲话（speech）",
                                              "日期：2026-01-17"]
    expected = ["标题：东江省2026年政府工作报告（摘要）", "类型：讲话（speech）", "日期：2026-01-17",
                "讲话人：林远山", "会议：省人代会", "单位：东江省人民政府"]

    def shown():
        out = run(runner, kb, "show", path)
        assert out.exit_code == 0, out.output
        return [line for line in out.stdout.splitlines() if line.split("：")[0] in
                ("标题", "类型", "日期", "讲话人", "会议", "单位")]

    assert shown() == expected
    assert run(runner, kb, "reindex").exit_code == 0
    assert shown() == expected
    again = run(runner, kb, "ingest", str(folder), "--json")
    assert json.loads(again.stdout)["counts"]["unchanged"] == 2
    assert shown() == expected
    # the file changes: it is read anew and the correction still applies
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("附：名词解释从略。\n")
    changed = run(runner, kb, "ingest", path, "--json")
    assert json.loads(changed.stdout)["counts"]["updated"] == 1
    assert shown() == expected
    hits = json.loads(run(runner, kb, "search", "便民服务方面", "--json").stdout)
    assert {(h["title"], h["doc_type"], h["date"]) for h in hits} == {
        ("东江省2026年政府工作报告（摘要）", "speech", "2026-01-17")}


def test_an_empty_value_clears_a_field(runner, library):
    kb, folder = library
    result = run(runner, kb, "edit", str(folder / "theme_speech.txt"), "--meeting", "", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["document"]["meeting"] is None and data["document"]["speaker"] == "刘明川"


@pytest.mark.parametrize("args, message", [
    (["--date", "2026-13-01"], "无法识别的日期“2026-13-01”"),
    (["--date", "2026年13月1日"], "无法识别的日期"),
    (["--date", "去年"], "无法识别的日期“去年”"),
    (["--type", "公文"], "未知的文档类型“公文”，可选：讲话（speech）"),
    (["--title", " "], "标题不能为空"),
], ids=["month", "chinese-month", "words", "type", "title"])
def test_bad_values_get_a_clear_message(runner, library, args, message):
    kb, folder = library
    result = run(runner, kb, "edit", str(folder / REPORT), *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert "2026年东江省政府工作报告" in run(runner, kb, "show", str(folder / REPORT)).stdout


def test_edit_needs_something_to_change_and_a_known_document(runner, library):
    kb, _folder = library
    result = run(runner, kb, "edit", "0000000000")
    assert result.exit_code == 2 and "请至少给出一项" in result.output
    result = run(runner, kb, "edit", "不存在的文档", "--title", "某")
    assert result.exit_code == 1 and "素材库中没有文档“不存在的文档”" in result.output


def test_the_api_edit_persists_across_reindex(library):
    kb_path, folder = library
    with KnowledgeBase.open(kb_path) as kb:
        info = kb.edit(str(folder / "theme_speech.txt"), title="做新时代的好老师", doc_type="speech",
                       date="2025-09", speaker="刘某")
        assert (info.title, info.date) == ("做新时代的好老师", "2025-09")
        with pytest.raises(KbError, match="未知的文档类型"):
            kb.edit(info.doc_id, doc_type="speeches")
        with pytest.raises(KbError, match="没有要修改的内容"):
            kb.edit(info.doc_id)
        kb.reindex()
        doc = kb.document(info.doc_id)
        assert (doc.title, doc.date, doc.speaker, doc.meeting) == (
            "做新时代的好老师", "2025-09", "刘某", "同东江师范学院师生代表座谈")
        assert kb.info(info.doc_id).title == "做新时代的好老师"
        assert [(h.role, h.title) for h in kb.search("新时代的好老师", limit=None)] == [("title", "做新时代的好老师")]
        assert kb.search("好园丁", limit=None) == []


def test_plain_ingest_names_each_duplicate_and_its_original(runner, library, tmp_path):
    kb, folder = library
    copy = tmp_path / "副本.txt"
    shutil.copy(folder / "theme_speech.txt", copy)
    result = run(runner, kb, "ingest", str(copy))
    assert result.exit_code == 0
    original = str((folder / "theme_speech.txt").resolve())
    assert f"重复：{copy.resolve()} 与已入库的 {original}（" in result.stderr
    assert "重复 1 篇" in result.stderr

