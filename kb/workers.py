"""Whoosh's indexing sub-processes, made to die with their parent and to hold none of its locks.

Imported only for a batch large enough to index in parallel.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time

from kb import _whoosh  # noqa: F401  (before Whoosh: loads it without what bigan never calls)
from whoosh.multiproc import MpWriter, SubWriterTask


class Worker(SubWriterTask):
    """Whoosh's indexing sub-process, made to die with its parent and to hold none of its locks.

    Whoosh's own workers wait on a queue whose write end they inherited, so a
    parent killed by SIGKILL leaves them asleep for ever, holding the inherited
    locks of the library and of the index.
    """

    def __init__(self, *args, parent: int, close_fds: tuple[int, ...]):
        super().__init__(*args)
        self.daemon = True
        self._parent = parent
        self._close_fds = close_fds

    @staticmethod
    def _Popen(process_obj):
        # Always fork (whatever the platform's default start method): the worker
        # shares the loaded dictionary, and its parent is the writer.
        from multiprocessing.popen_fork import Popen
        return Popen(process_obj)

    def run(self):
        _die_with_parent(self._parent)
        for fd in self._close_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        super().run()


def _die_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` is gone (it has then been re-parented)."""
    try:  # Linux: the kernel sends SIGKILL when the parent dies
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)

    def watch():  # elsewhere, and as a second line: poll
        while True:
            time.sleep(0.2)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class _Results:
    """The workers' result queue: a worker that died without its result is an error, not a lost segment."""

    def __init__(self, inner):
        self._inner = inner

    def put(self, *args, **kwargs):
        return self._inner.put(*args, **kwargs)

    def get(self, timeout=None):
        try:
            return self._inner.get(timeout=max(timeout or 0, 5))
        except queue.Empty:
            raise OSError("索引子进程意外退出，本批未写入") from None


class ParallelWriter(MpWriter):
    """Whoosh's multi-process writer with workers that die with this process (see :class:`Worker`)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.resultqueue = _Results(self.resultqueue)

    def _enqueue(self):
        # Fork every worker before the first job is queued: queuing starts a feeder
        # thread, and forking a process with threads can deadlock the child.
        while len(self.tasks) < self.procs:
            self._new_task()
        super()._enqueue()

    def _new_task(self):
        lock = getattr(self, "writelock", None)
        fd = getattr(lock, "fd", None)
        task = Worker(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                       self.multisegment, parent=os.getpid(),
                       close_fds=(fd,) if isinstance(fd, int) else ())
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self):
        try:
            super().cancel()
        finally:
            for task in self.tasks:
                if task.is_alive():
                    task.kill()
                task.join()
