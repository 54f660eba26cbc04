"""The index's worker processes: a worker that dies loses no segment silently, and no
forked child keeps the library's write lock."""

from __future__ import annotations

import fcntl
import os

import pytest

from kb.errors import KbError
from kb.workers import Worker
from kb.knowledge_base import KnowledgeBase


def _corpus(folder, n, prefix):
    folder.mkdir()
    for i in range(n):
        (folder / f"{prefix}{i}.txt").write_text(
            f"第{i}号{prefix}材料\n\n同志们：\n\n要抓好{prefix}标记{i}号工作。\n", encoding="utf-8")
    return folder


def test_a_worker_that_dies_fails_the_batch_instead_of_dropping_it(tmp_path, monkeypatch):
    kb = tmp_path / "kb"
    with KnowledgeBase.open(kb, procs=2) as base:
        assert base.ingest([_corpus(tmp_path / "旧", 3, "旧批")]).counts()["added"] == 3
    monkeypatch.setattr(Worker, "run", lambda self: os._exit(3))
    with KnowledgeBase.open(kb, procs=2) as base, pytest.raises(KbError, match="索引子进程意外退出"):
        base.ingest([_corpus(tmp_path / "新", 30, "新批")])
    monkeypatch.undo()
    with KnowledgeBase.open(kb, procs=2) as base:
        assert base.count("旧批标记") == 3 and base.count("新批标记") == 0
        assert base.ingest([tmp_path / "新"]).counts()["added"] == 30
        assert base.count("新批标记") == 30 and len(base.documents()) == 33


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="需要 /proc（Linux）")
def test_a_forked_child_does_not_keep_the_write_lock(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    with kb.store.lock():
        pid = os.fork()
        if pid == 0:  # the child: its copy of the lock file is closed at once
            code = 2
            try:
                held = any(os.path.realpath(f"/proc/self/fd/{fd}") == str(kb.store.lock_path)
                           for fd in os.listdir("/proc/self/fd"))
                code = 1 if held else 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    # Released: another open file can take it at once.
    with open(kb.store.lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    kb.close()
