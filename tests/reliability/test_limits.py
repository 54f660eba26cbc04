"""Limits: size options, a zip bomb in bounded memory, 10,000 files in bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.knowledge_base import DEFAULT_MAX_DOCX_EXPANDED, DEFAULT_MAX_FILE_BYTES, KnowledgeBase

sys.path.insert(0, str(Path(__file__).parent))
from badfiles import body, bomb_docx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _peak_rss_growth(script: str) -> dict:
    """Run ``script`` in a fresh interpreter; return its JSON output plus the peak RSS growth in MB."""
    wrapped = textwrap.dedent(f"""
        import json, resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        import kb.knowledge_base, kb.parse, kb.analysis, kb.readers.docx  # imports are not growth
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = {{}}
    """) + textwrap.dedent(script) + textwrap.dedent("""
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result["growth_mb"] = (after - before) / 1024
        print(json.dumps(result, ensure_ascii=False))
    """)
    done = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_defaults_are_sensible():
    assert DEFAULT_MAX_FILE_BYTES == 50_000_000 and DEFAULT_MAX_DOCX_EXPANDED == 200_000_000


def test_size_options_reach_the_readers(tmp_path):
    folder = tmp_path / "材料"
    folder.mkdir()
    (folder / "小.txt").write_text(body("小文件测验"), encoding="utf-8")
    (folder / "大.txt").write_text(body("大文件测验") + "补充说明。" * 2000, encoding="utf-8")
    (folder / "膨胀.docx").write_bytes(bomb_docx(3_000_000))
    runner = CliRunner()
    result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(folder),
                                 "--max-size", "20KB", "--max-expanded", "1MB"])
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("失败：")]
    assert len(failed) == 2
    assert any("大.txt：文件太大" in line and "20 KB" in line for line in failed)
    assert any("膨胀.docx：Word 文档解压后有" in line and "1 MB 的上限" in line for line in failed)
    bad = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(folder), "--max-size", "很大"])
    assert bad.exit_code == 2 and "50MB" in bad.stderr
    with KnowledgeBase.open(tmp_path / "kb2", max_file_bytes=10**9, max_docx_expanded=10_000_000) as base:
        report = base.ingest([folder])
    assert report.counts()["added"] == 3 and not report.failed


def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path):
    bomb = tmp_path / "炸弹.docx"
    bomb.write_bytes(bomb_docx(400_000_000))  # 400 MB of XML in about 600 KB
    assert bomb.stat().st_size < 1_000_000
    result = _peak_rss_growth(f"""
        from kb.errors import ReadError
        from kb.parse import load_document
        try:
            load_document({str(bomb)!r})
        except ReadError as error:
            result["message"] = str(error)
    """)
    assert "炸弹.docx：Word 文档解压后有 399.6 MB，超过 200 MB 的上限" in result["message"]
    assert result["growth_mb"] < 30, result
    print(f"zip bomb: peak RSS growth {result['growth_mb']:.1f} MB")


@pytest.mark.slow  # about 30 s; still part of the CI run
def test_ten_thousand_files_in_bounded_memory(tmp_path):
    folder = tmp_path / "万篇"
    for i in range(10_000):
        sub = folder / f"{i // 500:02d}"
        if i % 500 == 0:
            sub.mkdir(parents=True)
        (sub / f"{i:05d}.txt").write_text(f"第{i}号\n\n编号{i:05d}的材料推进网格。\n", encoding="utf-8")
    result = _peak_rss_growth(f"""
        from kb.knowledge_base import KnowledgeBase
        with KnowledgeBase.open({str(tmp_path / 'kb')!r}) as base:
            report = base.ingest([{str(folder)!r}])
            result["added"] = report.counts()["added"]
            result["found"] = base.count("推进网格")
    """)
    assert result["added"] == 10_000 and result["found"] == 10_000
    # Streamed and committed in batches of 500: memory does not grow with the folder.
    assert result["growth_mb"] < 250, result
    print(f"10,000 files: peak RSS growth {result['growth_mb']:.0f} MB")
