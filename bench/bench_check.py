"""Print the quality figures of `bigan check` and `bigan phrases` (issue 15).

    python3 bench/bench_check.py

check: findings on the five clean official texts of tests/data/check/official/ (against a
small library knowing 十八大 and 二十大), and the planted mistakes of
tests/data/check/planted/ caught, by rule. phrases: on speeches/ plus ../shared/corpus/real
(when present), how many phrases of each kind, whether any junk of issue 15 is left, and a
seeded sample of 50 to judge by hand.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.model import Passage  # noqa: E402
from kb.phrases import PhraseLibrary  # noqa: E402
from kb.proofread import check_file  # noqa: E402

DATA = ROOT / "tests" / "data" / "check"
REAL = ROOT.parent / "shared" / "corpus" / "real"
if not REAL.is_dir():
    REAL = Path("/work/shared/corpus/real")
JUNK = ("四大发明", "十大考古", "六连冠", "两个10亿元", "一阵风", "一刀切",
        "应急", "人民", "传道", "面子", "马拉松", "阶下囚")


def _library() -> PhraseLibrary:
    texts = ["深入学习贯彻党的十八大、十九大和二十大精神，增强“四个意识”。",
             "党的十八大以来，特别是党的二十大以来，我们推进“三社联动”。",
             "全面贯彻党的二十大精神，总结党的十八大以来的经验，深化“三社联动”。",
             "党的十八大、党的二十大作出部署，健全“三社联动”机制。"]
    return PhraseLibrary.build(Passage(f"d{i}", 0, text, "body") for i, text in enumerate(texts))


def check_figures() -> None:
    library = _library()
    print("check — clean official texts (错误 / 疑似 / 提示):")
    for path in sorted((DATA / "official").glob("*.txt")):
        levels = Counter(f.level for f in check_file(path, library=library))
        print(f"  {path.name:24} {levels['错误']} / {levels['疑似']} / {levels['提示']}")
    table = [line.split("\t") for line in (DATA / "planted" / "planted.tsv").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    text = (DATA / "planted" / "planted.txt").read_text(encoding="utf-8").splitlines()
    findings = check_file(DATA / "planted" / "planted.txt", library=library)
    caught: Counter = Counter()
    total: Counter = Counter()
    for _, planted, rule in table:
        total[rule] += 1
        if any(f.rule == rule and planted in text[f.line - 1]
               and text[f.line - 1].find(planted) <= f.column - 1 < text[f.line - 1].find(planted) + len(planted)
               for f in findings):
            caught[rule] += 1
    print(f"check — planted mistakes caught: {sum(caught.values())}/{len(table)}")
    for rule in total:
        print(f"  {rule:8} {caught[rule]}/{total[rule]}")
    twin = Counter(f.level for f in check_file(DATA / "planted" / "clean.txt", library=library))
    print(f"check — clean twin: 错误 {twin['错误']}, 疑似 {twin['疑似']}, 提示 {twin['提示']}")


def phrase_figures() -> None:
    if not REAL.is_dir():
        print("phrases — ../shared/corpus/real is absent: skipped")
        return
    from kb.parse import load_document
    from kb.passages import document_passages
    from kb.readers import SUFFIXES

    passages = []
    for root in (ROOT / "speeches", REAL):
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in SUFFIXES and path.name != "README.md":
                passages += document_passages(load_document(path), str(path))
    rows = PhraseLibrary.build(passages).query()
    kinds = Counter(p.kind for p in rows)
    print(f"phrases — speeches/ + real: {len(rows)} phrases: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    print(f"phrases — junk of issue 15 left: {[p.text for p in rows if p.text in JUNK] or 'none'}")
    print("phrases — sample of 50 (seed 1515) to judge by hand:")
    for number, phrase in enumerate(random.Random(1515).sample(rows, min(50, len(rows))), 1):
        print(f"  {number:2} {phrase.kind:9} {phrase.count:3} {phrase.text[:50]}")


if __name__ == "__main__":
    check_figures()
    phrase_figures()
