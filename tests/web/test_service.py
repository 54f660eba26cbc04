"""The web page as a service (issue 14, cases 12–15): shared library, bounded server, validated
input, no files left behind, token guesses limited. Network traffic goes to 127.0.0.1 only."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from bigan.web import create_app
from bigan.web.limits import AppLimits
from bigan.web.server import ServerLimits, make_server, run
from tests.web.support import DATA, app, client, csrf_of, doc_ids, web_kb  # noqa: F401 (fixtures)

PHRASE = "一刻钟党建服务圈"
ROOT = Path(__file__).resolve().parents[2]


def _text(response) -> str:
    return response.get_data(as_text=True)


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# -- 12: one shared knowledge base ---------------------------------------------------------------

def test_requests_share_one_knowledge_base_reopened_after_a_commit(web_kb, tmp_path):
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(web_kb, root)
    app = create_app(root)
    client = app.test_client()
    library = app.extensions["bigan"].library
    for _ in range(20):
        assert f"“{PHRASE}”共 3 条" in _text(client.get("/", query_string={"q": PHRASE}))
    client.get("/docs")
    client.get("/phrases")
    assert library.opened == 1
    # A commit by another writer (here: the CLI's library in this process) is seen at once.
    from kb.knowledge_base import KnowledgeBase

    extra = tmp_path / "新材料.txt"
    extra.write_text(f"关于深化{PHRASE}建设的通知\n\n各街道要把{PHRASE}建设列入年度重点。\n",
                     encoding="utf-8")
    with KnowledgeBase.open(root) as kb:
        assert kb.ingest([extra]).counts()["added"] == 1
    assert f"“{PHRASE}”共 5 条" in _text(client.get("/", query_string={"q": PHRASE}))  # title and body
    assert library.opened == 2


def test_concurrent_requests_through_the_shared_knowledge_base_agree(app, doc_ids):
    queries = {PHRASE: "共 3 条", "基层党建": None, "营商环境": None}
    expected = {q: re.search(r"共 \d+ 条", _text(app.test_client().get("/", query_string={"q": q}))).group(0)
                for q in queries}
    failures = []

    def worker(n):
        client = app.test_client()
        for i in range(6):
            q = list(queries)[(n + i) % len(queries)]
            page = _text(client.get("/", query_string={"q": q}))
            found = re.search(r"共 \d+ 条", page)
            if not found or found.group(0) != expected[q]:
                failures.append((q, found and found.group(0)))
            client.get(f"/doc/{doc_ids['党建讲话']}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and expected[PHRASE] == "共 3 条"
    assert app.extensions["bigan"].library.opened == 1


def test_user_words_waiting_for_the_segmenter_are_kept_once(monkeypatch):
    from kb import analysis

    monkeypatch.setattr(analysis, "_pending", {})
    monkeypatch.setattr(analysis, "_jieba", SimpleNamespace(cache_info=lambda: SimpleNamespace(currsize=0)))
    for _ in range(50):  # fifty knowledge bases opened, each giving its 提法
        analysis.add_words(["一刻钟党建服务圈", "三会一课"])
    assert list(analysis._pending) == ["一刻钟党建服务圈", "三会一课"]


# -- 12: the server ------------------------------------------------------------------------------

class _Running:
    """A server for ``app`` on 127.0.0.1 in a thread of this process."""

    def __init__(self, app, **limits):
        self.server = make_server(app, "127.0.0.1", 0, ServerLimits(**limits))
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=run, args=(self.server,), daemon=True)
        self.thread.start()

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        return sock

    def get(self, path: str, headers: str = "") -> bytes:
        sock = self.connect()
        try:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n"
                         .encode())
            return _read_all(sock)
        finally:
            sock.close()

    def stop(self):
        self.server.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Return True when the server closes ``sock`` (without answering) within ``seconds``."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def _blocking_app(started: threading.Event, release: threading.Event):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/block":
            started.set()
            release.wait(60)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]

    return app


def test_a_full_queue_is_answered_503_at_once():
    started, release = threading.Event(), threading.Event()
    running = _Running(_blocking_app(started, release), threads=1, queue=1)
    first, second = running.connect(), running.connect()
    try:
        first.sendall(b"GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert started.wait(30)  # the only thread is busy
        second.sendall(b"GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        deadline = time.monotonic() + 30
        while not running.server.task_dispatcher.queue and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(running.server.task_dispatcher.queue) == 1  # waiting for the thread
        busy = running.get("/other")  # the queue is full: refused while the others still wait
        assert busy.startswith(b"HTTP/1.1 503 ")
        assert b"Retry-After: 5" in busy and "服务繁忙，请稍后再试".encode() in busy
        assert not release.is_set()
        release.set()
        assert _read_all(first).endswith(b"done") and _read_all(second).endswith(b"done")
        assert running.get("/other").endswith(b"done")  # and served again once it drained
    finally:
        release.set()
        first.close()
        second.close()
        running.stop()


def test_idle_connections_are_dropped_after_the_timeout():
    running = _Running(_blocking_app(threading.Event(), threading.Event()), idle_timeout=1)
    socks = [running.connect() for _ in range(50)]
    try:
        assert all(_closed_within(sock, 20) for sock in socks)
        assert running.get("/").endswith(b"done")
    finally:
        for sock in socks:
            sock.close()
        running.stop()


def test_headers_trickling_in_are_cut_off_after_the_header_timeout():
    running = _Running(_blocking_app(threading.Event(), threading.Event()),
                       idle_timeout=60, header_timeout=1)
    sock = running.connect()
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        began, closed = time.monotonic(), False
        while time.monotonic() - began < 30:
            try:
                sock.sendall(b"X-Slow: 1\r\n")  # always active, never finished
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if _closed_within(sock, 0.3):
                closed = True
                break
        assert closed and time.monotonic() - began < 30
    finally:
        sock.close()
        running.stop()


def test_a_body_that_never_completes_is_cut_off_after_the_body_timeout():
    running = _Running(_blocking_app(threading.Event(), threading.Event()),
                       idle_timeout=60, body_timeout=1)
    sock = running.connect()
    try:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
        assert _closed_within(sock, 30)
    finally:
        sock.close()
        running.stop()


def test_the_access_log_never_holds_the_token_or_the_query(web_kb, caplog):
    app = create_app(web_kb, token="s3cret-office-token")
    running = _Running(app)
    try:
        with caplog.at_level(logging.INFO, logger="bigan.web"):
            answer = running.get("/?q=%E5%9F%BA&token=s3cret-office-token")
            assert answer.startswith(b"HTTP/1.1 303 ")
            running.get("/?token=wrong-guess")
            deadline = time.monotonic() + 10
            while len(caplog.records) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        running.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "bigan.web"]
    assert any('"GET /" 303' in line for line in lines) and any('"GET /" 401' in line for line in lines)
    for line in lines:
        assert "s3cret" not in line and "wrong-guess" not in line and "token" not in line


# -- 12: heavy work and ingests ------------------------------------------------------------------

def _draft(client, **fields):
    data = {"csrf_token": csrf_of(client, "/draft"), "kind": "speech", "template": "座谈会",
            "topic": "基层党建", "unit": "江州市", "meeting": "", "speaker": "", "date": "",
            "length": "", "headings": "", "seed": ""}
    data.update(fields)
    return client.post("/draft", data=data)


def test_heavy_work_has_its_own_limit(web_kb, doc_ids):
    app = create_app(web_kb, limits=AppLimits(heavy=1, heavy_waiting=0, heavy_wait=0.1))
    client = app.test_client()
    gate = app.extensions["bigan"].heavy
    gate.acquire()  # a draft is being made
    try:
        for response in (_draft(client), client.get(f"/doc/{doc_ids['党建讲话']}/docx")):
            assert response.status_code == 503
            assert "服务繁忙，请稍后再试" in _text(response) and response.headers["Retry-After"] == "5"
        assert client.get("/", query_string={"q": PHRASE}).status_code == 200  # searches go on
    finally:
        gate.release()
    assert _draft(client).status_code == 200


def _ingest(client, files):
    data = {"csrf_token": csrf_of(client, "/ingest"), "files": files}
    return client.post("/ingest", data=data, content_type="multipart/form-data")


def _wait(client, location: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        page = _text(client.get(location))
        if "入库结果" in page or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def test_ingests_wait_their_turn_and_a_full_line_is_busy(tmp_path):
    app = create_app(tmp_path / "kb", limits=AppLimits(ingest_pending=0))
    client = app.test_client()
    jobs = app.extensions["bigan"].jobs
    speech = (DATA / "kb" / "党建讲话.txt").read_bytes()
    with jobs._turn:  # an ingest is running
        first = _ingest(client, [(io.BytesIO(speech), "党建讲话.txt")])
        assert first.status_code == 303
        assert "排队中" in _text(client.get(first.headers["Location"]))
        second = _ingest(client, [(io.BytesIO(b"x"), "另一个.txt")])
        assert second.status_code == 503 and "服务繁忙，请稍后再试" in _text(second)
    assert "新增 1 篇" in _wait(client, first.headers["Location"])


# -- 13: ordinary input --------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    ({"q": PHRASE, "page": "²"}, "页码应为 1 到 10000 之间的整数，现在是“²”"),
    ({"q": PHRASE, "level": "²"}, "层级应为 0 到 9 之间的整数，现在是“²”"),
    ({"q": PHRASE, "page": "99999999999999"}, "页码应为 1 到 10000 之间的整数"),
    ({"q": PHRASE, "from": "2026-13"}, "起始日期“2026-13”不存在"),
    ({"q": PHRASE, "to": "2026-02-30"}, "截止日期“2026-02-30”不存在"),
    ({"q": PHRASE, "to": "明年"}, "截止日期“明年”的格式不对"),
], ids=["page", "level", "huge-page", "month", "day", "words"])
def test_bad_numbers_and_dates_in_a_search_are_a_400_message(client, args, message):
    response = client.get("/", query_string=args)
    assert response.status_code == 400
    assert message in _text(response)


def test_superscript_minimum_on_the_phrase_page(client):
    response = client.get("/phrases", query_string={"min": "²"})
    assert response.status_code == 400
    assert "最少次数应为 1 到 1000000 之间的整数，现在是“²”" in _text(response)


def test_method_override_argument_never_reaches_url_building(client, monkeypatch):
    from bigan.web import views_library

    monkeypatch.setattr(views_library, "PER_PAGE", 1)
    response = client.get("/", query_string={"q": PHRASE, "_method": "POST", "_external": "1",
                                             "page": "2"})
    page = _text(response)
    assert response.status_code == 200
    assert "第 2 / 3 页" in page
    links = re.findall(r'href="(/\?[^"]+)" rel="(?:prev|next)"', page)
    assert len(links) == 2 and all("_method" not in link and "_external" not in link for link in links)


@pytest.mark.parametrize("fields, message", [
    ({"date": "2026-02-30"}, "日期“2026-02-30”不存在"),
    ({"date": "2026-13-45"}, "日期“2026-13-45”不存在"),
    ({"date": "三月"}, "日期“三月”的格式不对"),
    ({"length": "²"}, "字数应为 300 到 30000 之间的整数，现在是“²”"),
    ({"seed": "１２"}, "选材编号应为 0 到 1000000000 之间的整数"),
    ({"headings": "\n".join(f"第{n}部分" for n in range(110))}, "小标题最多 9 个，现在有 110 个"),
    ({"topic": "党" * 300}, "主题词太长（300 字）"),
], ids=["feb-30", "month-13", "words", "superscript", "full-width", "110-headings", "long-topic"])
def test_bad_draft_values_are_a_400_message(client, fields, message):
    response = _draft(client, **fields)
    assert response.status_code == 400
    assert message in _text(response)


def test_a_valid_draft_date_is_used(client):
    page = _text(_draft(client, date="2026-3-8"))
    assert "2026年3月8日" in page


LONG_NAME = "关于" + "进一步加强和改进基层治理工作" * 20 + ".txt"


def test_an_upload_name_longer_than_the_disk_takes(app, client):
    assert len(LONG_NAME.encode()) > 255
    data = {"csrf_token": csrf_of(client, "/format"), "output": "md",
            "file": (io.BytesIO((DATA / "upload" / "草稿.txt").read_bytes()), LONG_NAME)}
    response = client.post("/format", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "已排好“关于进一步加强" in _text(response)


def test_ingest_of_awkward_names_reports_each_and_leaves_no_orphan(tmp_path):
    root = tmp_path / "kb"
    client = create_app(root).test_client()
    speech = (DATA / "kb" / "党建讲话.txt").read_bytes()
    business = (DATA / "kb" / "营商环境讲话.txt").read_bytes()
    other = (DATA / "kb" / "网页安全测试.txt").read_bytes()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the duplicate name, on purpose
            z.writestr("a.txt", business)
            z.writestr("a.txt/b.txt", other)
            z.writestr("dup.txt", other)
            z.writestr("dup.txt", speech)
            z.writestr(unicodedata.normalize("NFD", "é.txt"), b"x")
            z.writestr(unicodedata.normalize("NFC", "é.txt"), b"y")
            z.writestr("../../逃.txt", speech)
    archive.seek(0)
    response = _ingest(client, [(io.BytesIO(speech), "同名.txt"), (archive, "同名.txt.zip"),
                                (io.BytesIO(other), LONG_NAME)])
    assert response.status_code == 303
    page = _wait(client, response.headers["Location"])
    assert "同名.txt</td><td>新增" in page
    assert "同名（2）.txt/a.txt</td><td>新增" in page  # the zip's folder passes by the file
    assert "同名.txt.zip/a.txt/b.txt</td><td>未入库：所在文件夹与压缩包中的文件“a.txt”同名" in page
    assert "同名.txt.zip/dup.txt</td><td>未入库：压缩包中已有同名文件“dup.txt”" in page
    assert "同名.txt.zip/../../逃.txt</td><td>未入库：路径含“..”" in page
    assert "未入库：压缩包中已有同名文件“é.txt”" in unicodedata.normalize("NFC", page)
    assert "关于进一步加强" in page and "失败 0 个" in page
    assert str(tmp_path) not in page
    # Every file kept in the library's upload folder belongs to a document: nothing orphaned.
    from kb.knowledge_base import KnowledgeBase

    with KnowledgeBase.open(root, create=False) as kb:
        sources = {Path(i.source) for i in kb.documents()} | {
            Path(a[0]) for i in kb.documents() for a in i.aliases}
    kept = _files_under(root / "uploads")
    assert kept and set(kept) <= sources
    assert all(len(p.name.encode()) <= 200 for p in kept)


# -- 14: no files left behind --------------------------------------------------------------------

def test_format_check_and_draft_leave_no_file_behind(app, client):
    work = app.extensions["bigan"].work_dir
    draft = (DATA / "upload" / "草稿.txt").read_bytes()
    for page, extra in (("/format", {"output": "docx"}), ("/check", {})):
        data = {"csrf_token": csrf_of(client, page), "file": (io.BytesIO(draft), "草稿.txt"), **extra}
        response = client.post(page, data=data, content_type="multipart/form-data")
        assert response.status_code == 200, _text(response)
        assert _files_under(work) == [], page
    assert _draft(client).status_code == 200
    assert _files_under(work) == []
    # Failures clean up too.
    data = {"csrf_token": csrf_of(client, "/format"), "file": (io.BytesIO(b"PK\x03\x04broken"), "坏.docx")}
    assert client.post("/format", data=data, content_type="multipart/form-data").status_code == 400
    assert _files_under(work) == []


def _start_serve(kb: Path, tmp: Path, *extra: str) -> tuple[subprocess.Popen, str, threading.Thread]:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    env.pop("BIGAN_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from bigan.cli import main; main()", "--kb", str(kb), "serve",
         "--port", "0", *extra], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line)
        url = found and found.group(1)
    if url is None:
        process.kill()
        pytest.fail("bigan serve did not start")
    drain = threading.Thread(target=process.stderr.read, daemon=True)  # keep the pipe from filling
    drain.start()
    return process, url, drain


@pytest.mark.slow
def test_sigterm_removes_the_servers_temporary_folder(web_kb, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process, url, drain = _start_serve(web_kb, tmp)
    try:
        port = int(re.search(r":(\d+)/", url).group(1))
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"GET /format HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 200 ")
        sock.close()
        assert [p.name[:10] for p in tmp.iterdir()] == ["bigan-web-"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        drain.join(timeout=30)
        process.stderr.close()
    assert list(tmp.iterdir()) == []


# -- 15: token mode ------------------------------------------------------------------------------

def test_token_guesses_are_limited_per_client(web_kb):
    app = create_app(web_kb, token="office-pass-42", limits=AppLimits(token_attempts=3, token_window=60))
    client = app.test_client()
    attacker = {"REMOTE_ADDR": "192.168.1.66"}
    for guess in ("a", "b", "c"):
        assert client.get("/", query_string={"token": guess}, environ_base=attacker).status_code == 401
    blocked = client.get("/", query_string={"token": "office-pass-42"}, environ_base=attacker)
    assert blocked.status_code == 429  # even the right token: guessing stops here
    assert "访问令牌错误次数过多，请" in _text(blocked) and int(blocked.headers["Retry-After"]) >= 1
    header = {"X-Bigan-Token": "office-pass-42"}
    assert client.get("/", headers=header, environ_base=attacker).status_code == 429
    # Another machine is not held up.
    assert client.get("/", headers=header, environ_base={"REMOTE_ADDR": "192.168.1.7"}).status_code == 200


def test_a_stale_cookie_sent_again_counts_once(web_kb):
    app = create_app(web_kb, token="office-pass-42", limits=AppLimits(token_attempts=2))
    client = app.test_client()
    client.set_cookie("bigan_token", "token-of-an-earlier-start")
    for _ in range(10):
        assert client.get("/").status_code == 401
    assert client.get("/", query_string={"token": "office-pass-42"}).status_code == 303


def test_an_empty_token_is_refused(web_kb):
    from bigan.web.cli import serve

    for value in ("", "   "):
        result = CliRunner().invoke(serve, ["--token", value], obj={"kb_path": str(web_kb)})
        assert result.exit_code == 2
        assert "访问令牌不能为空" in result.output
    with pytest.raises(ValueError):
        create_app(web_kb, token="")


def test_error_pages_show_no_absolute_path(tmp_path):
    not_a_folder = tmp_path / "私密" / "kb"
    not_a_folder.parent.mkdir()
    not_a_folder.write_text("x")
    client = create_app(not_a_folder).test_client()
    for path in ("/doc/abcdef123456", "/?q=基层"):
        page = _text(client.get(path))
        assert str(tmp_path) not in page and "/私密/" not in page
    page = _text(client.get("/doc/abcdef123456"))
    assert "kb 不是文件夹" in page


def test_public_message_cuts_any_absolute_path(app):
    from bigan.web.app import public_message

    web = app.extensions["bigan"]
    with app.test_request_context("/"):
        assert public_message(f"素材库索引已损坏（{web.kb_root}/index-3：ValueError）") == \
            f"素材库索引已损坏（{web.kb_root.name}/index-3：ValueError）"
        assert public_message("/home/张三/材料/讲话.txt：无法识别编码") == "讲话.txt：无法识别编码"
        assert public_message("见 http://127.0.0.1:8000/docs 与 GB/T 9704") == \
            "见 http://127.0.0.1:8000/docs 与 GB/T 9704"
