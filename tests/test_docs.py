"""Documentation is tested: every command has Chinese help and appears in the README."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan import __version__
from bigan.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path, command", list(_commands(cli)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_chinese_help_and_is_in_the_readme(path, command):
    result = CliRunner().invoke(cli, [*path, "-h"])
    assert result.exit_code == 0
    assert re.search(r"[\u4e00-\u9fff]", command.get_short_help_str(200))
    assert "bigan " + " ".join(path) in README


def test_version_and_root_help():
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.strip() == f"bigan {__version__}"
    result = runner.invoke(cli, ["-h"])
    assert result.exit_code == 0 and "常用命令" in result.output


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## 快速开始", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(sh \S+)$", quick, re.M)
    assert commands == ["sh scripts/demo.sh", "sh scripts/test.sh"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith("#")] == ["set -e", "sh scripts/test.sh"]


def test_click_speaks_chinese(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["outline", "-h"])
    assert result.output.startswith("用法：bigan outline [选项] FILE")
    assert "选项：" in result.output and "显示本帮助并退出。" in result.output
    assert "Usage" not in result.output and "Options" not in result.output
    result = runner.invoke(cli, ["outline", str(tmp_path / "无.txt")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"错误：FILE 无效：{tmp_path / '无.txt'} 不存在。"
    result = runner.invoke(cli, ["nosuch"])
    assert result.exit_code == 2 and "错误：没有命令“nosuch”。" in result.stderr
    result = runner.invoke(cli, ["draft", "speech", "--length", "abc"])
    assert result.exit_code == 2 and "不是整数" in result.stderr
