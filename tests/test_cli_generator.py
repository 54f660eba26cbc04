"""The generator commands: format, profile show, docx-template, check-format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from bigan.cli import cli

DRAFTS = Path(__file__).resolve().parent / "data" / "drafts"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def draft(tmp_path):
    path = tmp_path / "讲话.txt"
    shutil.copy(DRAFTS / "speech.txt", path)
    return path


def test_format_default_output(runner, draft):
    result = runner.invoke(cli, ["format", str(draft)])
    assert result.exit_code == 0, result.output
    output = draft.with_suffix(".docx")
    assert result.stderr.strip() == f"已写出 {output}"
    styles = [p.style.name for p in docx.Document(str(output)).paragraphs]
    assert styles[:4] == ["标题", "题注", "称谓", "正文"]


def test_format_docx_input_gets_a_new_name(runner, draft, tmp_path):
    first = tmp_path / "讲话.docx"
    assert runner.invoke(cli, ["format", str(draft), "-o", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["format", str(first)])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"已写出 {tmp_path / '讲话-排版.docx'}"


def test_format_to_markdown_with_profile(runner, draft, tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text("[paragraph]\nbold_point_leads = true\n", encoding="utf-8")
    output = tmp_path / "讲话.md"
    result = runner.invoke(cli, ["format", str(draft), "-o", str(output), "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert "\n## 一、看清形势，增强做好社区治理的责任感\n" in output.read_text("utf-8")


def test_format_keep_text(runner, tmp_path):
    source = tmp_path / "半角.txt"
    source.write_text("关于加强管理的通知\n要做好工作,确保安全。\n", encoding="utf-8")
    output = tmp_path / "out.docx"
    assert runner.invoke(cli, ["format", str(source), "-o", str(output), "--keep-text"]).exit_code == 0
    assert docx.Document(str(output)).paragraphs[-1].text == "要做好工作,确保安全。"


def test_format_gbk_with_encoding(runner, tmp_path):
    source = tmp_path / "gbk.txt"
    source.write_bytes("关于加强管理的通知\n要做好工作。\n".encode("gbk"))
    output = tmp_path / "out.docx"
    result = runner.invoke(cli, ["format", str(source), "-o", str(output), "--encoding", "gbk"])
    assert result.exit_code == 0, result.output
    assert docx.Document(str(output)).paragraphs[0].text == "关于加强管理的通知"


@pytest.mark.parametrize("args, message", [
    (["format", "没有这个文件.txt"], "没有这个文件.txt"),
    (["format", "{draft}", "-o", "{tmp}/out.odt"], "不支持输出为“.odt”"),
    (["format", "{draft}", "--profile", "{tmp}/bad.toml"], "bad.toml"),
], ids=["missing-input", "bad-extension", "bad-profile"])
def test_format_errors_exit_1(runner, draft, tmp_path, args, message):
    (tmp_path / "bad.toml").write_text("[page]\nnope = 1\n", encoding="utf-8")
    args = [a.format(draft=draft, tmp=tmp_path) for a in args]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_profile_show(runner):
    result = runner.invoke(cli, ["profile", "show"])
    assert result.exit_code == 0
    assert "line_pitch_pt = 28.95" in result.stdout
    assert 'title = ["方正小标宋简体"' in result.stdout


@pytest.mark.parametrize("kind", ["speech", "work_plan", "notice"])
def test_docx_template_and_check(runner, tmp_path, kind):
    output = tmp_path / f"{kind}.docx"
    result = runner.invoke(cli, ["docx-template", kind, "-o", str(output)])
    assert result.exit_code == 0, result.output
    check = runner.invoke(cli, ["check-format", str(output)])
    assert check.exit_code == 0, check.output
    assert check.stdout == ""
    assert "符合排版规范" in check.stderr


def test_docx_template_default_name_and_dotx(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["docx-template", "notice", "--dotx"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "通知模板.dotx"
    assert (tmp_path / "通知模板.dotx").exists()


def test_check_format_reports_deviations(runner, tmp_path):
    path = tmp_path / "随手.docx"
    document = docx.Document()
    document.add_paragraph("关于测试的通知")
    document.add_paragraph("一、总体要求")
    document.save(str(path))
    result = runner.invoke(cli, ["check-format", str(path)])
    assert result.exit_code == 1
    assert "页面设置：上边距（天头）为 25.4 毫米，应为 37 毫米" in result.stdout
    assert "随手.docx：发现" in result.stderr
    as_json = runner.invoke(cli, ["check-format", str(path), "--json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert {"where": "页面设置", "what": "上边距（天头）", "found": "25.4 毫米",
            "expected": "37 毫米", "text": ""} in data


def test_check_format_json_empty_for_our_output(runner, draft, tmp_path):
    output = tmp_path / "out.docx"
    runner.invoke(cli, ["format", str(draft), "-o", str(output)])
    result = runner.invoke(cli, ["check-format", str(output), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_check_format_broken_file(runner, tmp_path):
    path = tmp_path / "坏.docx"
    path.write_bytes(b"not a zip")
    result = runner.invoke(cli, ["check-format", str(path)])
    assert result.exit_code == 1
    assert "不是有效的 Word 文档" in result.stderr


@pytest.mark.parametrize("command", [["format"], ["profile"], ["profile", "show"],
                                     ["docx-template"], ["check-format"]])
def test_help_has_examples(runner, command):
    result = runner.invoke(cli, command + ["--help"])
    assert result.exit_code == 0
    assert "示例" in result.stdout
    assert "bigan " + command[0] in result.stdout
