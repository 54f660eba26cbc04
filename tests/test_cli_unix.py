"""The CLI as a Unix tool: a closed pipe, --kb anywhere on the line, usage errors in Chinese."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bigan.cli import cli
from bigan.cli_chinese import hoist_options, translate_error

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"
SPEECH = sorted((ROOT / "speeches" / "speech").glob("*.md"))[0]


@pytest.fixture
def runner(monkeypatch, tmp_path):
    # The default 素材库 is an empty folder of its own, so only --kb can find the material.
    monkeypatch.delenv("BIGAN_KB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "默认"))
    return CliRunner()


@pytest.fixture
def kb_path(tmp_path, runner):
    corpus = tmp_path / "材料"
    shutil.copytree(CORPUS, corpus)
    result = runner.invoke(cli, ["ingest", str(corpus), "--kb", str(tmp_path / "kb")])
    assert result.exit_code == 0, result.output
    return tmp_path / "kb"


def _leaf_commands(group: click.Group, path=()):
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, path + (name,))
        else:
            yield path + (name,)


LEAVES = list(_leaf_commands(cli))


# ---------------------------------------------------------------- a closed pipe

def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "bigan.cli", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The reader goes away before reading anything, as `| head -0` does.
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    return subprocess.CompletedProcess(args, process.wait(timeout=60), b"", stderr)


def test_a_broken_pipe_exits_quietly():
    result = _run_into_closed_pipe("outline", str(SPEECH))
    assert result.stderr.decode("utf-8") == ""
    assert result.returncode == 1


def test_a_broken_pipe_in_json_output_exits_quietly():
    result = _run_into_closed_pipe("outline", str(SPEECH), "--json")
    assert result.stderr.decode("utf-8") == ""
    assert result.returncode == 1


def test_a_reader_that_stops_after_one_line_sees_no_message(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    big = tmp_path / "长文.txt"
    big.write_text("关于推进基层治理的讲话\n\n" + "".join(f"（{i}）第{i}项工作要抓好落实。\n" for i in range(1, 20000)),
                   encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "bigan.cli", "check", str(big)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8")
    process.stderr.close()
    process.wait(timeout=120)
    assert first
    # Either the pipe broke (quiet exit 1) or everything fitted in the pipe (the summary only).
    assert "Broken pipe" not in stderr and "读写失败" not in stderr and "Traceback" not in stderr
    assert process.returncode in (0, 1)


# ---------------------------------------------------------------- --kb before or after the subcommand

def test_hoisting_keeps_everything_after_a_double_dash():
    assert hoist_options(["search", "--", "--kb", "x"], ("--kb",)) == ["search", "--", "--kb", "x"]
    assert hoist_options(["--kb", "a", "stats", "--kb", "b"], ("--kb",)) == ["--kb", "a", "--kb", "b", "stats"]


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_accepts_kb_after_it(runner, path, tmp_path):
    result = runner.invoke(cli, [*path, "--kb", str(tmp_path / "kb"), "-h"])
    assert result.exit_code == 0, result.output
    assert "用法：" in result.stdout


def test_search_with_kb_after_searches_that_kb(runner, kb_path):
    result = runner.invoke(cli, ["search", "一征三议两公开", "--kb", str(kb_path), "--count"])
    assert (result.exit_code, result.stdout.strip()) == (0, "2")
    # Not the words “--kb” and the folder: the same answer as with --kb first.
    before = runner.invoke(cli, ["--kb", str(kb_path), "search", "一征三议两公开", "--count"])
    assert before.stdout == result.stdout
    equals = runner.invoke(cli, ["search", "一征三议两公开", f"--kb={kb_path}", "--count"])
    assert equals.stdout == result.stdout


@pytest.mark.parametrize("args, expected", [
    (["stats"], "文档：10 篇"),
    (["phrases", "--min-count", "2"], "次 /"),
    (["reindex"], "已重建索引：10 篇文档"),
    (["draft", "outline", "--topic", "网格"], "一、"),
])
def test_kb_commands_use_the_kb_given_after_them(runner, kb_path, args, expected):
    result = runner.invoke(cli, [*args, "--kb", str(kb_path)])
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_show_and_remove_with_kb_after(runner, kb_path):
    hits = json.loads(runner.invoke(cli, ["search", "一征三议两公开", "--json", "--kb", str(kb_path)]).stdout)
    doc_id = hits[0]["doc_id"]
    shown = runner.invoke(cli, ["show", doc_id, "--kb", str(kb_path)])
    assert shown.exit_code == 0 and hits[0]["title"] in shown.stdout
    removed = runner.invoke(cli, ["remove", doc_id, "--kb", str(kb_path)])
    assert removed.exit_code == 0, removed.output
    assert runner.invoke(cli, ["show", doc_id, "--kb", str(kb_path)]).exit_code == 1


def test_ingest_and_check_with_kb_after(runner, tmp_path):
    kb = tmp_path / "新素材库"
    result = runner.invoke(cli, ["ingest", str(SPEECH), "--kb", str(kb)])
    assert result.exit_code == 0 and "新增 1 篇" in result.stderr
    (kb / "proofread_rules.tsv").write_text("网络员\t网格员\t错误\n", encoding="utf-8")
    draft = tmp_path / "草稿.txt"
    draft.write_text("选好网络员。\n", encoding="utf-8")
    checked = runner.invoke(cli, ["check", str(draft), "--kb", str(kb)])
    # The user's rule lives in that 素材库: found only when --kb after check is honoured.
    assert checked.exit_code == 1 and "“网络员”应为“网格员”" in checked.stdout


def test_serve_with_kb_after(runner, kb_path, monkeypatch):
    from types import SimpleNamespace

    import bigan.web.app
    import bigan.web.server

    seen = {}

    def create_app(path, **options):
        seen["kb"] = path
        return SimpleNamespace(extensions={"bigan": SimpleNamespace(cleanup=lambda: None)})

    monkeypatch.setattr(bigan.web.app, "create_app", create_app)
    monkeypatch.setattr(bigan.web.server, "make_server",
                        lambda app, host, port, *args: SimpleNamespace(effective_port=port))
    monkeypatch.setattr(bigan.web.server, "run", lambda server, on_stop=None: None)
    result = runner.invoke(cli, ["serve", "--kb", str(kb_path)])
    assert result.exit_code == 0, result.output
    assert seen["kb"] == str(kb_path)


def test_the_help_names_the_default_folder(runner, tmp_path, monkeypatch):
    result = runner.invoke(cli, ["-h"])
    text = result.stdout.replace("\n", "").replace(" ", "")
    assert "素材库文件夹" in text and f"默认{tmp_path / '默认' / 'bigan' / 'kb'}" in text
    # Under the home folder it is shown as the user knows it.
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    text = runner.invoke(cli, ["-h"]).stdout.replace("\n", "").replace(" ", "")
    assert "默认~/.local/share/bigan/kb" in text


# ---------------------------------------------------------------- usage errors in Chinese

_ENGLISH = ("Invalid", "Missing", "No such", "Got unexpected", "requires", "is not", "does not",
            "Error", "Usage", "Try ", "Did you mean", "Aborted")


@pytest.mark.parametrize("args, words", [
    (["search", "--limit", "abc", "网格"], "-n / --limit 的值“abc”不是整数"),
    (["search", "-n", "0", "网格"], "-n / --limit 的值 0 应不小于 1"),
    (["phrases", "--kind", "xx"], "--kind 的值“xx”无效，可选：numbered, quoted, quotation"),
    (["outline"], "缺少参数 FILE"),
    (["nosuch"], "没有命令“nosuch”"),
    (["serch", "网格"], "没有命令“serch”。是不是要用 search、serve？"),
    (["stats", "--bogus"], "没有选项 --bogus"),
    (["phrases", "--min-cont", "2"], "没有选项 --min-cont。是不是要用 --min-count？"),
    (["outline", "不存在.txt"], "FILE 无效：不存在.txt 不存在"),
    (["search", "--sort"], "选项 --sort 需要一个值"),
    (["serve", "--port", "70000"], "--port 的值 70000 应在 0 到 65535 之间"),
    (["stats", "--json=1"], "选项 --json 不带值"),
    (["stats", "多余"], "多余的参数：多余"),
    (["--kb"], "选项 --kb 需要一个值"),
])
def test_usage_errors_are_in_chinese(runner, args, words):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert f"错误：{words}" in result.stderr
    assert not any(english in result.stderr for english in _ENGLISH), result.stderr


def test_a_directory_given_as_a_file(runner, tmp_path):
    result = runner.invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert f"FILE 无效：{tmp_path} 是文件夹，不是文件" in result.stderr


def test_a_group_without_subcommand_shows_its_help_without_an_error_line(runner):
    result = runner.invoke(cli, ["draft"])
    assert result.exit_code == 2
    assert "用法：bigan draft" in result.stderr and "错误：" not in result.stderr


def test_messages_already_in_chinese_pass_unchanged():
    assert translate_error("素材库 x 不存在") == "素材库 x 不存在"
