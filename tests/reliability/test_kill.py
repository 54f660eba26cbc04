"""Kill -9 of the bigan process alone (as the OOM killer or a service manager does), with
batches large enough for the index's worker processes: none outlives it, no lock is left
behind, nothing committed is lost; and a lock left by a dead writer's leftovers is taken over."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.errors import IndexLockedError
from kb.knowledge_base import PARALLEL_FROM, KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
DOCS = 20
PARAGRAPHS = 160  # 20 × 160 passages: one batch above PARALLEL_FROM, so Whoosh's workers run
KILLS = 10

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="需要 /proc 查看进程表（Linux）")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kill") / "大批材料"
    folder.mkdir()
    assert DOCS * PARAGRAPHS >= PARALLEL_FROM
    for d in range(DOCS):
        lines = [f"第{d}号压力测试材料", "", "同志们：", ""]
        for k in range(PARAGRAPHS):
            lines += [f"要抓好第{d}篇第{k}段的杀进程标记工作，推进网格化管理，落实基层治理责任。", ""]
        (folder / f"材料{d:02d}.txt").write_text("\n".join(lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def full_library(corpus, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "完整库"
    with KnowledgeBase.open(path, procs=2) as base:
        assert base.ingest([corpus]).counts()["added"] == DOCS
    return path


def _start(kb: Path, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BIGAN_INDEX_PROCS="2")
    return subprocess.Popen([sys.executable, "-m", "bigan.cli", "--kb", str(kb), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)


def _stat(pid: int) -> tuple[str, int] | None:
    """Return (state, parent pid) of a process, None when gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(int(name))
            if stat is not None and stat[1] == pid and stat[0] != "Z":
                out.append(int(name))
    return out


def _left_behind(marker: str) -> list[int]:
    """Return the live processes (not zombies) whose command line names ``marker``."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                cmdline = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        stat = _stat(int(name))
        if marker in cmdline and stat is not None and stat[0] != "Z":
            out.append(int(name))
    return out


def _kill_at_random(child: subprocess.Popen, rng: random.Random, with_workers: bool) -> bool:
    """SIGKILL ``child`` alone at a random moment; return whether its workers were running then."""
    if with_workers:
        deadline = time.monotonic() + 120
        while not _children(child.pid) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 1.5))
    else:
        time.sleep(rng.uniform(0.2, 3.0))
    workers = bool(_children(child.pid))
    child.send_signal(signal.SIGKILL)  # the parent pid only, never the group
    child.wait()
    child.stderr.close()
    return workers


def _assert_nothing_left(kb: Path) -> None:
    deadline = time.monotonic() + 10
    while _left_behind(str(kb)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _left_behind(str(kb)) == [], "进程被杀后仍有残留的 bigan 进程"


def _assert_whole(kb: Path, expected: set[int]) -> int:
    """Check that the library holds whole documents only, all searchable; return how many."""
    with KnowledgeBase.open(kb) as base:
        infos = base.documents()
        assert len(infos) in expected, len(infos)
        for info in infos:
            assert len(base.passages(info.doc_id)) == info.passages == PARAGRAPHS + 2
        assert base.count("杀进程标记工作") == len(infos) * PARAGRAPHS
        return len(infos)


def test_killing_ingest_alone_leaves_no_worker_and_no_lock(corpus, tmp_path):
    kb = tmp_path / "库"
    rng = random.Random(1414)
    kills = with_workers = 0
    while kills < KILLS:
        child = _start(kb, "ingest", str(corpus))
        workers = _kill_at_random(child, rng, with_workers=kills % 2 == 1)
        assert child.returncode == -signal.SIGKILL or child.returncode == 0
        _assert_nothing_left(kb)
        # One batch: all of it or none of it, and nothing half-stored is visible.
        if _assert_whole(kb, {0, DOCS}) == DOCS:
            shutil.rmtree(kb)  # it finished first: start again so the next kill has work
            continue
        kills += 1
        with_workers += workers
    assert with_workers >= KILLS // 2 - 1, "杀进程时很少遇到索引子进程：测试没有覆盖要测的情形"
    finished = _start(kb, "ingest", str(corpus))
    _, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err.decode("utf-8")
    assert _assert_whole(kb, {DOCS}) == DOCS
    assert len(list((kb / "documents").glob("*.json"))) == DOCS


def test_killing_reindex_alone_leaves_no_worker_and_loses_nothing(full_library, corpus, tmp_path):
    kb = tmp_path / "库"
    shutil.copytree(full_library, kb)
    rng = random.Random(2828)
    with_workers = 0
    for kill in range(KILLS):
        child = _start(kb, "reindex")
        with_workers += _kill_at_random(child, rng, with_workers=kill % 2 == 1)
        _assert_nothing_left(kb)
        # The old index stays live until the new one is complete.
        _assert_whole(kb, {DOCS})
    assert with_workers >= KILLS // 2 - 1
    extra = tmp_path / "新材料"
    extra.mkdir()
    (extra / "补充.txt").write_text("补充材料\n\n同志们：\n\n要推进杀进程之后的补充工作。\n", encoding="utf-8")
    finished = _start(kb, "ingest", str(extra))
    _, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err.decode("utf-8")
    with KnowledgeBase.open(kb) as base:
        assert len(base.documents()) == DOCS + 1
        assert base.count("杀进程标记工作") == DOCS * PARAGRAPHS
        assert base.count("杀进程之后的补充工作") == 1
    assert [p.name for p in kb.glob("index-*")] == [(kb / "CURRENT").read_text().strip()]


_LEFTOVER = """
import fcntl, os, sys, time
handle = open(sys.argv[1], "a+b")
fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
if os.fork() == 0:   # a worker that inherits the lock, as Whoosh's did
    time.sleep(600)
    os._exit(0)
print("locked", flush=True)
time.sleep(600)
"""


def test_a_lock_held_by_a_dead_writers_leftover_is_taken_over(tmp_path):
    kb = tmp_path / "库"
    runner = CliRunner()
    folder = tmp_path / "材料"
    folder.mkdir()
    (folder / "一.txt").write_text("第一份\n\n同志们：\n\n要抓好残留锁测试。\n", encoding="utf-8")
    assert runner.invoke(cli, ["--kb", str(kb), "ingest", str(folder)]).exit_code == 0
    writer = subprocess.Popen([sys.executable, "-c", _LEFTOVER, str(kb / "lock")], stdout=subprocess.PIPE)
    assert writer.stdout.readline() == b"locked\n"
    leftover = _children(writer.pid)
    assert len(leftover) == 1
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    try:
        # The lock is still held, by the leftover alone.
        with open(kb / "lock", "a+b") as handle, pytest.raises(BlockingIOError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        (folder / "二.txt").write_text("第二份\n\n同志们：\n\n要做好残留锁测试的收尾。\n", encoding="utf-8")
        result = runner.invoke(cli, ["--kb", str(kb), "ingest", str(folder)])
        assert result.exit_code == 0, result.output
        lines = [line for line in result.stderr.splitlines() if "接管" in line]
        assert len(lines) == 1 and f"进程 {writer.pid} 已中断" in lines[0] and str(leftover[0]) in lines[0]
        deadline = time.monotonic() + 5
        while _stat(leftover[0]) not in (None,) and _stat(leftover[0])[0] != "Z" \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _stat(leftover[0]) is None or _stat(leftover[0])[0] == "Z"
        with KnowledgeBase.open(kb) as base:
            assert base.count("残留锁测试") == 2
    finally:
        for pid in leftover:
            if _stat(pid) is not None:
                os.kill(pid, signal.SIGKILL)


def test_a_lock_held_by_a_live_writer_is_never_taken_over(tmp_path):
    kb = tmp_path / "库"
    KnowledgeBase.open(kb).close()
    writer = subprocess.Popen([sys.executable, "-c", _LEFTOVER, str(kb / "lock")], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == b"locked\n"
        folder = tmp_path / "材料"
        folder.mkdir()
        (folder / "一.txt").write_text("第一份\n\n同志们：\n\n要抓好活锁测试。\n", encoding="utf-8")
        with KnowledgeBase.open(kb, lock_timeout=1.5) as base:
            with pytest.raises(IndexLockedError):
                base.ingest([folder])
            assert base.notices == []
        assert writer.poll() is None and all(_stat(pid) for pid in _children(writer.pid))
    finally:
        for pid in _children(writer.pid):
            os.kill(pid, signal.SIGKILL)
        writer.kill()
        writer.wait()
        writer.stdout.close()
