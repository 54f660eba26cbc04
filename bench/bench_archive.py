"""Benchmark: ingest speed for an archive of old Word files (.doc) and PDFs.

Builds (once, cached under bench/out/archive/) N distinct documents by
recombining the sentences of the starter corpus (fixed seed), lays each out
with `bigan format`'s renderer (.docx), and has LibreOffice convert them to
.doc and to .pdf, one soffice start per format. Then it ingests the .doc
folder and the .pdf folder into fresh knowledge bases and prints the time per
file, plus what one .doc costs when read alone (`bigan outline 旧文件.doc`:
one LibreOffice start per file).

    python3 bench/bench_archive.py               # N = 200
    python3 bench/bench_archive.py --files 50 --rebuild
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.render import render  # noqa: E402
from kb import KnowledgeBase  # noqa: E402
from kb.office import convert, find_soffice  # noqa: E402
from kb.parse import load_document  # noqa: E402


def _sentences(text: str) -> list[str]:
    return re.findall(r"[^。！？]+[。！？]?", text)


def build(folder: Path, files: int, seed: int = 20261130) -> dict:
    """Write N .docx files and their .doc and .pdf conversions under ``folder``; return timings."""
    rng = random.Random(seed)
    base = [load_document(p) for p in sorted((ROOT / "speeches").rglob("*.md")) if p.name != "README.md"]
    pool = [s for d in base for s in _sentences("".join(p for sec in d.walk() for p in sec.paragraphs))]
    docx_dir = folder / "docx"
    docx_dir.mkdir(parents=True)
    for index in range(files):
        doc = base[index % len(base)]

        def shuffle(paragraph: str) -> str:
            return "".join(rng.choice(pool) for _ in range(max(1, len(_sentences(paragraph)))))

        def walk(section):
            return replace(section, paragraphs=tuple(shuffle(p) for p in section.paragraphs),
                           children=tuple(walk(c) for c in section.children))

        made = replace(doc, title=f"{doc.title}（{index + 1:03d}）", sections=tuple(walk(s) for s in doc.sections))
        render(made, docx_dir / f"{index + 1:03d}.docx")
    timings = {}
    sources = sorted(docx_dir.glob("*.docx"))
    for target in ("doc", "pdf"):
        start = time.perf_counter()
        results = convert(sources, target, folder / target, timeout=300)
        timings[f"convert_to_{target}_s"] = round(time.perf_counter() - start, 1)
        failed = [r for r in results if r.error is not None]
        if failed:
            raise SystemExit(f"conversion failed: {failed[0].error}")
    return timings


def _ingest(folder: Path) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="bigan-bench-kb-") as kb_dir:
        start = time.perf_counter()
        with KnowledgeBase.open(Path(kb_dir) / "kb") as kb:
            report = kb.ingest([folder])
        return time.perf_counter() - start, report.counts()


def _pages(folder: Path) -> int:
    return sum(len(re.findall(rb"/Type\s*/Page[^s]", p.read_bytes())) for p in folder.glob("*.pdf"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--single", type=int, default=5, help=".doc files read one at a time (outline)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    if find_soffice() is None:
        raise SystemExit("LibreOffice (soffice) is needed to make the .doc and .pdf files")
    folder = ROOT / "bench" / "out" / "archive" / str(args.files)
    meta_file = folder / "build.json"
    if args.rebuild and folder.exists():
        shutil.rmtree(folder)
    if not meta_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        meta_file.write_text(json.dumps(build(folder, args.files)))
    figures = {"files": args.files, **json.loads(meta_file.read_text())}

    for kind in ("doc", "pdf"):
        seconds, counts = _ingest(folder / kind)
        figures[f"ingest_{kind}_s"] = round(seconds, 1)
        figures[f"ingest_{kind}_ms_per_file"] = round(seconds * 1000 / args.files)
        figures[f"ingest_{kind}_counts"] = counts
    figures["pdf_pages"] = _pages(folder / "pdf")
    figures["ingest_pdf_ms_per_page"] = round(figures["ingest_pdf_s"] * 1000 / max(1, figures["pdf_pages"]))

    singles = sorted((folder / "doc").glob("*.doc"))[:args.single]
    start = time.perf_counter()
    for path in singles:
        load_document(path)
    figures["read_one_doc_alone_ms"] = round((time.perf_counter() - start) * 1000 / max(1, len(singles)))

    print(json.dumps(figures, ensure_ascii=False))
    print(f"{'what':<40} {'figure':>12}")
    for label, value in [
        ("ingest 200 .doc: total", f"{figures['ingest_doc_s']} s"),
        ("ingest .doc: per file", f"{figures['ingest_doc_ms_per_file']} ms"),
        ("ingest .pdf: total", f"{figures['ingest_pdf_s']} s"),
        ("ingest .pdf: per file", f"{figures['ingest_pdf_ms_per_file']} ms"),
        ("ingest .pdf: per page", f"{figures['ingest_pdf_ms_per_page']} ms"),
        ("one .doc read alone (outline)", f"{figures['read_one_doc_alone_ms']} ms"),
    ]:
        print(f"{label.replace('200', str(args.files)):<40} {value:>12}")


if __name__ == "__main__":
    main()
