"""The kb commands through click's CliRunner."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.index import Index

CORPUS = Path(__file__).resolve().parent / "data" / "kb" / "corpus"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def kb_path(tmp_path, runner):
    corpus = tmp_path / "材料"
    shutil.copytree(CORPUS, corpus)
    result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(corpus)])
    assert result.exit_code == 0, result.output
    return tmp_path / "kb"


def run(runner, kb_path, *args):
    return runner.invoke(cli, ["--kb", str(kb_path), *args])


def test_ingest_summary_and_json(runner, tmp_path):
    result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(CORPUS), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["counts"] == {"added": 10, "updated": 0, "unchanged": 0, "duplicates": 0, "failed": 0}
    assert result.stderr.strip() == "新增 10 篇，更新 0 篇，未变 0 篇，重复 0 篇，失败 0 个"
    again = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(CORPUS)])
    assert again.exit_code == 0 and "未变 10 篇" in again.stderr and again.stdout == ""


def test_ingest_failure_exits_1_and_names_the_file(runner, tmp_path):
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"not a docx")
    result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(CORPUS), str(bad)])
    assert result.exit_code == 1
    assert f"失败：{bad}" in result.stderr and "新增 10 篇" in result.stderr and "失败 1 个" in result.stderr


def test_ingest_type_and_encoding(runner, tmp_path):
    gbk = tmp_path / "旧材料.txt"
    gbk.write_bytes("关于旧材料的通知\n\n各单位：\n\n请做好网格化管理工作。\n".encode("gbk"))
    result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(gbk),
                                 "--type", "notice", "--encoding", "gbk"])
    assert result.exit_code == 0, result.output
    out = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "search", "网格化管理", "--json"])
    assert [h["doc_type"] for h in json.loads(out.stdout)] == ["notice"]
    bad = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(gbk), "--type", "poem"])
    assert bad.exit_code == 2


def test_ingest_without_path_uses_the_default_corpus(runner, tmp_path):
    # The root group sets ctx.obj["default_corpus"] to the bundled speeches/; here our fixture.
    result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest"],
                           obj={"default_corpus": str(CORPUS)})
    assert result.exit_code == 0 and "新增 10 篇" in result.stderr


def test_search_plain_output_with_brackets_and_count_line(runner, kb_path):
    result = run(runner, kb_path, "search", "一征三议两公开")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "在全市党建工作会议上的讲话 · 2024-01-15"
    assert lines[1] == "落实“【一征三议两公开】”"
    assert lines[3] == "在全市党建工作会议上的讲话 · 2024-01-15 · 三、落实“一征三议两公开”"
    assert lines[4] == "村级重大事项要严格执行【一征三议两公开】，接受群众监督。"
    assert lines[-1] == "共 2 条，显示前 2 条"


def test_search_limit_and_total(runner, kb_path):
    result = run(runner, kb_path, "search", "网格", "--limit", "2")
    total = int(run(runner, kb_path, "search", "网格", "--count").stdout)
    assert result.stdout.splitlines()[-1] == f"共 {total} 条，显示前 2 条"
    assert total > 2


def test_search_json_has_spans(runner, kb_path):
    result = run(runner, kb_path, "search", '"GB/T 9704"', "--json")
    hits = json.loads(result.stdout)
    assert len(hits) == 2
    for hit in hits:
        assert set(hit) >= {"doc_id", "title", "doc_type", "date", "source", "section_path", "role",
                            "level", "text", "spans", "score"}
        assert all(hit["text"][s:e] == "GB/T 9704" for s, e in hit["spans"])


@pytest.mark.parametrize("args, check", [
    (["--type", "work_plan"], lambda h: h["doc_type"] == "work_plan"),
    (["--role", "heading"], lambda h: h["role"] == "heading"),
    (["--level", "1"], lambda h: h["level"] == 1),
    (["--headings"], lambda h: h["role"] in ("title", "heading")),
    (["--from", "2024"], lambda h: h["date"] >= "2024"),
    (["--to", "2023"], lambda h: h["date"] <= "2023-12-31"),
    (["--source", "方案"], lambda h: "方案" in h["source"]),
    (["--related"], lambda h: h["score"] > 0),
    (["--sort", "date"], lambda h: True),
], ids=["type", "role", "level", "headings", "from", "to", "source", "related", "sort"])
def test_search_filters(runner, kb_path, args, check):
    result = run(runner, kb_path, "search", "网格", "--json", "--limit", "50", *args)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits and all(check(h) for h in hits)
    count = run(runner, kb_path, "search", "网格", "--count", *args)
    assert int(count.stdout) == len(hits)


def test_search_sort_date_orders_newest_first(runner, kb_path):
    hits = json.loads(run(runner, kb_path, "search", "网格", "--json", "--sort", "date", "--limit", "50").stdout)
    dates = [h["date"] or "" for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_search_exclusion_argument(runner, kb_path):
    hits = json.loads(run(runner, kb_path, "search", "网格", "-网格员", "--json", "--limit", "50").stdout)
    assert hits and all("网格员" not in h["text"] for h in hits)


def test_no_hits_is_exit_0_with_message(runner, kb_path):
    result = run(runner, kb_path, "search", "没有这个提法", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert "没有找到" in result.stderr
    plain = run(runner, kb_path, "search", "没有这个提法")
    assert plain.exit_code == 0 and plain.stdout == ""


@pytest.mark.parametrize("args", [["search"], ["search", ""], ["search", "-网格"], ["search", "网"]],
                         ids=["none", "empty", "only-exclusion", "one-char"])
def test_bad_query_is_a_usage_error(runner, kb_path, args):
    result = run(runner, kb_path, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_missing_kb_folder(runner, tmp_path):
    for args in (["search", "网格"], ["stats"], ["show", "abc"], ["remove", "abc"], ["reindex"]):
        result = runner.invoke(cli, ["--kb", str(tmp_path / "nowhere"), *args])
        assert result.exit_code == 1, args
        assert f"素材库 {tmp_path / 'nowhere'} 不存在" in result.stderr


def test_stats(runner, kb_path):
    result = run(runner, kb_path, "stats")
    assert result.exit_code == 0
    assert "文档：10 篇" in result.stdout and "  讲话（speech）：6 篇" in result.stdout
    data = json.loads(run(runner, kb_path, "stats", "--json").stdout)
    assert data["documents"] == 10 and data["by_type"] == {"speech": 6, "work_plan": 4}
    assert data["passages"] > 90 and data["index_bytes"] > 0


def _doc_id(runner, kb_path, phrase):
    return json.loads(run(runner, kb_path, "search", phrase, "--json").stdout)[0]["doc_id"]


def test_show(runner, kb_path):
    doc_id = _doc_id(runner, kb_path, '"GB/T 9704"')
    result = run(runner, kb_path, "show", doc_id)
    assert result.exit_code == 0
    assert f"编号：{doc_id}" in result.stdout and "标题：关于规范公文格式的工作方案" in result.stdout
    assert "  一、执行国家标准" in result.stdout
    data = json.loads(run(runner, kb_path, "show", doc_id, "--json").stdout)
    assert data["info"]["doc_id"] == doc_id and data["document"]["title"] == "关于规范公文格式的工作方案"
    missing = run(runner, kb_path, "show", "ffffffffffff")
    assert missing.exit_code == 1 and "素材库中没有文档“ffffffffffff”" in missing.stderr


def test_remove_by_id_and_path(runner, kb_path):
    doc_id = _doc_id(runner, kb_path, '"GB/T 9704"')
    result = run(runner, kb_path, "remove", doc_id)
    assert result.exit_code == 0 and f"已删除：{doc_id}" in result.stderr
    assert run(runner, kb_path, "search", '"GB/T 9704"', "--count").stdout.strip() == "0"
    path = str(kb_path.parent / "材料" / "讲话" / "安全生产会讲话.md")
    assert run(runner, kb_path, "remove", path).exit_code == 0
    assert run(runner, kb_path, "search", "隐患排查", "--count").stdout.strip() == "0"
    again = run(runner, kb_path, "remove", doc_id)
    assert again.exit_code == 1 and "素材库中没有文档" in again.stderr


def test_reindex_repairs_a_damaged_index(runner, kb_path):
    for path in Index(kb_path).folder().iterdir():
        if path.suffix == ".toc":
            path.write_bytes(b"broken")
    broken = run(runner, kb_path, "search", "网格")
    assert broken.exit_code == 1 and "bigan reindex" in broken.stderr
    result = run(runner, kb_path, "reindex")
    assert result.exit_code == 0 and "已重建索引：10 篇文档" in result.stderr
    assert run(runner, kb_path, "search", "一征三议两公开", "--count").stdout.strip() == "2"


@pytest.mark.parametrize("command", ["ingest", "search", "stats", "show", "edit", "remove", "reindex"])
def test_every_command_has_chinese_help_with_examples(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "示例：" in result.stdout and f"bigan" in result.stdout
