"""`bigan phrases` (the 提法 of the knowledge base) and `bigan check` (proofread a draft)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click

from bigan.cli_support import CONTEXT_SETTINGS, echo_json, json_option, library_errors, warn
from kb.errors import KbError
from kb.phrases import KINDS, SORTS

_KIND_NAMES = {"numbered": "数字提法", "quoted": "引号提法", "quotation": "引语"}
_TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
#: A user's misspelling rules, kept in the knowledge-base folder beside words.txt.
USER_RULES_FILE = "proofread_rules.tsv"


def _knowledge_base(ctx, *, required: bool):
    from kb.knowledge_base import KnowledgeBase

    path = (ctx.obj or {}).get("kb_path")
    if required:
        return KnowledgeBase.open(path, create=False)
    try:
        return KnowledgeBase.open(path, create=False)
    except KbError:
        return None


@click.command("phrases", context_settings=CONTEXT_SETTINGS)
@click.argument("query", required=False)
@click.option("--kind", type=click.Choice(KINDS),
              help="只列出一类：numbered 数字提法，quoted 引号提法，quotation 引语。")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="至少出现的次数。")
@click.option("--sort", type=click.Choice(SORTS), default="count", show_default=True,
              help="排序：count 按次数，date 按最近使用日期。")
@json_option
@click.pass_context
@library_errors
def phrases(ctx, query, kind, min_count, sort, as_json):
    """列出素材库中的提法（数字提法、引号提法、引语）及其出处。

    常见成语俗语、事物的计数和引号里的普通词语不算提法；引语包括“古人说：”“正所谓”之后的话和古诗文名句。

    给出 QUERY 时只列出包含它的提法。

    \b
    示例：
      bigan phrases 三社
      bigan phrases --kind numbered --min-count 2
      bigan phrases --sort date --json | jq '.[0]'
    """
    with _knowledge_base(ctx, required=True) as kb:
        rows = kb.phrase_library().query(query, kind=kind, min_count=min_count, sort=sort)
    if as_json:
        echo_json([row.to_json() for row in rows])
        return
    if not rows:
        warn("没有找到符合条件的提法。")
        return
    for row in rows:
        click.echo(format_phrase(row))


def format_phrase(phrase) -> str:
    """Return two lines describing a phrase, for people."""
    dates = ""
    if phrase.first_date:
        dates = (f"　{phrase.first_date}" if phrase.first_date == phrase.last_date
                 else f"　{phrase.first_date} 至 {phrase.last_date}")
    head = (f"{phrase.text}　［{_KIND_NAMES.get(phrase.kind, phrase.kind)}］　"
            f"{phrase.count} 次 / {phrase.doc_count} 篇{dates}")
    return f"{head}\n    例：{phrase.example}"


def _check_unit(ctx, param, value):
    from kb.annotate import unit_name_level

    if value is not None and not unit_name_level(value.strip()):
        raise click.BadParameter(f"看不出“{value}”是哪一级单位，请写全称，如 江州市、南湖区、青山县")
    return value.strip() if value else None


def _check_date(ctx, param, value):
    import datetime

    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，请写成 YYYY-MM-DD，如 2026-03-18") from None


@click.command("check", context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fix", is_flag=True, help="自动修正安全的问题（半角标点、日期前导零），只适用于 .txt 和 .md。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="与 --fix 合用：修正后的文本写到这个文件（不给时原地修改并保留 .bak 备份）。")
@click.option("--encoding", help="指定文本文件的编码（如 gb18030），默认自动识别。")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="追加的易错词规则文件（TSV：错误写法、正确写法、级别、条件）。")
@click.option("--unit", metavar="单位", callback=_check_unit,
              help="写稿单位（如 江州市）：其他层级的自称（全区、区委）都会指出，×市 这类占位符给出填法。"
                   "不给时按标题判断。")
@click.option("--date", "when", metavar="日期", callback=_check_date,
              help="讲话或成文日期（YYYY-MM-DD）：季节说法、春节前后、过时年份和提法按这个日期判断。"
                   "不给时按稿中日期判断。")
@json_option
@click.pass_context
@library_errors
def check(ctx, file, fix, output, encoding, rules_path, unit, when, as_json):
    """校对文稿：易错词、政治术语错字、重复词语、标点、序号、日期、占位符，以及提法与素材库是否一致。

    能读的格式都能校对（.txt .md .docx .html）。每条结果引出原文；有“错误”级问题时退出码为 1。
    素材库存在时，按素材库的提法检查写法。

    给出 --unit 和 --date 时，按写稿单位和日期检查单位层级、占位符、季节和年份。

    \b
    示例：
      bigan check 讲话稿.docx
      bigan check 草稿.txt --json
      bigan check 草稿.txt --fix -o 草稿-修正.txt
      bigan check 讲话稿.docx --unit 江州市 --date 2026-03-18
    """
    from kb.proofread import check_file, check_text, fix_text, read_text

    if output is not None and not fix:
        raise click.UsageError("-o 只能与 --fix 一起使用")
    if fix and file.suffix.lower() not in _TEXT_SUFFIXES:
        raise click.UsageError(f"--fix 只能修正 .txt 和 .md 文件；{file.name} 请在 Word 中按检查结果修改")
    library, user_rules = None, rules_path
    kb = _knowledge_base(ctx, required=False)
    if kb is not None:
        with kb:
            try:
                library = kb.phrase_library()
            except KbError as error:
                # The other rules still run; only the 提法 comparison needs the library.
                warn(f"未能读取素材库的提法库，跳过提法检查：{error}")
            if user_rules is None and (kb.root / USER_RULES_FILE).is_file():
                user_rules = kb.root / USER_RULES_FILE
    if fix:
        text = read_text(file, encoding=encoding)
        markdown = file.suffix.lower() in (".md", ".markdown")
        before = check_text(text, library=library, rules_path=user_rules, markdown=markdown, unit=unit,
                            date=when)
        fixed = fix_text(text, before)
        target = output or file
        if output is None:
            shutil.copy2(file, file.with_name(file.name + ".bak"))
        _write_atomic(target, fixed, _output_encoding(file, encoding))
        findings = check_text(fixed, library=library, rules_path=user_rules, markdown=markdown, unit=unit,
                              date=when)
        changed = sum(1 for f in before if f.fixable) - sum(1 for f in findings if f.fixable)
        backup = "" if output is not None else f"（原文件备份为 {file.name}.bak）"
        warn(f"已修正 {changed} 处，写入 {target}{backup}")
        shown = target
    else:
        findings = check_file(file, library=library, encoding=encoding, rules_path=user_rules, unit=unit,
                              date=when)
        shown = file
    if as_json:
        echo_json([dict(f.to_json(), file=str(shown)) for f in findings])
    else:
        for finding in findings:
            click.echo(format_finding(str(shown), finding))
        warn(summary(findings))
    if any(f.level == "错误" for f in findings):
        ctx.exit(1)


def format_finding(path: str, finding) -> str:
    """Return one finding as ``文件:行:列 [级别] 规则 说明（建议：…）``."""
    advice = f"（建议：{finding.suggestion}）" if finding.suggestion else ""
    if finding.fixable and not finding.suggestion:
        advice = "（建议：删去）"
    return (f"{path}:{finding.line}:{finding.column} [{finding.level}] {finding.rule} "
            f"{finding.message}{advice}")


def summary(findings) -> str:
    """Return the one-line count of findings by level."""
    if not findings:
        return "未发现问题。"
    counts = {level: sum(1 for f in findings if f.level == level) for level in ("错误", "疑似", "提示")}
    return f"共 {len(findings)} 处：" + "，".join(f"{level} {n}" for level, n in counts.items())


def _output_encoding(path: Path, encoding: str | None) -> str:
    # Write the copy in the encoding the writer's file had, so their editor still opens it.
    if encoding:
        return encoding
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _write_atomic(path: Path, text: str, encoding: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        # newline="" keeps the file's own line endings, which fix_text preserved.
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


COMMANDS = [phrases, check]
