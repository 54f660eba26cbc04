"""Audit drafts as a writer would read them: count defects per category (prints figures, not a test).

Builds a library from speeches/ plus ../shared/corpus/real (when present),
generates drafts for every occasion, both plan templates, topics the starter
corpus barely covers and one topic without material, and counts:

  count     an announced number (讲三点 / 以下六个方面) disagrees with what follows
  unit      a self-reference (我区 / 全县 / 区委) of another level than --unit
  leftover  × left although unit and date were given
  series    point series of mixed families, with gaps, or more than 7 points
  repeat    a sentence twice, or two paragraphs / points saying the same thing
  stale     targets, reviews or steps dated before the draft's year; superseded formulations
  season    a season word contradicting the date
  occasion  borrowed sentences bound to another meeting, or in a central / State Council voice
  drift     a level-1 part without any topic term
  thin      a topic without material that is not marked 【待补充】 and announced

and, per speech, the spread of level-1 heading lengths and whether they share one shape.

    python bench/audit_drafts.py [--kb FOLDER] [--show N]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import KnowledgeBase  # noqa: E402
from kb.annotate import (RANK, announced_counts, self_references, title_unit_level, content_grams, foreign_unit_refs, foreign_voice,  # noqa: E402
                         meeting_bound,
                         point_lead, same_point, season_conflicts,
                         series_problems, sentences, stale_years, superseded)

import generator  # noqa: E402
from generator import DraftSpec  # noqa: E402

def _compares(text: str, ref) -> bool:
    """Return True where 全市 in a district's text is the city around it (在全市率先, 全市大局)."""
    return bool(re.match(r"(?:大局|率先|前列|第|排名|位次|范围|层面)", text[ref.end:ref.end + 4])
                or re.search(r"(?:在|为|占|居|列)$", text[max(ref.start - 1, 0):ref.start]))


CATEGORIES = ("count", "unit", "leftover", "series", "repeat", "stale", "season", "occasion",
              "drift", "thin")
NO_MATERIAL = "古树名木保护"

SPECS = [
    DraftSpec(kind="speech", occasion="动员部署会", topic=("安全生产",), unit="江州市", date="2026-02-18"),
    DraftSpec(kind="speech", occasion="推进会", topic=("基层治理",), unit="南湖区", date="2026-07-09"),
    DraftSpec(kind="speech", occasion="座谈会", topic=("营商环境",), unit="江州市", date="2026-03-18"),
    DraftSpec(kind="speech", occasion="总结表彰会", topic=("乡村振兴",), unit="青山县", date="2026-01-20"),
    DraftSpec(kind="speech", occasion="工作会议", topic=("科技创新",), unit="江州市", date="2026-02-26"),
    DraftSpec(kind="speech", occasion="专题党课", topic=("作风建设",), unit="江州市", date="2026-06-28"),
    DraftSpec(kind="speech", occasion="动员部署会", topic=("全面从严治党",), unit="江州市", date="2026-02-18"),
    DraftSpec(kind="speech", occasion="座谈会", topic=("信访工作",), unit="江州市", date="2026-09-10"),
    DraftSpec(kind="speech", occasion="工作会议", topic=("网络安全",), unit="南湖区", date="2026-04-15"),
    DraftSpec(kind="speech", occasion="动员部署会", topic=(NO_MATERIAL,), unit="江州市", date="2026-03-12"),
    DraftSpec(kind="work_plan", template="工作方案", topic=("营商环境",), unit="江州市", date="2026-03-01"),
    DraftSpec(kind="work_plan", template="实施方案", topic=("乡村振兴",), unit="青山县", date="2026-04-01"),
    DraftSpec(kind="work_plan", template="工作方案", topic=("粮食安全",), unit="江州市", date="2026-05-06"),
]


def topic_terms(topic: tuple[str, ...]) -> list[str]:
    """Return the topic as given plus its curated related terms (the generator's table, when shipped)."""
    terms = list(topic)
    table = ROOT / "generator" / "topics.toml"
    if table.is_file():
        data = tomllib.loads(table.read_text(encoding="utf-8"))
        for word in topic:
            terms += [w for w in data.get(word, {}).get("related", []) if w not in word]
    return terms


def _nodes(part):
    yield part
    for child in part.children:
        yield from _nodes(child)


def _text(part) -> str:
    return part.heading + "".join(p.text for p in part.own_paragraphs()) + "".join(
        _text(c) for c in part.children)


def audit(draft, spec) -> dict[str, list[str]]:
    """Return defect category → what was found, for one draft."""
    found = {c: [] for c in CATEGORIES}
    level = {"区": "区", "县": "县", "镇": "乡镇", "乡": "乡镇", "省": "省"}.get((spec.unit or "市")[-1], "市")
    year, month = int(spec.date[:4]), int(spec.date[5:7])
    paragraphs = list(draft.paragraphs())
    texts = [draft.title] + [p.text for p in paragraphs] + [n.heading for part in draft.parts
                                                             for n in _nodes(part)]
    # count: the transition vs the parts; a part's own paragraphs vs its children or points
    for p in draft.opening:
        for a in announced_counts(p.text):
            if a.count != len(draft.parts):
                found["count"].append(f"{a.text}，实有 {len(draft.parts)} 部分")
    for part in draft.parts:
        for node in _nodes(part):
            own = [p.text for p in node.paragraphs]
            for i, text in enumerate(own):
                for a in announced_counts(text):
                    if node.children:
                        n = len(node.children)
                    else:
                        n = sum(1 for t in own[i + 1:] if point_lead(t)) or sum(
                            1 for s in sentences(text[a.start:]) if point_lead(s.lstrip()))
                    if n and a.count != n:
                        found["count"].append(f"{a.text}，实有 {n} 点（{node.heading[:12]}）")
    # unit / leftover / stale / season
    for text in texts:
        for ref in foreign_unit_refs(text, level):
            found["unit"].append(ref.text)
    # a higher unit's own words left in a lower unit's draft (对全市网格… in a district speech)
    for p in paragraphs:
        source = title_unit_level(p.source.title or "") if p.source else None
        if source in RANK and level in RANK and RANK[source] > RANK[level] and source not in ("中央", "国务院"):
            found["unit"].extend(r.text for r in self_references(p.text)
                                 if r.level == source and r.kind in ("own", "org") and r.text[0] != "全"
                                 or r.level == source and r.text[0] == "全" and not _compares(p.text, r))
        if "×" in text:
            found["leftover"].extend(re.findall(r".{0,4}×.{0,4}", text))
        found["stale"].extend(w for _, w in stale_years(text, year))
        found["stale"].extend(w for _, w, _ in superseded(text, spec.date))
        found["season"].extend(w for _, w in season_conflicts(text, month))
    # series: run-in leads among a node's children and within its paragraphs
    for part in draft.parts:
        for node in _nodes(part):
            leads = [point_lead(c.marker + c.heading) for c in node.children if c.kind == "point"]
            leads = [x for x in leads if x]
            if leads:
                found["series"].extend(series_problems(leads))
            if node.kind == "point" or leads:
                for p in node.paragraphs[1:] if node.kind == "point" else node.paragraphs:
                    if point_lead(p.text):
                        found["series"].append(f"列表中另起序号：{p.text[:8]}")
            for p in node.own_paragraphs():
                inline = [point_lead(s.lstrip()) for s in sentences(p.text)]
                inline = [x for x in inline if x]
                if len(inline) > 1:
                    found["series"].extend(series_problems(inline))
    # repeat: a sentence twice; paragraphs / points saying the same thing
    seen: dict[str, int] = {}
    for p in paragraphs:
        for s in sentences(p.text):
            if len(s) >= 12:
                seen[s] = seen.get(s, 0) + 1
    found["repeat"].extend(s[:20] for s, n in seen.items() if n > 1)
    bodies = [p.text for p in paragraphs if p.source is not None and len(content_grams(p.text)) >= 12]
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            if bodies[i] != bodies[j] and same_point(bodies[i], bodies[j]):
                found["repeat"].append(f"{bodies[i][:12]}≈{bodies[j][:12]}")
    for part in draft.parts:
        for node in _nodes(part):
            points = [c.heading for c in node.children if c.kind == "point" and len(c.heading) >= 4]
            for i in range(len(points)):
                for j in range(i + 1, len(points)):
                    if same_point(points[i] + "。", points[j] + "。") and points[i] != points[j]:
                        found["repeat"].append(f"{points[i][:12]}≈{points[j][:12]}")
    # occasion: borrowed sentences of another meeting, or in another voice
    for p in paragraphs:
        if p.source is None:
            continue
        found["occasion"].extend(b.sentence[:20] for b in meeting_bound(p.text))
        found["occasion"].extend(s[:20] for s in foreign_voice(p.text))
    # drift: level-1 part without any topic term (an honest 【待补充】 part is not drift)
    terms = topic_terms(spec.topic)
    for part in draft.parts:
        text = _text(part)
        if "【待补充" in text:
            continue
        if not any(t in text for t in terms):
            found["drift"].append(part.heading[:16])
    # thin: the topic without material must be marked and announced
    if NO_MATERIAL in spec.topic:
        for part in draft.parts:
            if "【待补充" not in _text(part):
                found["thin"].append(f"未标【待补充】：{part.heading[:12]}")
        if not getattr(draft, "shortfalls", ()):
            found["thin"].append("未提示素材不足")
    return found


def heading_shape(heading: str) -> str:
    """Return a heading's shape: the lengths of its comma-separated clauses, first clause exact."""
    clauses = re.split(r"[，,]", heading)
    if len(clauses) == 1:
        return "single"
    return f"{len(clauses[0])}+{len(clauses) - 1}"


def build_library(folder: Path) -> KnowledgeBase:
    kb = KnowledgeBase.open(folder)
    if kb.documents():
        return kb
    sources = [ROOT / "speeches"]
    real = (ROOT / ".." / "shared" / "corpus" / "real").resolve()
    if not real.is_dir():
        real = Path("/work/shared/corpus/real")
    if real.is_dir():
        sources.append(real)
        print(f"素材库：speeches/ 和 {real}")
    else:
        print("素材库：只有 speeches/（没有找到 ../shared/corpus/real，跳过真实文档部分）")
    report = kb.ingest(sources)
    print(report.summary())
    return kb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", help="a library folder to reuse (built when empty)")
    parser.add_argument("--show", type=int, default=0, help="print the first N drafts as Markdown")
    args = parser.parse_args()
    folder = Path(args.kb) if args.kb else Path(tempfile.mkdtemp(prefix="bigan-audit-"))
    kb = build_library(folder)
    totals = {c: 0 for c in CATEGORIES}
    rows = []
    try:
        for n, spec in enumerate(SPECS):
            result = generator.draft(spec, kb)
            found = audit(result, spec)
            for c in CATEGORIES:
                totals[c] += len(found[c])
            headings = [p.heading for p in result.parts]
            lengths = [len(h) for h in headings]
            shapes = {heading_shape(h) for h in headings}
            parallel = result.kind == "speech" and len(shapes) == 1 and max(lengths) - min(lengths) <= 6
            rows.append((spec, result, found, lengths, parallel))
            if n < args.show:
                from generator.render.markdown import render_markdown
                print(render_markdown(result.to_document()))
    finally:
        kb.close()
    print()
    print("稿子\t" + "\t".join(CATEGORIES) + "\t标题长度\t平行\t待补充部分/字数")
    for spec, result, found, lengths, parallel in rows:
        name = f"{spec.template or spec.occasion}·{'、'.join(spec.topic)}"
        spread = f"{min(lengths)}–{max(lengths)}" if lengths else "-"
        shape = ("是" if parallel else "否") if result.kind == "speech" else "-"
        todo = sum("【待补充：关于" in _text(p) for p in result.parts)
        print(name + "\t" + "\t".join(str(len(found[c])) for c in CATEGORIES)
              + f"\t{spread}\t{shape}\t{todo}/{len(result.parts)}·{result.length()}")
        for c in CATEGORIES:
            if found[c]:
                print(f"    {c}: " + "；".join(found[c][:4]))
    print("合计\t" + "\t".join(str(totals[c]) for c in CATEGORIES))
    speeches = [r for r in rows if r[1].kind == "speech"]
    print(f"讲话稿标题平行：{sum(1 for r in speeches if r[4])}/{len(speeches)}")


if __name__ == "__main__":
    main()
