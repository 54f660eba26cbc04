"""Benchmark the knowledge base: ingest speed, index size, query latency, exact recall.

Builds a corpus of N passages by recombining sentences of the starter material
in speeches/ with a fixed seed, writes it as .txt documents, ingests them end
to end (read, clean, structure, analysis, commit), then times exact, ranked,
unranked, count, topic and filtered queries against a plain in-memory
substring scan. Prints one JSON line per figure set and a table.

    python3 bench/bench_search.py                 # N = 20,000 and 100,000
    python3 bench/bench_search.py --sizes 5000
    python3 bench/bench_search.py --sizes 100000 --workdir /tmp/bench   # second run reuses the index
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.knowledge_base import KnowledgeBase  # noqa: E402

SEED = 20240601
PARAGRAPHS_PER_SECTION = 4
SECTIONS_PER_DOC = 4
NUMERALS = "一二三四五六七八九十"
#: Common words, timed as exact queries too: most passages hold them, the worst case of ranking.
COMMON = ["工作", "发展", "建设", "推进", "加强", "我们", "要求", "全面", "群众", "坚持"]
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]")


def starter_sentences() -> list[str]:
    """Return the sentences of the starter corpus (or generated ones when it is nearly empty)."""
    sentences = []
    for path in sorted((ROOT / "speeches").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\A---.*?---", "", text, flags=re.S)
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            sentences.extend(s for s in _SENTENCE.findall(line) if 8 <= len(s) <= 120)
    if len(sentences) >= 300:
        return sentences
    rng = random.Random(SEED)
    words = ["基层治理", "网格化管理", "党建引领", "村（社区）", "“1+4”工作机制", "为民服务",
             "安全生产", "乡村振兴", "营商环境", "民生实事", "作风建设", "GB/T 9704", "三社联动"]
    verbs = ["推进", "深化", "落实", "完善", "强化", "健全", "优化"]
    return [f"{rng.choice(verbs)}{rng.choice(words)}，{rng.choice(verbs)}{rng.choice(words)}"
            f"和{rng.choice(words)}，确保各项工作取得实效。" for _ in range(2000)]


def build_corpus(folder: Path, n_passages: int, sentences: list[str]) -> int:
    """Write documents holding about ``n_passages`` passages; return the number of files."""
    rng = random.Random(SEED)
    per_doc = 1 + SECTIONS_PER_DOC * (1 + PARAGRAPHS_PER_SECTION)
    n_docs = max(1, n_passages // per_doc)
    types = ["讲话", "方案", "通知", "报告"]
    for d in range(n_docs):
        lines = [f"关于{rng.choice(sentences)[:8]}的{rng.choice(types)}（第{d}号）", ""]
        for s in range(SECTIONS_PER_DOC):
            lines += [f"{NUMERALS[s]}、{rng.choice(sentences)[:14].rstrip('，。；！？')}", ""]
            for _ in range(PARAGRAPHS_PER_SECTION):
                paragraph = ""
                while len(paragraph) < 110:
                    paragraph += rng.choice(sentences)
                lines += [paragraph, ""]
        sub = folder / f"{d // 500:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{d:06d}.txt").write_text("\n".join(lines), encoding="utf-8")
    return n_docs


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, result


def sample_queries(texts: list[str], rng: random.Random, n: int, punctuated: bool) -> list[str]:
    """Return ``n`` exact phrases of 2–10 characters cut from the passages."""
    out = []
    while len(out) < n:
        text = rng.choice(texts)
        length = rng.randint(2, 10)
        if len(text) <= length:
            continue
        start = rng.randrange(0, len(text) - length)
        phrase = text[start:start + length]
        has_punct = any(not ch.isalnum() for ch in phrase)
        if " " in phrase or '"' in phrase or phrase.startswith("-") or has_punct != punctuated:
            continue
        out.append(phrase)
    return out


def cpu_seconds() -> float:
    """Return the user+sys CPU time of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_size(n: int, sentences: list[str], workdir: Path, batch: int | None = None) -> dict:
    corpus = workdir / f"corpus-{n}"
    kb_path = workdir / f"kb-{n}"
    reused = kb_path.is_dir()
    if reused:
        # --workdir with a knowledge base built by an earlier run: time the queries only.
        n_docs, failed, ingest_s, ingest_cpu = None, None, None, None
        with KnowledgeBase.open(kb_path) as kb:
            stats = kb.stats()
    else:
        corpus.mkdir()
        n_docs = build_corpus(corpus, n, sentences)
        start, cpu = time.perf_counter(), cpu_seconds()
        with KnowledgeBase.open(kb_path, batch_size=batch) as kb:
            report = kb.ingest([corpus])
            ingest_s = time.perf_counter() - start
            ingest_cpu = cpu_seconds() - cpu
            stats = kb.stats()
        failed = len(report.failed)
    rss_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                 resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024

    # First query in a fresh process: open the knowledge base, load jieba, answer. Twice:
    # a typical 提法 and the commonest word of the corpus (the worst case: every passage).
    def first_query(query: str) -> float:
        probe = ("import sys,time;t=time.perf_counter();sys.path.insert(0,%r);"
                 "from kb.knowledge_base import KnowledgeBase;kb=KnowledgeBase.open(%r);"
                 "kb.search(%r);print(time.perf_counter()-t)") % (str(ROOT), str(kb_path), query)
        return float(subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                    text=True, check=True).stdout)

    first_query_s = first_query("一岗双责")
    first_common_s = first_query("工作")

    kb = KnowledgeBase.open(kb_path)
    texts, keys = [], []
    for info in kb.documents():
        for passage in kb.passages(info.doc_id):
            texts.append(passage.text)
            keys.append((passage.doc_id, passage.ordinal))
    # The scan's 100,000 strings are the benchmark's, not the system's: keep Python's
    # garbage collector from walking them during every timed query.
    gc.collect()
    gc.freeze()
    rng = random.Random(SEED + n)
    exact_sets = {"plain": sample_queries(texts, rng, 150, False),
                  "punctuated": sample_queries(texts, rng, 60, True), "common": COMMON}
    figures = {"n_passages": len(texts), "documents": n_docs or len(kb.documents()),
               "characters": stats["characters"], "failed": failed,
               "ingest_s": round(ingest_s, 1) if ingest_s else None,
               "ingest_chars_per_s": round(stats["characters"] / ingest_s) if ingest_s else None,
               "ingest_passages_per_s": round(len(texts) / ingest_s) if ingest_s else None,
               "ingest_cpu_s": round(ingest_cpu, 1) if ingest_cpu else None,
               "load_average": round(os.getloadavg()[0], 1),
               "index_mb": round(stats["index_bytes"] / 1e6, 1), "peak_rss_mb": round(rss_mb),
               "segments": len(kb._searcher_now()._leaves),
               "open_and_first_query_s": round(first_query_s, 2),
               "open_and_first_query_commonest_word_s": round(first_common_s, 2)}
    kb.search("预热")  # the first query pays for jieba's dictionary: not a per-query cost

    scan_ms, ranked_ms, unranked_ms, count_ms, common_ms = [], [], [], [], []
    query_cpu = cpu_seconds()
    for name, queries in exact_sets.items():
        found = expected = 0
        for q in queries:
            ms, matches = timed(lambda: [t for t in texts if q in t])
            scan_ms.append(ms)
            truth = {keys[i] for i, t in enumerate(texts) if q in t}
            ms, hits = timed(kb.search, q, limit=10)
            ranked_ms.append(ms)
            if name == "common":
                common_ms.append(ms)
            ms, _ = timed(kb.search, q, limit=10, sort="date")
            unranked_ms.append(ms)
            ms, count = timed(kb.count, q)
            count_ms.append(ms)
            everything = kb.search(q, limit=None, sort="date")
            got = {(h.doc_id, h.ordinal) for h in everything}
            found += len(got & truth)
            expected += len(truth)
            assert count == len(got) and len(matches) == len(truth) and got <= truth
        figures[f"recall_{name}"] = round(found / expected, 4) if expected else 1.0
    topic_ms, filtered_ms = [], []
    for q in exact_sets["plain"][:50]:
        ms, _ = timed(kb.search, q, related=True, limit=10)
        topic_ms.append(ms)
        ms, _ = timed(kb.search, q, limit=10, role="body", date_from="2000")
        filtered_ms.append(ms)
    kb.close()
    gc.unfreeze()
    figures["query_cpu_s"] = round(cpu_seconds() - query_cpu, 1)
    for name, values in (("scan", scan_ms), ("ranked", ranked_ms), ("unranked", unranked_ms),
                         ("count", count_ms), ("topic", topic_ms), ("filtered", filtered_ms),
                         ("ranked_common", common_ms)):
        figures[f"{name}_p50_ms"] = round(statistics.median(values), 2)
        figures[f"{name}_p95_ms"] = round(percentile(values, 0.95), 2)
    figures["queries"] = len(scan_ms) + len(topic_ms) + len(filtered_ms)
    figures["ranked_p95_over_scan_p50"] = round(figures["ranked_p95_ms"] / figures["scan_p50_ms"], 2)
    figures["load_average_after"] = round(os.getloadavg()[0], 1)
    shutil.rmtree(corpus, ignore_errors=True)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000", help="passage counts, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--workdir", type=Path,
                        help="work folder to use and keep; a knowledge base an earlier run left "
                             "there is reused (queries timed, ingest not)")
    parser.add_argument("--batch", type=int, default=None,
                        help="documents per ingest commit, fixed (default: the library's, growing within an ingest)")
    args = parser.parse_args(argv)
    sentences = starter_sentences()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir, args.keep = args.workdir, True
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bigan-bench-"))
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
            figures = run_size(n, sentences, workdir, args.batch)
            print(json.dumps(figures, ensure_ascii=False), flush=True)
            rows.append(figures)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    names = list(rows[0]) if rows else []
    print()
    print(f"{'figure':<26}" + "".join(f"{r['n_passages']:>14,}" for r in rows))
    for name in names:
        print(f"{name:<26}" + "".join(f"{str(r[name]):>14}" for r in rows))


if __name__ == "__main__":
    main()
