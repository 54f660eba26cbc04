"""Click's own words in Chinese: help headings, usage lines and usage errors.

Click writes "Usage:", "Options" and its error messages in English. bigan's
users read Chinese, so the root group uses a context whose help formatter
writes Chinese headings, and its ``main`` shows usage errors in Chinese.
"""

from __future__ import annotations

import re
import sys

import click

_WORDS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_HELP_TEXT = [
    ("Show this message and exit.", "显示本帮助并退出。"),
    ("Show the version and exit.", "显示版本号并退出。"),
    ("[default: ", "[默认："),
    ("[required]", "[必填]"),
    ("[env var: ", "[环境变量："),
]
_ERRORS = [
    (r"Invalid value for '(.+?)': (?:Path|File|Directory) '(.+?)' does not exist\.", r"\1 无效：\2 不存在。"),
    (r"Invalid value for '(.+?)': (?:Path|File) '(.+?)' is a directory\.", r"\1 无效：\2 是文件夹，不是文件。"),
    (r"Invalid value for '(.+?)': '(.+?)' is not one of (.+)\.", r"\1 的值“\2”无效，可选：\3。"),
    (r"Invalid value for '(.+?)': '(.+?)' is not a valid integer( range)?\.", r"\1 的值“\2”不是整数。"),
    (r"Invalid value for '(.+?)': (.+?) is not in the range (.+)\.", r"\1 的值 \2 不在 \3 范围内。"),
    (r"Invalid value for '(.+?)': (.*)", r"\1 的值无效：\2"),
    (r"Missing argument '(.+?)'\.", r"缺少参数 \1。"),
    (r"Missing option '(.+?)'\.", r"缺少选项 \1。"),
    (r"No such option: (\S+?)(?: Did you mean (\S+?)\?)?$", r"没有选项 \1。"),
    (r"No such command '(.+?)'\.", r"没有命令“\1”。"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1"),
    (r"Option '(.+?)' requires an argument\.", r"选项 \1 需要一个值。"),
    (r"Missing command\.", r"缺少子命令。"),
]


def translate_error(message: str) -> str:
    """Return a click error message in Chinese (messages already in Chinese pass unchanged).

    >>> translate_error("Invalid value for 'FILE': Path 'a.txt' does not exist.")
    'FILE 无效：a.txt 不存在。'
    """
    for pattern, replacement in _ERRORS:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message, count=1)
    return message


class ChineseHelpFormatter(click.HelpFormatter):
    """A help formatter writing 用法： / 选项： / 命令： instead of click's English headings."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_WORDS.get(heading, heading)}：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(first, _help_text(second)) for first, second in rows], col_max, col_spacing)


def _help_text(text: str) -> str:
    for english, chinese in _HELP_TEXT:
        text = text.replace(english, chinese)
    return text


class ChineseContext(click.Context):
    formatter_class = ChineseHelpFormatter


class ChineseGroup(click.Group):
    """The root group: Chinese help everywhere below it and usage errors shown in Chinese."""

    context_class = ChineseContext

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        use_chinese(cmd)
        super().add_command(cmd, name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            if error.ctx is not None:
                click.echo(error.ctx.get_usage(), err=True)
                click.echo(f"（用 {error.ctx.command_path} -h 查看帮助）", err=True)
            click.echo(f"错误：{translate_error(error.format_message())}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"错误：{translate_error(error.format_message())}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def use_chinese(command: click.Command) -> None:
    """Give a command and its subcommands Chinese help headings and metavars."""
    command.context_class = ChineseContext
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = "[选项]"
    if isinstance(command, click.Group) and command.subcommand_metavar in (None, "COMMAND [ARGS]..."):
        command.subcommand_metavar = "命令 [参数]..."
    for sub in getattr(command, "commands", {}).values():
        use_chinese(sub)
