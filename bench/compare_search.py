"""Print every answer of a fixed set of searches, to compare two versions of the code.

Builds a library of the starter corpus and the test corpus with the code under
--code (this checkout by default), then runs 170 queries (sampled phrases,
common words, several terms, exclusions) under 8 filter sets, both sorts and
topic search, and writes each answer (every field of every hit, scores
included) as one JSON line. Two runs give identical files when the change kept
the results:

    python3 bench/compare_search.py --code /tmp/old-checkout --out old.jsonl
    python3 bench/compare_search.py --out new.jsonl && cmp old.jsonl new.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 170
FIXED = ["工作", "基层治理", "同志们", "一岗双责", "安全生产 -会议", "基层 网格", "“1+4”", "村（社区）",
         "。我们", "乡村振兴 作风", "GB/T", "的", "要", "科技创新", "营商环境 -招商", "各位",
         "2024年", "第一条", "谢谢大家", "全面"]
FILTERS = [{}, {"doc_type": "speech"}, {"role": "body"}, {"headings": True}, {"level": 1},
           {"date_from": "2023"}, {"date_to": "2022-06"}, {"source": "speeches"}]


def queries(texts: list[str]) -> list[str]:
    rng = random.Random(SEED)
    out = list(FIXED)
    while len(out) < 170:
        text = rng.choice(texts)
        length = rng.randint(2, 10)
        if len(text) <= length:
            continue
        start = rng.randrange(0, len(text) - length)
        phrase = text[start:start + length]
        if " " in phrase or '"' in phrase or phrase.startswith("-") or phrase in out:
            continue
        out.append(phrase)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose kb/ to run")
    parser.add_argument("--kb", type=Path, help="library folder (built when missing)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code))
    from kb.errors import QueryError
    from kb.knowledge_base import KnowledgeBase

    path = args.kb or Path(tempfile.mkdtemp(prefix="compare-")) / "kb"
    base = KnowledgeBase.open(path)
    if not base.documents():
        base.ingest([ROOT / "speeches", ROOT / "tests" / "data" / "kb" / "corpus"])
    texts = [p.text for info in base.documents() for p in base.passages(info.doc_id)]
    n = 0
    with args.out.open("w", encoding="utf-8") as out:
        for query in queries(texts):
            for filters in FILTERS:
                for options in ({"limit": 10}, {"limit": None, "sort": "date"},
                                {"limit": 10, "related": True}, {"limit": None, "related": True, "sort": "date"}):
                    try:
                        hits = [h.to_json() for h in base.search(query, **options, **filters)]
                        count = base.count(query, related=options.get("related", False), **filters)
                    except QueryError as error:
                        hits, count = str(error), None
                    out.write(json.dumps([query, filters, options, count, hits], ensure_ascii=False) + "\n")
                    n += 1
    base.close()
    print(f"{n} answers to {args.out} (code: {Path(sys.modules['kb'].__file__).parent})")


if __name__ == "__main__":
    main()
