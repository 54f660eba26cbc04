"""Generator commands (format, profile, docx-template, check-format, templates, draft)."""

from __future__ import annotations

from pathlib import Path

import click

from bigan.cli_support import CONTEXT_SETTINGS, echo_json, json_option, library_errors, warn

_KIND_NAMES = {"speech": "讲话稿", "work_plan": "工作方案", "notice": "通知"}


def _profile_option(func):
    return click.option("--profile", "profile_path", type=click.Path(dir_okay=False),
                        help="排版配置文件（TOML，只写要改的项；bigan profile show 查看默认值）。"
                        )(func)


def _load(profile_path):
    from generator.profile import load_profile

    return load_profile(profile_path)


@click.command("format", context_settings=CONTEXT_SETTINGS)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="输出文件（.docx、.md 或 .pdf；PDF 需要 LibreOffice）；默认与输入同名的 .docx，"
              "输入是 .docx 时加“-排版”。")
@_profile_option
@click.option("--keep-text", is_flag=True, help="连标点规范化也不做，文字原样保留。")
@click.option("--encoding", help="指定输入文本的编码，如 gb18030（默认自动识别）。")
@library_errors
def format_command(input_path, output, profile_path, keep_text, encoding):
    """把草稿（.txt .md .docx .doc .wps .pdf 等）按 GB/T 9704 公文格式重新排版。

    按“一、（一）1.（1）”等序号识别标题层级，不看原文件的样式；除标点规范化外不改动文字。

    \b
    示例：
      bigan format 草稿.txt
      bigan format 草稿.docx -o 定稿.docx
      bigan format 草稿.md --profile 本地规范.toml
      bigan format 草稿.docx -o 草稿.md      # 转成 Markdown 便于编辑
      bigan format 草稿.txt -o 定稿.pdf      # 经 LibreOffice 输出 PDF
    """
    from generator.format import format_document

    profile = _load(profile_path)
    written = format_document(input_path, output, profile=profile,
                              keep_text=keep_text, encoding=encoding)
    if written.suffix.lower() == ".pdf":
        warn_missing_fonts(profile)
    warn(f"已写出 {written}")


def warn_missing_fonts(profile) -> None:
    """Tell the user which standard fonts a PDF had to replace on this machine."""
    from generator.pdf import font_warning, plan_substitutions

    message = font_warning(plan_substitutions(profile))
    if message:
        warn(message)


@click.group("profile", context_settings=CONTEXT_SETTINGS)
def profile_group():
    """排版配置（字体、字号、边距、行距、页码等）。

    \b
    示例：
      bigan profile show > 本地规范.toml
    """


@profile_group.command("show", context_settings=CONTEXT_SETTINGS)
def profile_show():
    """显示默认排版配置（GB/T 9704-2012），可复制后修改。

    \b
    示例：
      bigan profile show
      bigan profile show > 本地规范.toml
    """
    from generator.profile import default_profile_text

    click.echo(default_profile_text(), nl=False)


@click.command("docx-template", context_settings=CONTEXT_SETTINGS)
@click.argument("kind", type=click.Choice(list(_KIND_NAMES)))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="输出文件；默认“<种类>模板.docx”（加 --dotx 时为 .dotx）。")
@click.option("--dotx", is_flag=True, help="生成真正的 Word 模板文件（.dotx）。")
@_profile_option
@library_errors
def docx_template(kind, output, dotx, profile_path):
    """生成带中文样式（标题、正文、一级标题……）和占位文字的 Word 模板。

    KIND 为 speech（讲话稿）、work_plan（工作方案）或 notice（通知）。

    \b
    示例：
      bigan docx-template speech
      bigan docx-template notice -o 通知模板.docx
      bigan docx-template work_plan --dotx -o 工作方案.dotx
    """
    from generator.docx_template import write_docx_template

    if output is None:
        output = f"{_KIND_NAMES[kind]}模板" + (".dotx" if dotx else ".docx")
    written = write_docx_template(kind, output, profile=_load(profile_path), dotx=dotx)
    click.echo(str(written))


@click.command("check-format", context_settings=CONTEXT_SETTINGS)
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@_profile_option
@json_option
@library_errors
def check_format(path, profile_path, as_json):
    """检查 .docx 是否符合排版配置（边距、字体、字号、缩进、行距、页码）。

    有不符合处时退出码为 1。

    \b
    示例：
      bigan check-format 定稿.docx
      bigan check-format 定稿.docx --profile 本地规范.toml
      bigan check-format 定稿.docx --json
    """
    from generator.layout_check import check_layout

    deviations = check_layout(path, _load(profile_path))
    if as_json:
        echo_json([d.to_json() for d in deviations])
    else:
        for deviation in deviations:
            click.echo(str(deviation))
    if deviations:
        warn(f"{Path(path).name}：发现 {len(deviations)} 处不符合排版规范")
        raise click.exceptions.Exit(1)
    warn(f"{Path(path).name}：符合排版规范")


COMMANDS: list = [format_command, profile_group, docx_template, check_format]
