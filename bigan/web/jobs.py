"""Ingest jobs: a knowledge-base ingest running in a background thread, with its progress."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KbError


@dataclass
class IngestJob:
    """One ingest started from the web page; the page polls it until ``done``."""

    job_id: str
    total: int
    paths: list[str]
    done_files: int = 0
    current: str = ""
    started: bool = False  # False while it waits for an earlier ingest to finish
    done: bool = False
    error: str | None = None
    report: object = None  # kb.knowledge_base.IngestReport once finished
    skipped: list[tuple[str, str]] = field(default_factory=list)  # refused before ingest (zip members)

    def percent(self) -> int:
        """Return the progress in whole percent."""
        if self.done:
            return 100
        return int(100 * self.done_files / self.total) if self.total else 0


class IngestJobs:
    """The ingests of one app, by id; they run one at a time, at most ``pending`` more waiting.

    One at a time, because two would only wait for each other's write lock; the
    ones behind show 排队中 on their page.
    """

    #: Finished jobs kept for their report pages.
    KEEP = 200

    def __init__(self, pending: int = 4):
        self.pending = pending
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._turn = threading.Lock()

    def waiting(self) -> int:
        """Return how many jobs have not finished."""
        with self._lock:
            return sum(1 for job in self._jobs.values() if not job.done)

    def full(self) -> bool:
        """Return True when no further job may be queued (the running one plus ``pending``)."""
        return self.waiting() > self.pending

    def get(self, job_id: str) -> IngestJob | None:
        """Return the job of ``job_id``, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, kb_path, paths: list[Path], skipped: list[tuple[str, str]],
              *, doc_type: str | None = None, hide: str = "") -> IngestJob:
        """Start ingesting ``paths`` into the knowledge base at ``kb_path``; return the running job.

        ``hide`` is a folder prefix removed from messages (the upload folder means nothing to the user).
        """
        from kb.knowledge_base import iter_files

        files = [p for p, _ in iter_files(paths)]
        job = IngestJob(secrets.token_urlsafe(12), len(files), [str(p) for p in paths],
                        skipped=list(skipped))
        with self._lock:
            self._jobs[job.job_id] = job
            finished = [k for k, j in self._jobs.items() if j.done]
            for key in finished[:max(len(finished) - self.KEEP, 0)]:
                del self._jobs[key]
        thread = threading.Thread(target=self._run, args=(job, kb_path, doc_type, hide),
                                  name=f"bigan-ingest-{job.job_id}", daemon=True)
        thread.start()
        return job

    def _run(self, job: IngestJob, kb_path, doc_type: str | None, hide: str) -> None:
        from bigan.web.limits import release_memory

        with self._turn:
            job.started = True
            _run(job, kb_path, doc_type, hide)
            release_memory()


def _run(job: IngestJob, kb_path, doc_type: str | None, hide: str) -> None:
    from kb.knowledge_base import KnowledgeBase

    def progress(path: str) -> None:
        job.done_files += 1
        job.current = _shorten(path, hide)

    try:
        # In-process indexing: forking worker processes from a threaded server could copy a
        # lock held by another thread into them; an upload is at most a few thousand passages.
        with KnowledgeBase.open(kb_path, create=True, procs=1) as kb:
            job.report = kb.ingest(job.paths, doc_type=doc_type, progress=progress)
    except KbError as error:
        job.error = _shorten(str(error), hide)
    finally:
        # A bug still ends the job (the page stops waiting); its traceback goes to the server's log.
        if job.report is None and job.error is None:
            job.error = "入库时发生内部错误，详情见服务器日志。"
        job.done = True


def _shorten(text: str, prefix: str) -> str:
    return text.replace(prefix.rstrip("/") + "/", "") if prefix else text
