"""Faults: a killed ingest, two writers, readers during a write, a damaged index, a full disk."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
FILES = 30
BATCH = 3


def _corpus(folder: Path, n: int = FILES, prefix: str = "批量") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}{i:02d}.txt").write_text(
            f"第{i}号{prefix}材料\n\n同志们：\n\n一、第{i}项任务\n\n"
            f"要抓好{prefix}标记{i:02d}号工作，推进网格化管理。\n", encoding="utf-8")
    return folder


_CHILD = """
import sys
sys.path.insert(0, {root!r})
from kb.knowledge_base import KnowledgeBase
commit = KnowledgeBase._commit
def reporting_commit(self, batch, records, committed):
    commit(self, batch, records, committed)
    print("commit", len(committed), flush=True)
KnowledgeBase._commit = reporting_commit
with KnowledgeBase.open({kb!r}, batch_size={batch}) as kb:
    kb.ingest([{corpus!r}], progress=lambda source: print("file", flush=True))
print("done", flush=True)
"""


def _assert_consistent(path: Path, *, at_least: int, at_most: int) -> int:
    """Return the number of committed documents after checking they are exactly what search sees."""
    with KnowledgeBase.open(path) as base:
        infos = base.documents()
        n = len(infos)
        assert at_least <= n <= at_most and n % BATCH == 0, (n, at_least, at_most)
        # Every committed document is stored, whole, and found; nothing uncommitted is found.
        for info in infos:
            assert len(base.passages(info.doc_id)) == info.passages
        held = {Path(i.source).stem for i in infos}
        for i in range(FILES):
            expected = 1 if f"批量{i:02d}" in held else 0
            assert base.count(f"批量标记{i:02d}号") == expected, (i, held)
        assert base.count("推进网格化管理") == n
    return n


def test_sigkill_at_random_points_never_loses_or_duplicates(tmp_path):
    corpus = _corpus(tmp_path / "材料")
    rng = random.Random(20260)
    survived = 0
    runs = 20
    for run in range(runs):
        path = tmp_path / f"kb{run}"
        script = _CHILD.format(root=str(ROOT), kb=str(path), batch=BATCH, corpus=str(corpus))
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        target = rng.randrange(0, FILES)
        committed, seen = 0, 0
        while seen < target:
            line = child.stdout.readline()
            if not line or line == "done\n":
                break
            if line.startswith("commit"):
                committed = int(line.split()[1])
            else:
                seen += 1
        time.sleep(rng.random() * 0.05)  # land inside a parse, a save or a commit
        child.send_signal(signal.SIGKILL)
        child.wait()
        # Lines printed before the kill and not yet read: the last reported commit.
        for line in child.stdout.read().splitlines():
            if line.startswith("commit"):
                committed = int(line.split()[1])
        child.stdout.close()
        n = _assert_consistent(path, at_least=committed, at_most=min(FILES, committed + BATCH))
        # Re-running completes the batch with nothing duplicated.
        with KnowledgeBase.open(path) as base:
            report = base.ingest([corpus])
            assert report.counts() == {"added": FILES - n, "updated": 0, "unchanged": n,
                                       "duplicates": 0, "failed": 0}
        assert _assert_consistent(path, at_least=FILES, at_most=FILES) == FILES
        assert len(list((path / "documents").glob("*.json"))) == FILES
        survived += 1
    assert survived == runs


def _cli_process(kb: Path, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "bigan.cli", "--kb", str(kb), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)


def test_two_ingests_at_once_both_land_or_one_gets_the_lock_message(tmp_path):
    first = _corpus(tmp_path / "甲", 40, "甲组")
    second = _corpus(tmp_path / "乙", 40, "乙组")
    kb = tmp_path / "kb"
    KnowledgeBase.open(kb).close()
    a, b = _cli_process(kb, "ingest", str(first)), _cli_process(kb, "ingest", str(second))
    outcomes = []
    for child in (a, b):
        out, err = child.communicate(timeout=120)
        text = err.decode("utf-8")
        assert "Traceback" not in text
        outcomes.append((child.returncode, text))
        if child.returncode:
            assert "锁文件" in text and len(text.strip().splitlines()) == 1, text
    landed = [code == 0 for code, _ in outcomes]
    assert any(landed)
    with KnowledgeBase.open(kb) as base:
        assert base.count("甲组标记") == (40 if landed[0] else 0)
        assert base.count("乙组标记") == (40 if landed[1] else 0)
        assert len(base.documents()) == 40 * sum(landed)


def test_searches_keep_working_during_an_ingest(tmp_path):
    kb = tmp_path / "kb"
    with KnowledgeBase.open(kb) as base:
        base.ingest([_corpus(tmp_path / "旧", 10, "旧批")])
    writer = _cli_process(kb, "ingest", str(_corpus(tmp_path / "新", 60, "新批")))
    counts, errors = [], []

    def read():
        with KnowledgeBase.open(kb) as reader:
            while writer.poll() is None:
                try:
                    counts.append((reader.count("旧批标记"), reader.count("新批标记")))
                except BaseException as error:  # the test records any failure of a reader
                    errors.append(error)
                    return

    thread = threading.Thread(target=read)
    thread.start()
    writer.communicate(timeout=120)
    thread.join()
    assert writer.returncode == 0 and not errors
    assert counts and all(old == 10 for old, _ in counts)
    news = [new for _, new in counts]
    assert news == sorted(news) and set(news) <= set(range(0, 61))


def test_a_damaged_index_is_named_and_reindex_rebuilds_it(tmp_path):
    kb = tmp_path / "kb"
    runner = CliRunner()
    assert runner.invoke(cli, ["--kb", str(kb), "ingest", str(_corpus(tmp_path / "材料", 6))]).exit_code == 0
    folder = kb / (kb / "CURRENT").read_text(encoding="utf-8").strip()
    for part in folder.iterdir():
        if part.suffix in (".seg", ".toc"):
            part.write_bytes(part.read_bytes()[: len(part.read_bytes()) // 3] + b"\x00garbage")
    result = runner.invoke(cli, ["--kb", str(kb), "search", "网格化"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "已损坏" in result.stderr and "bigan reindex" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    rebuilt = runner.invoke(cli, ["--kb", str(kb), "reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "6 篇" in rebuilt.stderr
    found = runner.invoke(cli, ["--kb", str(kb), "search", "推进网格化管理", "--count"])
    assert found.exit_code == 0 and found.stdout.strip() == "6"


def _full_disk(after: int):
    """Return a replacement for a write function that fails with ENOSPC after ``after`` calls."""
    calls = {"n": 0}

    def wrap(real):
        def write(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[0]))
            return real(*args, **kwargs)
        return write
    return wrap


def test_a_full_disk_while_saving_documents_fails_those_files_only(tmp_path, monkeypatch):
    kb = tmp_path / "kb"
    runner = CliRunner()
    assert runner.invoke(cli, ["--kb", str(kb), "ingest", str(_corpus(tmp_path / "旧", 4, "旧批"))]).exit_code == 0
    import kb.store as store

    monkeypatch.setattr(store, "write_atomic", _full_disk(2)(store.write_atomic))
    result = runner.invoke(cli, ["--kb", str(kb), "ingest", str(_corpus(tmp_path / "新", 5, "新批"))])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "No space left on device" in result.stderr or "空间" in result.stderr
    monkeypatch.undo()
    with KnowledgeBase.open(kb) as base:
        assert base.count("旧批标记") == 4
        landed = base.count("新批标记")
        assert landed < 5
    # Once there is room again, re-running completes it.
    again = runner.invoke(cli, ["--kb", str(kb), "ingest", str(tmp_path / "新")])
    assert again.exit_code == 0, again.output
    with KnowledgeBase.open(kb) as base:
        assert base.count("新批标记") == 5 and len(base.documents()) == 9


@pytest.mark.parametrize("after", [1, 2, 4, 8], ids=lambda n: f"after-{n}-files")
def test_a_full_disk_during_the_index_commit_keeps_the_last_commit(tmp_path, monkeypatch, after):
    kb = tmp_path / "kb"
    runner = CliRunner()
    assert runner.invoke(cli, ["--kb", str(kb), "ingest", str(_corpus(tmp_path / "旧", 4, "旧批"))]).exit_code == 0
    from whoosh.filedb.filestore import FileStorage

    monkeypatch.setattr(FileStorage, "create_file", _full_disk(after)(FileStorage.create_file))
    result = runner.invoke(cli, ["--kb", str(kb), "ingest", str(_corpus(tmp_path / "新", 5, "新批"))])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "上次提交" in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    monkeypatch.undo()
    with KnowledgeBase.open(kb) as base:
        assert base.count("旧批标记") == 4 and base.count("新批标记") == 0
        assert len(base.documents()) == 4
    again = runner.invoke(cli, ["--kb", str(kb), "ingest", str(tmp_path / "新")])
    assert again.exit_code == 0, again.output
    with KnowledgeBase.open(kb) as base:
        assert base.count("新批标记") == 5 and len(base.documents()) == 9
