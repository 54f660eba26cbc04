"""Benchmark `bigan serve` under load: concurrent searches, drafts and an ingest, with idle connections.

Builds (once, cached under bench/out/) a knowledge base of about N passages
recombined from the starter corpus (as bench_draft.py does), starts the real
`bigan serve` on a free loopback port, opens IDLE connections that never send
a byte, then runs SEARCHES concurrent clients (each doing ROUNDS searches),
DRAFTS concurrent drafts and one ingest of a small .zip, all at once. Prints
throughput, p50/p95 latency per kind, the answers by status, the server's
resident memory (at start, idle once warmed by a search and a draft, peak, after
each load round, after the idle timeout) and how
many idle connections the server dropped. The load runs REPEATS times, so the memory after
each round shows whether it keeps growing. Figures, not a test: nothing is asserted.

    python3 bench/bench_web_load.py                       # 10,000 passages, 1,000 idle connections
    python3 bench/bench_web_load.py --passages 2000 --idle 200 --rounds 3
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import resource
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_draft import TOPICS, build  # noqa: E402

QUERIES = TOPICS + ["基层", "党建引领", "网格化管理", "为民服务", "安全生产", "作风建设", "工作机制",
                    "乡村振兴", "高质量发展", "人民群众", "主体责任", "营商环境", "落实", "制度"]
TIMEOUT = 300


def rss_kb(pid: int) -> dict[str, int]:
    """Return VmRSS and VmHWM (peak) of a process, in KB."""
    out = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def mb(kb: int) -> float:
    return round(kb / 1024, 1)


def start_server(kb: Path) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BIGAN_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from bigan.cli import main; main()", "--kb", str(kb), "serve", "--port", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    while port is None:
        line = process.stderr.readline()
        if not line:
            raise SystemExit("bigan serve did not start")
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        port = found and int(found.group(1))
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
    return process, port


class Client:
    """One browser: its own connection, session cookie and CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            all_headers = {"Cookie": self.cookie} if self.cookie else {}
            all_headers.update(headers or {})
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            cookie = response.getheader("Set-Cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def csrf(self, path: str) -> str:
        _, page, _ = self.request("GET", path)
        return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()

    def post_form(self, path: str, fields: dict) -> tuple[int, bytes, dict]:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_files(self, path: str, fields: dict, files: list[tuple[str, str, bytes]]):
        boundary = "bigan-bench-boundary"
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, data in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                         + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_load(port: int, searches: int, rounds: int, drafts: int, seed: int) -> dict:
    rng = random.Random(seed)
    results: dict[str, list] = {"search": [], "draft": [], "ingest": []}
    lock = threading.Lock()
    draft_clients = [Client(port) for _ in range(drafts)]
    draft_tokens = [c.csrf("/draft") for c in draft_clients]
    ingest_client = Client(port)
    ingest_token = ingest_client.csrf("/ingest")
    barrier = threading.Barrier(searches + drafts + 1 + 1)

    def record(kind, started, status):
        with lock:
            results[kind].append((time.perf_counter() - started, status))

    def searcher(n):
        client = Client(port)
        queries = [rng.choice(QUERIES) for _ in range(rounds)]
        barrier.wait()
        for q in queries:
            started = time.perf_counter()
            status, _, _ = client.request("GET", "/?" + urllib.parse.urlencode({"q": q}))
            record("search", started, status)

    def drafter(n):
        client, token = draft_clients[n], draft_tokens[n]
        barrier.wait()
        started = time.perf_counter()
        status, _, _ = client.post_form("/draft", {
            "csrf_token": token, "kind": "speech" if n % 2 == 0 else "work_plan",
            "topic": TOPICS[n % len(TOPICS)], "unit": "江州市", "seed": str(n)})
        record("draft", started, status)

    def ingester():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for i in range(20):
                lines = [f"关于推进第{i}批重点工作的通知（压测）", ""]
                for j in range(6):
                    lines += [f"{'一二三四五六'[j]}、{rng.choice(QUERIES)}", "",
                              "".join(rng.choice(QUERIES) + "要抓实抓细，确保见到实效。" for _ in range(8)), ""]
                archive.writestr(f"压测/通知{i:02d}.txt", "\n".join(lines).encode("utf-8"))
        barrier.wait()
        started = time.perf_counter()
        status, _, headers = ingest_client.post_files(
            "/ingest", {"csrf_token": ingest_token}, [("files", "压测材料.zip", buffer.getvalue())])
        location = headers.get("Location", "")
        while status == 303 and location:
            status, page, _ = ingest_client.request("GET", urllib.parse.urlsplit(location).path)
            if "入库结果".encode() in page:
                break
            time.sleep(0.2)
        record("ingest", started, status)

    threads = [threading.Thread(target=searcher, args=(n,)) for n in range(searches)]
    threads += [threading.Thread(target=drafter, args=(n,)) for n in range(drafts)]
    threads.append(threading.Thread(target=ingester))
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    out = {"wall_seconds": round(wall, 2)}
    for kind, rows in results.items():
        times = [t for t, s in rows if s == 200]
        statuses: dict[str, int] = {}
        for _, status in rows:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        out[kind] = {"requests": len(rows), "statuses": statuses,
                     "p50_ms": round(1000 * statistics.median(times), 1) if times else None,
                     "p95_ms": round(1000 * percentile(times, 95), 1) if times else None,
                     "max_ms": round(1000 * max(times), 1) if times else None}
    out["search"]["throughput_per_s"] = round(len(results["search"]) / wall, 1)
    out["throughput_per_s"] = round(sum(len(r) for r in results.values()) / wall, 1)
    return out


def open_idle(port: int, n: int) -> list[socket.socket]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 512
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(n)]


def closed_count(socks: list[socket.socket]) -> int:
    closed = 0
    for sock in socks:
        ready, _, _ = select.select([sock], [], [], 0)
        if ready:
            try:
                if sock.recv(1) == b"":
                    closed += 1
            except OSError:
                closed += 1
    return closed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=50, help="concurrent search clients")
    parser.add_argument("--rounds", type=int, default=10, help="searches per client")
    parser.add_argument("--drafts", type=int, default=5)
    parser.add_argument("--idle", type=int, default=1000, help="idle connections")
    parser.add_argument("--idle-timeout", type=float, default=30.0,
                        help="the server's idle timeout (bigan serve's default)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="load rounds (memory after each shows whether it keeps growing)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)

    path = ROOT / "bench" / "out" / f"draft-kb-{args.passages}"
    if args.rebuild and path.exists():
        import shutil
        shutil.rmtree(path)
    if not path.exists():
        print(json.dumps({"building": str(path), **build(path, args.passages)}, ensure_ascii=False), flush=True)
    # The ingest adds documents: work on a copy, so every run starts from the same library.
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    kb = work / "kb"
    shutil.copytree(path, kb)
    process, port = start_server(kb)
    figures: dict = {"passages": args.passages}
    try:
        time.sleep(1.0)
        figures["rss_started_mb"] = mb(rss_kb(process.pid)["VmRSS"])
        warm = Client(port)
        for q in QUERIES[:3]:
            warm.request("GET", "/?" + urllib.parse.urlencode({"q": q}))
        figures["rss_after_searches_mb"] = mb(rss_kb(process.pid)["VmRSS"])
        # One draft loads what every later one shares (jieba's dictionary, the templates):
        # memory after it is the idle figure the load is compared with.
        warm.post_form("/draft", {"csrf_token": warm.csrf("/draft"), "kind": "speech",
                                  "topic": TOPICS[0], "unit": "江州市"})
        time.sleep(1.0)
        figures["rss_idle_mb"] = mb(rss_kb(process.pid)["VmRSS"])
        socks = open_idle(port, args.idle)
        opened = time.monotonic()
        figures["idle_connections"] = len(socks)
        figures["rss_with_idle_connections_mb"] = mb(rss_kb(process.pid)["VmRSS"])
        figures["rss_after_each_load_mb"] = []
        for round_ in range(args.repeats):
            load = run_load(port, args.searches, args.rounds, args.drafts, seed=20261130 + round_)
            figures.setdefault("load", load)
            figures[f"load_{round_ + 1}"] = load
            figures["rss_after_each_load_mb"].append(mb(rss_kb(process.pid)["VmRSS"]))
        memory = rss_kb(process.pid)
        figures["rss_peak_mb"] = mb(memory["VmHWM"])
        figures["rss_after_load_mb"] = mb(memory["VmRSS"])
        # Idle connections: the server closes them once they have been silent for the timeout.
        time.sleep(max(0.0, opened + args.idle_timeout + 3 - time.monotonic()))
        figures["idle_dropped_by_server"] = closed_count(socks)
        for sock in socks:
            sock.close()
        time.sleep(2)
        figures["rss_after_idle_timeout_mb"] = mb(rss_kb(process.pid)["VmRSS"])
        figures["rss_back_within_mb_of_idle"] = round(figures["rss_after_idle_timeout_mb"]
                                                       - figures["rss_idle_mb"], 1)
    finally:
        process.terminate()
        process.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))
    print(f"\n{'round':<5} {'kind':<8} {'requests':>8} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}  statuses")
    for round_ in range(1, args.repeats + 1):
        load = figures[f"load_{round_}"]
        for kind in ("search", "draft", "ingest"):
            row = load[kind]
            print(f"{round_:<5} {kind:<8} {row['requests']:>8} {row['p50_ms'] or '-':>9} {row['p95_ms'] or '-':>9} "
                  f"{row['max_ms'] or '-':>9}  {row['statuses']}")
        print(f"      throughput: {load['throughput_per_s']} requests/s "
              f"({load['search']['throughput_per_s']} searches/s) over {load['wall_seconds']} s")
    print(f"server RSS: started {figures['rss_started_mb']} MB, after 3 searches {figures['rss_after_searches_mb']} MB, "
          f"idle (warmed by one draft) {figures['rss_idle_mb']} MB, "
          f"with {figures['idle_connections']} idle connections {figures['rss_with_idle_connections_mb']} MB, "
          f"peak {figures['rss_peak_mb']} MB (target ≤ 1024), after each load round "
          f"{' / '.join(str(x) for x in figures['rss_after_each_load_mb'])} MB, "
          f"after the idle timeout {figures['rss_after_idle_timeout_mb']} MB "
          f"({figures['rss_back_within_mb_of_idle']:+} MB from idle; target within 100)")
    print(f"idle connections dropped by the server after {args.idle_timeout:g} s: "
          f"{figures['idle_dropped_by_server']} of {figures['idle_connections']}")


if __name__ == "__main__":
    main()
