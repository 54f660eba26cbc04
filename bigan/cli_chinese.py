"""Click's own words in Chinese: help headings, usage lines and usage errors.

Click writes "Usage:", "Options" and its error messages in English. bigan's
users read Chinese, so the root group uses a context whose help formatter
writes Chinese headings, and its ``main`` shows usage errors in Chinese.
"""

from __future__ import annotations

import errno
import os
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
# Click's messages (8.x) and their Chinese. A parameter hint is 'FILE' or '-n' / '--limit';
# translate_error drops its quotes.
_HINT = r"((?:'[^']+'(?: / )?)+)"
_ERRORS = [
    (rf"Invalid value for {_HINT}: (?:Path|File|Directory) '(.+?)' does not exist\.", r"\1 无效：\2 不存在。"),
    (rf"Invalid value for {_HINT}: (?:Path|File) '(.+?)' is a directory\.", r"\1 无效：\2 是文件夹，不是文件。"),
    (rf"Invalid value for {_HINT}: (?:Path|Directory) '(.+?)' is a file\.", r"\1 无效：\2 是文件，不是文件夹。"),
    (rf"Invalid value for {_HINT}: (?:Path|File|Directory) '(.+?)' is not (?:readable|writable)\.",
     r"\1 无效：没有权限读写 \2。"),
    (rf"Invalid value for {_HINT}: '(.+?)' is not one of (.+)\.", r"\1 的值“\2”无效，可选：\3。"),
    (rf"Invalid value for {_HINT}: '(.+?)' is not ('[^']*')\.", r"\1 的值“\2”无效，只能是 \3。"),
    (rf"Invalid value for {_HINT}: '(.+?)' is not a valid integer( range)?\.", r"\1 的值“\2”不是整数。"),
    (rf"Invalid value for {_HINT}: '(.+?)' is not a valid float( range)?\.", r"\1 的值“\2”不是数字。"),
    (rf"Invalid value for {_HINT}: '(.+?)' is not a valid boolean\.", r"\1 的值“\2”应为 true 或 false。"),
    (rf"Invalid value for {_HINT}: (.+?) is not in the range x>=(\S+)\.", r"\1 的值 \2 应不小于 \3。"),
    (rf"Invalid value for {_HINT}: (.+?) is not in the range x<=(\S+)\.", r"\1 的值 \2 应不大于 \3。"),
    (rf"Invalid value for {_HINT}: (.+?) is not in the range (\S+?)<=x<=(\S+)\.",
     r"\1 的值 \2 应在 \3 到 \4 之间。"),
    (rf"Invalid value for {_HINT}: (.+?) is not in the range (.+)\.", r"\1 的值 \2 不在 \3 范围内。"),
    (rf"Invalid value for {_HINT}: (.*)", r"\1 的值无效：\2"),
    (r"Invalid value: (.*)", r"值无效：\1"),
    (rf"Missing argument {_HINT}\.", r"缺少参数 \1。"),
    (rf"Missing option {_HINT}\.", r"缺少选项 \1。"),
    (r"No such option:? '?([^'\s]+?)'?\.?(?: Did you mean '?([^'\s?]+?)'?\?)?(?: \(Did you mean one of: (.+)\?\))?$",
     r"没有选项 \1。"),
    (r"No such command:? '(.+?)'\.(?: .*)?$", r"没有命令“\1”。"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1"),
    (r"Option '(.+?)' requires an argument\.", r"选项 \1 需要一个值。"),
    (r"Option '(.+?)' requires (\d+) arguments\.", r"选项 \1 需要 \2 个值。"),
    (r"Option '(.+?)' does not take a value\.", r"选项 \1 不带值。"),
    (r"Argument '(.+?)' takes (\d+) values\.", r"参数 \1 需要 \2 个值。"),
    (r"Missing command\.", r"缺少子命令。"),
]


def translate_error(message: str) -> str:
    """Return a click error message in Chinese (messages already in Chinese pass unchanged).

    >>> translate_error("Invalid value for 'FILE': Path 'a.txt' does not exist.")
    'FILE 无效：a.txt 不存在。'
    """
    for pattern, replacement in _ERRORS:
        match = re.match(pattern, message, flags=re.S)
        if match:
            text = match.expand(replacement)
            # 'FILE' → FILE, '-n' / '--limit' → -n / --limit; a suggestion, when click has one.
            text = re.sub(r"'([^'\s]+)'( / )?", r"\1\2", text) if match.re.pattern.find(_HINT) >= 0 \
                else text
            suggestion = re.search(r"Did you mean (?:one of: )?(.+?)\?", message)
            if suggestion and text.startswith("没有"):
                names = [name.strip(" '") for name in suggestion.group(1).split(",")]
                text += f"是不是要用 {'、'.join(names)}？"
            return text
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


# Click 8.1 has no such error: there, the except clause below catches nothing.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class ChineseContext(click.Context):
    formatter_class = ChineseHelpFormatter


class ChineseGroup(click.Group):
    """The root group: Chinese help everywhere below it and usage errors shown in Chinese."""

    context_class = ChineseContext

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        use_chinese(cmd)
        super().add_command(cmd, name)

    #: Root options a user may also give after the subcommand (bigan search 提法 --kb 文件夹).
    hoisted_options = ("--kb",)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_options(args, self.hoisted_options))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as error:
            # `bigan draft` alone (click 8.2 and later): the help is the answer, not an error.
            click.echo(error.format_message(), err=True)
            sys.exit(error.exit_code)
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
        except OSError as error:
            # The reader of our output went away (`bigan search … | head`): stop quietly,
            # as a Unix tool killed by SIGPIPE does; the exit code says so.
            if error.errno != errno.EPIPE:
                raise
            _silence_stdout()
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; with the pipe closed that flush would print
    # "Exception ignored … BrokenPipeError". Point the descriptor at /dev/null instead.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        # No real descriptor (a test runner's stream): nothing will be flushed to a pipe.
        pass


def hoist_options(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Return ``args`` with the root options ``names`` (and their values) moved to the front.

    Everything after ``--`` is left alone, so a query can still be the text “--kb”.

    >>> hoist_options(["search", "一岗双责", "--kb", "素材库"], ("--kb",))
    ['--kb', '素材库', 'search', '一岗双责']
    >>> hoist_options(["stats", "--kb=素材库", "--json"], ("--kb",))
    ['--kb=素材库', 'stats', '--json']
    """
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg in names and index + 1 < len(args):
            front += args[index:index + 2]
            index += 2
            continue
        if any(arg.startswith(name + "=") for name in names):
            front.append(arg)
        else:
            rest.append(arg)
        index += 1
    return front + rest


def use_chinese(command: click.Command) -> None:
    """Give a command and its subcommands Chinese help headings and metavars."""
    command.context_class = ChineseContext
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = "[选项]"
    if isinstance(command, click.Group) and command.subcommand_metavar in (None, "COMMAND [ARGS]..."):
        command.subcommand_metavar = "命令 [参数]..."
    for sub in getattr(command, "commands", {}).values():
        use_chinese(sub)
