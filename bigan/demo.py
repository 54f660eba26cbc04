"""`bigan demo`: the main job on the bundled material, from ingest to a laid-out draft."""

from __future__ import annotations

from pathlib import Path

import click

from bigan.cli_support import library_errors
from bigan.resources import speeches_dir


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="bigan-演示",
              show_default=True, help="演示输出文件夹（素材库和生成的稿件都放在这里）。")
@click.option("--topic", default="基层党建", show_default=True, help="演示起草的主题。")
@click.option("--query", default="一岗双责", show_default=True, help="演示检索的提法。")
@click.pass_context
@library_errors
def demo(ctx, out_dir, topic, query):
    """用自带素材库演示：入库、检索提法、起草讲话稿（.docx 和 .md）。

    \b
    示例：
      bigan demo
      bigan demo --topic 安全生产 --query 三社联动 --out 演示/
    """
    from generator import DraftSpec, draft, write_draft
    from kb import KnowledgeBase
    from bigan.cli_kb import search  # the demo prints hits exactly as `bigan search` does

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with KnowledgeBase.open(out / "素材库") as kb:
        report = kb.ingest([speeches_dir()])
        click.echo(f"【1】自带素材库入库：{report.summary()}")
        click.echo(f"\n【2】检索提法“{query}”：\n")
        spec = DraftSpec(kind="speech", topic=(topic,), occasion="座谈会", unit="×市",
                         date="2026-03-18")
        result = draft(spec, kb)
    ctx.ensure_object(dict)
    ctx.obj["kb_path"] = str(out / "素材库")
    ctx.invoke(search, query=(query,), limit=3)
    docx_path, md_path = out / f"{topic}座谈会讲话.docx", out / f"{topic}座谈会讲话.md"
    write_draft(result, docx_path)
    write_draft(result, md_path)
    click.echo(f"\n【3】起草讲话稿《{result.title}》（{result.length()} 字，"
               f"{len(result.parts)} 个部分，每段在批注/脚注中注明出处）：")
    for part in result.parts:
        click.echo(f"    {part.marker}{part.heading}")
    click.echo(f"    已写出 {docx_path} 和 {md_path}")


COMMANDS = [demo]
