"""The server behind `bigan serve`: waitress, with every resource bounded.

A fixed pool of threads answers requests; at most ``queue`` requests wait for
a thread, and any further one gets 503 (服务繁忙，请稍后再试) at once, from
the server's own loop, without waiting for a thread. Headers must arrive within
``header_timeout`` seconds and the body within ``body_timeout``; a silent or
kept-alive connection is closed after ``idle_timeout``. Connections beyond
``connections`` wait in the listen backlog. An access log names the method,
path and status only: query strings (which may carry the access token, and
always carry what people search for) never reach it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress import wasyncore
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask

log = logging.getLogger("bigan.web")

BUSY_PAGE = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>服务繁忙</title>"
             "<p>服务繁忙，请稍后再试。</p></html>").encode("utf-8")
_BUSY_RESPONSE = (b"HTTP/1.1 503 Service Unavailable\r\n"
                  b"Content-Type: text/html; charset=utf-8\r\n"
                  b"Content-Length: " + str(len(BUSY_PAGE)).encode() + b"\r\n"
                  b"Retry-After: 5\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + BUSY_PAGE)


@dataclass(frozen=True)
class ServerLimits:
    """What the server holds at most, and how long it waits for a client (seconds)."""

    threads: int = 8
    queue: int = 64
    connections: int = 2000
    idle_timeout: float = 30.0
    header_timeout: float = 20.0
    body_timeout: float = 300.0
    max_body: int = 64 * 1024 * 1024


class _Task(WSGITask):
    def execute(self):
        self.start_time = time.monotonic()
        super().execute()

    def finish(self):
        super().finish()
        env = self.environ or {}
        log.info('%s "%s %s" %s %.0f ms', self.channel.addr[0] if self.channel.addr else "-",
                 env.get("REQUEST_METHOD", "-"), env.get("PATH_INFO", "-"),
                 self.status.split(" ", 1)[0] if self.status else "-",
                 1000 * (time.monotonic() - getattr(self, "start_time", time.monotonic())))


class _Channel(HTTPChannel):
    """A connection that remembers when the request being received began."""

    task_class = _Task
    _timed = None
    request_began = 0.0

    def received(self, data):
        result = super().received(data)
        if self.request is not None and self.request is not self._timed:
            self._timed = self.request
            self.request_began = time.monotonic()
        return result


class _Server(TcpWSGIServer):
    """waitress' TCP server with a bounded queue and header and body timeouts."""

    channel_class = _Channel
    limits: ServerLimits = ServerLimits()
    stopping = False

    def stop(self) -> None:
        """Make ``run()`` return soon (from another thread): tests and embedders use it."""
        self.stopping = True
        self.pull_trigger()

    def readable(self):
        if self.stopping:
            raise SystemExit(0)  # run() catches it and stops the threads
        return super().readable()

    def add_task(self, channel):
        dispatcher = self.task_dispatcher
        with dispatcher.lock:
            idle = len(dispatcher.threads) - dispatcher.stop_count - dispatcher.active_count
            waiting = len(dispatcher.queue) - max(idle, 0)
        if waiting >= self.limits.queue:
            self._refuse(channel)
            return
        dispatcher.add_task(channel)

    def _refuse(self, channel) -> None:
        # Called with the channel's requests lock held (by received() or service()):
        # answer 503 ourselves and close, instead of queueing the request.
        with channel.outbuf_lock:
            channel.outbufs[-1].append(_BUSY_RESPONSE)
            channel.current_outbuf_count += len(_BUSY_RESPONSE)
            channel.total_outbufs_len += len(_BUSY_RESPONSE)
        for request in channel.requests:
            request.close()
        channel.requests = []
        channel.close_when_flushed = True
        log.warning("服务繁忙：等待的请求已达 %d 个，新请求答以 503", self.limits.queue)
        self.pull_trigger()

    def maintenance(self, now):
        super().maintenance(now)
        clock = time.monotonic()
        for channel in list(self.active_channels.values()):
            request = channel.request
            if request is None or channel.requests or channel.will_close:
                continue
            limit = self.limits.body_timeout if request.headers_finished else self.limits.header_timeout
            if clock - channel.request_began > limit:
                channel.will_close = True


def open_files_limit(wanted: int) -> int:
    """Raise this process's open-file limit towards ``wanted``; return the limit in force."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def make_server(app, host: str, port: int, limits: ServerLimits = ServerLimits()):
    """Return a bound waitress server for ``app`` (not yet running); OSError when the port is taken.

    ``server.run()`` serves until SystemExit or KeyboardInterrupt; the bound
    port is ``server.effective_port`` (with port 0 the system picks one).
    """
    files = open_files_limit(limits.connections + 256)
    # Bodies up to the app's upload limit (and a little past it, so Flask can answer 413 in
    # Chinese) are read; larger ones are refused by waitress before they are buffered.
    upload_limit = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH") or 0
    max_body = max(limits.max_body, 2 * upload_limit)
    adj = Adjustments(
        host=host, port=port, threads=limits.threads,
        connection_limit=max(min(limits.connections, files - 64), 16),
        channel_timeout=max(int(limits.idle_timeout), 1), cleanup_interval=1,
        max_request_body_size=max_body, asyncore_use_poll=True, ident="bigan",
        expose_tracebacks=False, clear_untrusted_proxy_headers=True)
    server_class = type("BiganServer", (_Server,), {"limits": limits})
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict = {}
    servers = []
    try:
        for sockinfo in adj.listen:
            servers.append(server_class(app, socket_map, dispatcher=dispatcher, adj=adj,
                                        sockinfo=sockinfo))
    except BaseException:
        for server in servers:
            server.close()
        dispatcher.shutdown(timeout=1)
        raise
    if len(servers) == 1:
        return servers[0]
    server = MultiSocketServer(socket_map, adj, [(s.effective_host, s.effective_port) for s in servers],
                               dispatcher, servers[-1].log_info)
    server.effective_port = servers[-1].effective_port
    return server


def run(server, on_stop=None) -> None:
    """Serve until Ctrl+C or SIGTERM, then stop the threads and call ``on_stop`` (cleanup)."""
    def stop(signum, frame):
        raise SystemExit(0)

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    try:
        server.run()  # returns on SystemExit/KeyboardInterrupt, after stopping its threads
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(getattr(server, "_map", None) or server.map)
        if on_stop is not None:
            on_stop()

