"""Benchmark: draft generation time from a large knowledge base.

Builds (once, cached under bench/out/) a knowledge base of about N passages
by recombining the starter corpus: each synthetic document keeps the
structure of a starter document (title, parts, points) with the sentences of
its paragraphs shuffled among documents of the same kind, under a fixed seed.
Then it times `generator.draft` for speeches and plans on several topics and
prints JSON lines and a table.

    python3 bench/bench_draft.py                 # N = 100,000
    python3 bench/bench_draft.py --passages 20000 --rebuild
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import DraftSpec, draft  # noqa: E402
from kb import KnowledgeBase  # noqa: E402
from kb.parse import load_document  # noqa: E402
from kb.passages import document_passages  # noqa: E402

TOPICS = ["基层党建", "基层治理", "安全生产", "乡村振兴", "营商环境", "科技创新", "民生保障", "教育"]
OCCASIONS = ["动员部署会", "推进会", "座谈会", "总结表彰会", "工作会议", "专题党课"]


def _sentences(text: str) -> list[str]:
    return re.findall(r"[^。！？]+[。！？]?", text)


def synthetic_documents(target_passages: int, seed: int = 20261126):
    """Yield (Document, source, bytes) recombined from the starter corpus until ~target passages."""
    rng = random.Random(seed)
    base = [load_document(p) for p in sorted((ROOT / "speeches").rglob("*.md")) if p.name != "README.md"]
    pool = [s for d in base for s in _sentences("".join(
        p for sec in d.walk() for p in sec.paragraphs))]
    per_doc = {id(d): len(document_passages(d, "x")) for d in base}
    made = copy = 0
    while made < target_passages:
        copy += 1
        for doc in base:
            def shuffle(paragraph: str) -> str:
                count = max(1, len(_sentences(paragraph)))
                return "".join(rng.choice(pool) for _ in range(count))

            def walk(section):
                return replace(section, paragraphs=tuple(shuffle(p) for p in section.paragraphs),
                               children=tuple(walk(c) for c in section.children))

            variant = replace(doc, title=f"{doc.title}（第{copy}稿）",
                              sections=tuple(walk(s) for s in doc.sections),
                              date=f"{2010 + copy % 16}-{1 + copy % 12:02d}-01")
            source = f"bench://{copy}/{Path(doc.source_path).name}"
            yield variant, source, (source + variant.title).encode()
            made += per_doc[id(doc)]
            if made >= target_passages:
                return


def build(path: Path, passages: int) -> dict:
    started = time.perf_counter()
    with KnowledgeBase.open(path) as kb:
        kb.add_documents(synthetic_documents(passages))
        stats = kb.stats()
    stats["build_seconds"] = round(time.perf_counter() - started, 1)
    return stats


def run(path: Path, repeats: int) -> list[dict]:
    rows = []
    with KnowledgeBase.open(path) as kb:
        kb.search("基层党建", limit=1, related=True)  # load the segmenter and the index once
        for n, topic in enumerate(TOPICS):
            for kind in ("speech", "work_plan"):
                spec = DraftSpec(kind=kind, topic=(topic,), occasion=OCCASIONS[n % len(OCCASIONS)])
                times = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    result = draft(spec, kb)
                    times.append(time.perf_counter() - started)
                rows.append({"topic": topic, "kind": kind, "seconds": round(statistics.median(times), 3),
                             "length": result.length(), "parts": len(result.parts)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = ROOT / "bench" / "out" / f"draft-kb-{args.passages}"
    if args.rebuild and path.exists():
        import shutil
        shutil.rmtree(path)
    if not path.exists():
        print(json.dumps({"building": str(path), **build(path, args.passages)}, ensure_ascii=False))
    with KnowledgeBase.open(path) as kb:
        print(json.dumps({"knowledge_base": kb.stats()}, ensure_ascii=False))
    rows = run(path, args.repeats)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    print(f"\n{'topic':<8} {'kind':<10} {'seconds':>8} {'length':>7}")
    for row in rows:
        print(f"{row['topic']:<8} {row['kind']:<10} {row['seconds']:>8.3f} {row['length']:>7}")
    worst = max(r["seconds"] for r in rows)
    print(f"\nslowest draft: {worst:.3f} s (target: under 2 s)")


if __name__ == "__main__":
    main()
