"""Knowledge-base commands (ingest, search, stats, show, edit, remove, reindex)."""

from __future__ import annotations

import sys

import click

from bigan.cli_support import CONTEXT_SETTINGS, echo_json, json_option, library_errors, terminal_safe, warn
from kb.errors import QueryError
from kb.model import DOC_TYPE_NAMES, DOC_TYPES, LEVELS, PARTS, REGISTERS, ROLES, merge_spans

#: Progress bars only for batches longer than this.
PROGRESS_FROM = 20


def _open(ctx, create: bool = False, **options):
    from kb.knowledge_base import KnowledgeBase

    return KnowledgeBase.open((ctx.obj or {}).get("kb_path"), create=create, notify=warn, **options)


class ByteSize(click.ParamType):
    """A size such as 50MB, 800KB, 1GB or a plain number of bytes."""

    name = "SIZE"
    _UNITS = {"": 1, "B": 1, "K": 1000, "KB": 1000, "M": 1000 ** 2, "MB": 1000 ** 2,
              "G": 1000 ** 3, "GB": 1000 ** 3}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper()
        number = text.rstrip("KMGB")
        unit = text[len(number):]
        try:
            size = float(number) * self._UNITS[unit]
        except (ValueError, KeyError):
            self.fail(f"无法识别的大小“{value}”，请写成 50MB、800KB 或 1GB 这样的形式", param, ctx)
        if size < 1:
            self.fail(f"大小须大于 0：{value}", param, ctx)
        return int(size)


def _bar(files: list, label: str):
    return click.progressbar(length=len(files), label=label, file=sys.stderr,
                             show_pos=True, width=30)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--type", "doc_type", type=click.Choice(DOC_TYPES), help="指定文档类型（默认自动识别）。")
@click.option("--encoding", help="指定文本编码，如 gb18030（默认自动识别）。")
@click.option("--max-size", type=ByteSize(), default="50MB", show_default=True,
              help="单个文件的大小上限，超过的文件跳过并报告。")
@click.option("--max-expanded", type=ByteSize(), default="200MB", show_default=True,
              help="Word 文档解压后的大小上限（防止恶意构造的文件）。")
@json_option
@click.pass_context
@library_errors
def ingest(ctx, paths, doc_type, encoding, max_size, max_expanded, as_json):
    """把文件或文件夹（含子文件夹）的材料收入素材库。

    支持 .txt .md .docx .html .pdf，以及 .doc .wps .rtf .odt（需要 LibreOffice）；
    重复入库不会产生重复；不给路径时收入自带的示范材料。

    \b
    示例：
      bigan ingest 我的材料/
      bigan ingest 讲话.docx 方案.txt --type speech
      bigan --kb ~/素材库 ingest 旧材料/ --encoding gb18030
      bigan ingest 大文件/ --max-size 100MB
    """
    from kb.knowledge_base import iter_files

    if not paths:
        default = (ctx.obj or {}).get("default_corpus")
        if default is None:
            raise click.UsageError("请给出要入库的文件或文件夹")
        paths = (str(default),)
    files = [path for path, _ in iter_files(paths)]
    kb = _open(ctx, create=True, max_file_bytes=max_size, max_docx_expanded=max_expanded)
    with kb:
        if len(files) > PROGRESS_FROM and sys.stderr.isatty():
            with _bar(files, "入库") as bar:
                report = kb.ingest(paths, doc_type=doc_type, encoding=encoding,
                                   progress=lambda _path: bar.update(1))
        else:
            report = kb.ingest(paths, doc_type=doc_type, encoding=encoding)
        duplicates = [(path, kb.info(path)) for path in report.duplicates]
    for _path, message in report.failed:
        warn(f"失败：{terminal_safe(message)}")
    for _path, message in report.skipped:
        warn(f"跳过：{terminal_safe(message)}")
    for path, original in duplicates:
        warn(terminal_safe(f"重复：{path} 与已入库的 {original.source}（{original.doc_id}）内容相同，未另收一份"))
    if as_json:
        echo_json(report.to_json())
    warn(report.summary())
    if report.failed:
        ctx.exit(1)


def _highlight(text: str, spans, colour: bool) -> str:
    out, last = [], 0
    for start, end in merge_spans(spans):
        out.append(text[last:start])
        match = text[start:end]
        out.append(click.style(match, fg="red", bold=True) if colour else f"【{match}】")
        last = end
    out.append(text[last:])
    return "".join(out)


def _hit_header(hit) -> str:
    parts = [hit.title or "（无标题）", hit.date or "日期不详"]
    if hit.section_path:
        parts.append(" › ".join(hit.section_path))
    return " · ".join(parts)


@click.command(context_settings=dict(CONTEXT_SETTINGS, ignore_unknown_options=True))
@click.argument("query", nargs=-1)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="最多显示多少条。")
@click.option("--related", is_flag=True, help="主题检索：按词语相关度排序，不要求整词出现。")
@click.option("--type", "doc_type", type=click.Choice(DOC_TYPES), help="只查某类文档。")
@click.option("--role", type=click.Choice(ROLES), help="只查某种段落（title opening heading body point closing）。")
@click.option("--level", type=click.IntRange(min=0), help="只查某一级标题（1 为一级）。")
@click.option("--headings", is_flag=True, help="只查标题（标题库）。")
@click.option("--from", "date_from", metavar="DATE", help="起始日期，如 2023 或 2023-05。")
@click.option("--to", "date_to", metavar="DATE", help="截止日期，如 2024-06-30。")
@click.option("--source", metavar="TEXT", help="只查来源路径含此文字的文档。")
@click.option("--part", type=click.Choice(PARTS),
              help="只查某种部分里的段落，按段落所在一级部分的作用：前七种见于讲话，总体要求至保障措施见于方案，"
                   "opening 是开头，closing 是结尾。")
@click.option("--unit-level", type=click.Choice(LEVELS + ("不详",)),
              help="只查以某一层级单位的口吻说的段落（由标题、发文机关和“我市”“全区”“县委”等自称判断）。")
@click.option("--voice", type=click.Choice(REGISTERS),
              help="只查某种口吻的段落：中央领导、国务院文件、法规、地方讲话、地方方案。")
@click.option("--meeting-bound/--no-meeting-bound", default=None,
              help="只查含（或不含）会议语境句的段落：今天、刚才、这次会议、受到表彰的……")
@click.option("--time-bound/--no-time-bound", default=None,
              help="只查含（或不含）时间语境句的段落：年份、季节、上半年、今年……")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True, help="排序：相关度或日期（新的在前）。")
@click.option("--count", "count_only", is_flag=True, help="只输出命中段落的数目。")
@json_option
@click.pass_context
@library_errors
def search(ctx, query, limit, related, doc_type, role, level, headings, date_from, date_to,
           source, part, unit_level, voice, meeting_bound, time_bound, sort, count_only, as_json):
    """在素材库中检索提法或素材。

    默认精确检索：每个词都须原样出现在段落中；多个词同时满足；-词 表示排除；
    用英文引号括起的词可含空格。--related 改为主题检索。

    \b
    示例：
      bigan search 一刻钟党建服务圈
      bigan search 基层治理 -网格 --type speech
      bigan search '"GB/T 9704"' --json
      bigan search 基层治理 网格 --related --limit 20
      bigan search 加强 --headings --level 1
      bigan search 安全生产 --part 任务 --unit-level 市 --no-meeting-bound
    """
    text = " ".join(query)
    filters = dict(doc_type=doc_type, role=role, level=level, headings=headings,
                   date_from=date_from, date_to=date_to, source=source, part=part,
                   unit_level=unit_level, voice=voice, meeting_bound=meeting_bound, time_bound=time_bound)
    kb = _open(ctx)
    with kb:
        try:
            if count_only:
                click.echo(kb.count(text, related=related, **filters))
                return
            hits = kb.search(text, limit=limit, related=related, sort=sort, **filters)
            total = len(hits) if len(hits) < limit else kb.count(text, related=related, **filters)
        except QueryError as error:
            raise click.UsageError(str(error)) from None
    if not hits:
        warn(f"没有找到“{text}”")
    if as_json:
        echo_json([hit.to_json() for hit in hits])
        return
    colour = sys.stdout.isatty()
    for hit in hits:
        click.echo(click.style(_hit_header(hit), dim=True) if colour else _hit_header(hit))
        click.echo(_highlight(hit.text, hit.spans, colour))
        click.echo()
    if hits:
        click.echo(f"共 {total} 条，显示前 {len(hits)} 条")


@click.command(context_settings=CONTEXT_SETTINGS)
@json_option
@click.pass_context
@library_errors
def stats(ctx, as_json):
    """显示素材库概况：各类文档数、段落数、字数、索引大小。

    \b
    示例：
      bigan stats
      bigan --kb ~/素材库 stats --json
    """
    with _open(ctx) as kb:
        data = kb.stats()
    if as_json:
        echo_json(data)
        return
    click.echo(f"素材库：{data['path']}")
    click.echo(f"文档：{data['documents']} 篇")
    for doc_type, n in data["by_type"].items():
        click.echo(f"  {DOC_TYPE_NAMES.get(doc_type, doc_type)}（{doc_type}）：{n} 篇")
    click.echo(f"段落：{data['passages']} 段")
    click.echo(f"字数：{data['characters']} 字")
    click.echo(f"索引：{data['index_bytes'] / 1024 / 1024:.1f} MB")


_PART_NAMES = {"opening": "开头", "closing": "结尾", "": "全文"}


def _note(annotation) -> str:
    """Return an annotation as a writer reads it: 认识｜市｜地方讲话｜会议句·时间句."""
    bound = "·".join(name for name, flag in (("会议句", annotation.meeting_bound),
                                             ("时间句", annotation.time_bound)) if flag)
    fields = [_PART_NAMES.get(annotation.role, annotation.role), annotation.unit_level or "层级不详",
              annotation.voice, bound]
    return "｜".join(f for f in fields if f)


def _outline_lines(doc, annotation=None) -> list[str]:
    from kb.structure import heading_text  # the parser's patterns take ~40 ms to compile

    lines = []

    def walk(sections, depth):
        for section in sections:
            lines.append(f"{'  ' * depth}{heading_text(section)}")
            walk(section.children, depth + 1)

    for index, section in enumerate(doc.sections):
        heading_line = len(lines)
        walk((section,), 0)
        if annotation is not None and index < len(annotation.parts):
            # a part's role, level and voice follow its heading line
            lines[heading_line] += f"　〔{_note(annotation.parts[index])}〕"
    for attachment in doc.attachments:
        lines.append(f"{attachment.label or '附件'}：{attachment.title}")
        walk(attachment.sections, 1)
    return lines


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("doc_id")
@json_option
@click.pass_context
@library_errors
def show(ctx, doc_id, as_json):
    """显示一篇已入库文档的元数据和提纲。

    \b
    示例：
      bigan show 3f9a1c2b7d4e
      bigan show 3f9a1c2b7d4e --json
    """
    with _open(ctx) as kb:
        info = kb.info(doc_id)
        doc = kb.document(info.doc_id)
        annotation = kb.annotation(info.doc_id)
    if as_json:
        echo_json({"info": info.to_dict(), "document": doc.to_json(), "annotation": annotation.to_json()})
        return
    click.echo(f"编号：{info.doc_id}")
    click.echo(f"标题：{info.title}")
    click.echo(f"类型：{DOC_TYPE_NAMES.get(info.doc_type, info.doc_type)}（{info.doc_type}）")
    click.echo(f"日期：{info.date or '不详'}")
    for label, value in (("讲话人", doc.speaker), ("会议", doc.meeting), ("单位", doc.meta.issuer)):
        if value:
            click.echo(f"{label}：{value}")
    click.echo(f"来源：{info.source}")
    for alias, _hash in info.aliases:
        click.echo(f"重复：{alias}")
    click.echo(f"段落：{info.passages} 段，{info.chars} 字")
    whole = annotation.document
    click.echo(f"单位层级：{whole.unit_level or '不详'}")
    click.echo(f"口吻：{whole.voice}")
    bound = "、".join(name for name, flag in (("会议语境句", whole.meeting_bound), ("时间语境句", whole.time_bound))
                     if flag)
    click.echo(f"语境：{'含' + bound if bound else '无会议、时间语境句'}")
    click.echo("提纲：")
    for line in _outline_lines(doc, annotation):
        click.echo(f"  {line}")


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("doc_id", metavar="DOC_ID|PATH")
@click.option("--title", help="新的标题。")
@click.option("--type", "doc_type", metavar="TYPE",
              help="文档类型：" + "、".join(f"{n}（{c}）" for c, n in DOC_TYPE_NAMES.items()) + "。")
@click.option("--date", help="日期，如 2025-03-08、2025年3月8日、2025-03；给空字符串清除。")
@click.option("--speaker", help="讲话人；给空字符串清除。")
@click.option("--meeting", help="会议名称；给空字符串清除。")
@click.option("--unit", help="单位（发文机关）；给空字符串清除。")
@json_option
@click.pass_context
@library_errors
def edit(ctx, doc_id, title, doc_type, date, speaker, meeting, unit, as_json):
    """修改一篇已入库文档的标题、类型、日期、讲话人、会议或单位。

    修改记在素材库里，重建索引（bigan reindex）或重新入库同一文件后仍然有效。

    \b
    示例：
      bigan edit 3f9a1c2b7d4e --title 2026年某省政府工作报告 --date 2026-01-16
      bigan edit 我的材料/讲话.txt --type 讲话 --speaker 张某
      bigan edit 3f9a1c2b7d4e --meeting ""
    """
    if all(v is None for v in (title, doc_type, date, speaker, meeting, unit)):
        raise click.UsageError("请至少给出一项要修改的内容：--title --type --date --speaker --meeting --unit")
    with _open(ctx) as kb:
        info = kb.edit(doc_id, title=title, doc_type=doc_type, date=date, speaker=speaker,
                       meeting=meeting, unit=unit)
        doc = kb.document(info.doc_id)
    if as_json:
        echo_json({"info": info.to_dict(), "document": doc.to_json()})
        return
    warn(f"已修改：{info.doc_id} {info.title}")
    click.echo(f"标题：{info.title}")
    click.echo(f"类型：{DOC_TYPE_NAMES.get(info.doc_type, info.doc_type)}（{info.doc_type}）")
    click.echo(f"日期：{info.date or '不详'}")
    for label, value in (("讲话人", doc.speaker), ("会议", doc.meeting), ("单位", doc.meta.issuer)):
        click.echo(f"{label}：{value or '（无）'}")


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("target", metavar="DOC_ID|PATH")
@click.pass_context
@library_errors
def remove(ctx, target):
    """从素材库删除一篇文档（按编号或原文件路径）。原文件不受影响。

    \b
    示例：
      bigan remove 3f9a1c2b7d4e
      bigan remove 我的材料/旧讲话.txt
    """
    with _open(ctx) as kb:
        info = kb.remove(target)
    warn(f"已删除：{info.doc_id} {info.title}")


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--force", is_flag=True,
              help="已存文档比索引少时（documents 文件夹中缺了文件）也照样只按现有文档重建。")
@click.pass_context
@library_errors
def reindex(ctx, force):
    """从已存的文档重建索引（索引损坏或升级后使用）。

    已存文档比索引少时不重建，先说明缺了哪些；确认后用 --force 重建。

    \b
    示例：
      bigan reindex
      bigan --kb ~/素材库 reindex
      bigan reindex --force
    """
    with _open(ctx) as kb:
        n = kb.reindex(force=force)
        failures = kb.reindex_failures
    warn(f"已重建索引：{n} 篇文档")
    if failures:
        ctx.exit(1)


COMMANDS: list = [ingest, search, stats, show, edit, remove, reindex]
