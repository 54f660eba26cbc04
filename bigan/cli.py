"""The root `bigan` command: the only module that imports both kb and generator."""

from __future__ import annotations

import os
from pathlib import Path

import click

from bigan import __version__
from bigan.cli_chinese import ChineseGroup, use_chinese
from bigan.cli_support import CONTEXT_SETTINGS
from bigan.resources import speeches_dir


def _shown(path) -> str:
    # ~/.local/share/bigan/kb reads better than the expanded home folder.
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home):] if text.startswith(home + os.sep) else text


class _KbOption(click.Option):
    """--kb, whose help names the default folder as it is when the help is shown."""

    def get_help_record(self, ctx):
        from kb.knowledge_base import data_home_path

        self.help = ("素材库文件夹，可写在子命令前或后（也可用环境变量 BIGAN_KB；"
                     f"默认 {_shown(data_home_path())}）。")
        return super().get_help_record(ctx)


# Each command's module, in the order help lists them. A command is imported only
# when it runs, so `bigan search` never pays for jinja2, python-docx or Flask.
_MODULES = {
    "bigan.demo": ("demo",),
    "bigan.cli_outline": ("outline",),
    "bigan.cli_kb": ("ingest", "search", "stats", "show", "edit", "remove", "reindex"),
    "bigan.cli_phrases": ("phrases", "check"),
    "bigan.cli_draft": ("draft", "templates"),
    "bigan.cli_format": ("format", "profile", "docx-template", "check-format"),
    "bigan.web.cli": ("serve",),
}


class _LazyGroup(ChineseGroup):
    """The root group, loading a command's module on first use."""

    def list_commands(self, ctx):
        for module in _MODULES:
            self._load(module)
        return list(self.commands)

    def get_command(self, ctx, name):
        if name not in self.commands:
            modules = [m for m, names in _MODULES.items() if name in names] or list(_MODULES)
            for module in modules:
                self._load(module)
        return self.commands.get(name)

    def _load(self, module_name: str) -> None:
        import importlib

        for command in importlib.import_module(module_name).COMMANDS:
            if command.name not in self.commands:
                self.add_command(command)


@click.group("bigan", cls=_LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="bigan", message="%(prog)s %(version)s")
@click.option("--kb", "kb_path", cls=_KbOption, envvar="BIGAN_KB", type=click.Path(file_okay=False),
              metavar="文件夹")
@click.pass_context
def cli(ctx, kb_path):
    """笔杆（bigan）：公文写作的素材库、提法检索、讲话稿起草与 GB/T 9704 排版。

    \b
    常用命令：
      bigan outline 讲话.txt          查看文档结构
      bigan ingest 我的材料/           材料入库
      bigan search 一刻钟党建服务圈     精确检索提法
      bigan draft speech --topic 基层党建 -o 讲话.docx
      bigan format 草稿.txt -o 草稿.docx
    """
    ctx.ensure_object(dict)
    ctx.obj["kb_path"] = kb_path
    # `bigan ingest` without a path ingests the bundled starter corpus.
    ctx.obj.setdefault("default_corpus", str(speeches_dir()))


use_chinese(cli)


def main() -> None:
    cli(prog_name="bigan")


if __name__ == "__main__":
    main()
