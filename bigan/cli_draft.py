"""`bigan draft …` and `bigan templates …`: drafting from the knowledge base."""

from __future__ import annotations

from pathlib import Path

import click

from bigan.cli_support import echo_json, library_errors, warn
from generator import draft as make_draft
from generator import draft_outline, load_spec, write_draft
from generator.errors import GeneratorError
from generator.spec import DraftSpec
from generator.templates import TemplateLibrary

_templates_option = click.option("--templates", "templates_dir", type=click.Path(file_okay=False),
                                 help="自己的模板文件夹（同名模板优先于内置模板）。")


# -- templates --------------------------------------------------------------------------------

@click.group("templates", invoke_without_command=True)
@_templates_option
@click.pass_context
@library_errors
def templates(ctx, templates_dir):
    """列出起草模板；show 查看、copy 复制出来修改。

    \b
    示例：
      bigan templates
      bigan templates show 座谈会
      bigan templates copy 座谈会 我的模板/
      bigan draft speech --templates 我的模板/ --template 座谈会 --topic 基层党建
    """
    ctx.ensure_object(dict)
    ctx.obj["templates_dir"] = templates_dir
    if ctx.invoked_subcommand is None:
        library = TemplateLibrary(user_dir=templates_dir)
        for info in library.infos():
            mark = "" if info.builtin else "（自定义）"
            click.echo(f"{info.name}\t{info.description}{mark}")


@templates.command("show")
@click.argument("name")
@click.pass_context
@library_errors
def templates_show(ctx, name):
    """显示一个模板的全文（骨架说明和各段写法）。"""
    library = TemplateLibrary(user_dir=ctx.obj.get("templates_dir"))
    click.echo(library.source(name), nl=False)


@templates.command("copy")
@click.argument("name")
@click.argument("folder", type=click.Path(file_okay=False))
@click.pass_context
@library_errors
def templates_copy(ctx, name, folder):
    """把模板复制到文件夹 FOLDER，供修改后用 --templates 使用。"""
    library = TemplateLibrary(user_dir=ctx.obj.get("templates_dir"))
    target = library.copy(name, folder)
    warn(f"已复制到 {target}")


# -- draft ------------------------------------------------------------------------------------

def _spec_options(func):
    options = [
        click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False),
                     help="起草要求文件（TOML），命令行选项优先于文件。"),
        click.option("--template", help="模板名称（bigan templates 列出）。"),
        click.option("--topic", multiple=True, help="主题词，如 --topic 基层党建（可多次给出）。"),
        click.option("--unit", help="单位，如 江州市：借来的材料改用本级说法（全区→全市、区委→市委），并填入 ×市 等占位符。"),
        click.option("--meeting", help="会议名称，如 全市基层党建工作座谈会。"),
        click.option("--occasion", help="会议类型：动员部署会、推进会、座谈会、总结表彰会、工作会议、专题党课。"),
        click.option("--speaker", help="讲话人。"),
        click.option("--date", help="日期，如 2025-03-18：据此顺延或标出过时的年份、季节词和提法，方案的实施步骤从此日排起。"),
        click.option("--length", type=click.IntRange(300, 30000), help="目标字数（默认按模板，讲话 4000）。"),
        click.option("--parts", type=click.IntRange(1, 9), help="分几部分（默认按模板）。"),
        click.option("--heading", "headings", multiple=True, help="自拟的部分标题（提纲），按顺序多次给出；用作该部分选材的检索词，正文与标题关联不大时给出提示。"),
        click.option("--seed", type=int, default=None, help="换一个数得到另一种选材（第 N 好的稿子，N 为种子除以 8 的余数）。"),
        _templates_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _spec(kind, spec_file, **options) -> DraftSpec:
    base = load_spec(spec_file) if spec_file else DraftSpec()
    if kind:
        options["kind"] = kind
    return base.merged(**options)


def _open_kb(ctx):
    from kb import KnowledgeBase

    kb = KnowledgeBase.open(ctx.obj.get("kb_path"))
    if not kb.documents():
        kb.close()
        raise GeneratorError("素材库是空的，没有可用的材料。请先运行 bigan ingest（不带参数即导入自带的素材库）")
    return kb


@click.group("draft")
def draft():
    """起草讲话稿、工作方案或提纲：从素材库中选取材料，按模板组装，每段注明出处。

    \b
    示例：
      bigan draft speech --topic 基层党建 --occasion 座谈会 --unit 江州市 -o 讲话.docx -o 讲话.md
      bigan draft plan --topic 乡村振兴 --unit ×县 -o 方案.docx
      bigan draft outline --topic 营商环境
    """


def _draft_command(kind: str, summary: str):
    @draft.command(kind if kind != "work_plan" else "plan", help=summary)
    @_spec_options
    @click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
                  help="输出文件（.docx、.md 或 .pdf，可多次给出）；不给则在屏幕上显示 Markdown。")
    @click.option("--variants", type=click.IntRange(1, 20), default=1, help="生成 N 份稿子：最好的一份和依次次好的、选材各不相同的几份。")
    @click.option("--pick", "picks", multiple=True, metavar="部分:候选",
                  help="换用某部分的候选材料，如 --pick 3:2 第三部分改用第 2 个候选（都从 1 数起，"
                       "候选见 bigan draft outline），其他部分不变；可多次给出。")
    @click.option("--heading-set", type=click.IntRange(1, 99), metavar="N", help="换用第 N 组标题（标题组见 bigan draft outline）。")
    @click.option("--no-sources", is_flag=True, help="不在稿中标注材料出处（批注/脚注）。")
    @click.option("--json", "as_json", is_flag=True, help="输出稿件的结构化数据（JSON，含各部分的候选材料）。")
    @click.pass_context
    @library_errors
    def command(ctx, spec_file, template, topic, unit, meeting, occasion, speaker, date, length,
                parts, headings, seed, templates_dir, outputs, variants, picks, heading_set,
                no_sources, as_json):
        spec = _spec(None if kind == "outline" else kind, spec_file, template=template, topic=topic,
                     unit=unit, meeting=meeting, occasion=occasion, speaker=speaker, date=date,
                     length=length, parts=parts, headings=headings, seed=seed)
        if not spec.topic:
            raise click.UsageError("请用 --topic 给出主题词（或在 --spec 文件里写 topic）")
        choices = _choices(picks, heading_set)
        if choices and variants > 1:
            raise click.UsageError("--pick、--heading-set 针对一份稿子，不能与 --variants 同用")
        library = TemplateLibrary(user_dir=templates_dir)
        kb = _open_kb(ctx)
        try:
            results = []
            for n in range(variants):
                one = spec if n == 0 else spec.merged(variant=spec.variant + n)
                build = draft_outline if kind == "outline" else make_draft
                results.append(build(one, kb, templates=library, choices=choices))
        finally:
            kb.close()
        _emit(results, outputs, as_json=as_json, sources=not no_sources, outline=kind == "outline")

    return command


def _choices(picks, heading_set):
    from generator.choices import Choices, parse_pick

    try:
        pairs = [parse_pick(pick) for pick in picks]
        return Choices(heading_set=heading_set - 1 if heading_set else None, parts=pairs) or None
    except GeneratorError as error:
        raise click.UsageError(f"--pick 的值无效：{error}") from None


def _emit(results, outputs, *, as_json: bool, sources: bool, outline: bool = False) -> None:
    from generator.compose import cn_numeral
    from generator.render.markdown import render_markdown

    if as_json:
        echo_json([r.to_json() for r in results] if len(results) > 1 else results[0].to_json())
    elif not outputs:
        for n, result in enumerate(results):
            if n:
                click.echo("\n" + "-" * 40 + "\n")
            click.echo(render_markdown(result.to_document(),
                                       comments=result.sources() if sources else None), nl=False)
            if outline and len(result.heading_sets) > 1:
                click.echo("\n备选标题组（各组句式一致，可用 --heading-set N 整组换用）：")
                for k, heading_set in enumerate(result.heading_sets, 1):
                    if k - 1 == result.heading_set:
                        continue
                    click.echo(f"\n第{k}组：")
                    for i, heading in enumerate(heading_set, 1):
                        click.echo(f"  {cn_numeral(i)}、{heading}")
            if outline and any(len(found) > 1 for found in result.candidates):
                click.echo("\n各部分的候选材料（可用 --pick 部分:候选 换用）：")
                for i, (found, pick) in enumerate(zip(result.candidates, result.picks), 1):
                    click.echo(f"\n第{cn_numeral(i)}部分：")
                    for candidate in found:
                        mark = "（当前）" if candidate.index == pick else ""
                        click.echo(f"  {i}:{candidate.index + 1}  {candidate.heading}{mark}"
                                   f" ——《{candidate.source.title}》")
    for n, result in enumerate(results):
        for output in outputs:
            path = Path(output)
            if n:
                path = path.with_name(f"{path.stem}-{n + 1}{path.suffix}")
            write_draft(result, path, sources=sources)
            warn(f"已写出 {path}（{result.length()} 字）")
    if any(Path(output).suffix.lower() == ".pdf" for output in outputs):
        from bigan.cli_format import warn_missing_fonts
        from generator.profile import load_profile

        warn_missing_fonts(load_profile())
    first = results[0]
    for shortfall in first.shortfalls:
        warn(shortfall)
    for warning in first.warnings:
        warn("注意：" + warning)
    if first.placeholders:
        warn("请补充或核对以下占位内容：" + "、".join(first.placeholders))
    if any("待补充" in p for p in first.placeholders):
        warn("提示：部分段落在素材库中没有找到材料，已用【待补充：…】标出。")


_draft_command("speech", "起草讲话稿。\n\n\b\n示例：\n  bigan draft speech --topic 安全生产 --occasion 动员部署会 -o 讲话.docx")
_draft_command("work_plan", "起草工作方案 / 实施方案。\n\n\b\n示例：\n  bigan draft plan --topic 乡村振兴 --unit ×县 -o 方案.docx")
_draft_command("outline", "只生成提纲：各部分标题及备选标题。\n\n\b\n示例：\n  bigan draft outline --topic 营商环境 --occasion 座谈会")

COMMANDS = [draft, templates]
