"""Flask test-client tests of every page of `bigan serve`, its errors and its defences."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from bigan.web import create_app
from tests.web.support import DATA, app, client, csrf_of, doc_ids, web_kb  # noqa: F401 (fixtures)

PHRASE = "一刻钟党建服务圈"


@pytest.fixture
def phrase_library(monkeypatch):
    """Make sure ``KnowledgeBase.phrase_library()`` answers (built from the passages until main has it)."""
    from kb.knowledge_base import KnowledgeBase
    from kb.phrases import PhraseLibrary

    if not hasattr(KnowledgeBase, "phrase_library"):
        monkeypatch.setattr(KnowledgeBase, "phrase_library", lambda self: PhraseLibrary.build(
            p for info in self.documents() for p in self.passages(info.doc_id)), raising=False)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _download(client, url: str):
    """Return the response of a file download, its body read and its file closed."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _upload(path: Path, name: str | None = None):
    return (io.BytesIO(path.read_bytes()), name or path.name)


# -- 检索 -------------------------------------------------------------------------------------------

def test_search_home_shows_the_library_size(client):
    page = _text(client.get("/"))
    assert "素材库共 3 篇文档" in page
    assert 'id="q"' in page and "autofocus" in page and 'accesskey="s"' in page


def test_search_highlights_hits_with_exact_total_and_links_to_the_passage(client, doc_ids):
    response = client.get("/", query_string={"q": PHRASE})
    page = _text(response)
    assert response.status_code == 200
    assert f"“{PHRASE}”共 3 条" in page
    assert page.count(f"<mark>{PHRASE}</mark>") == 3
    speech = doc_ids["党建讲话"]
    assert f'href="/doc/{speech}#p17"' in page
    assert "二、突出重点，推动基层党建全面进步全面过硬 › （三）抓好服务能力提升" in page
    assert "2025-03-18" in page


def test_search_filters_reach_the_library(client):
    page = _text(client.get("/", query_string={"q": PHRASE, "type": "work_plan"}))
    assert f"“{PHRASE}”共 0 条" in page
    page = _text(client.get("/", query_string={"q": "基层党建", "headings": "1", "level": "1"}))
    assert "共 2 条" in page
    assert "<mark>基层党建</mark>的重要意义" in page


def test_search_pages(client, monkeypatch):
    from bigan.web import views_library

    monkeypatch.setattr(views_library, "PER_PAGE", 2)
    first = _text(client.get("/", query_string={"q": PHRASE}))
    second = _text(client.get("/", query_string={"q": PHRASE, "page": "2"}))
    assert "第 1 / 2 页" in first and first.count("<mark>") == 2
    assert "第 2 / 2 页" in second and second.count("<mark>") == 1
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert '<ol class="hits" start="3">' in second


@pytest.mark.parametrize("query", ["-网格", "   "], ids=["only-exclusion", "blank"])
def test_bad_query_is_a_400_page_in_chinese(client, query):
    response = client.get("/", query_string={"q": query, "type": "speech"})
    if not query.strip():
        assert response.status_code == 200  # an empty box is the home page, not an error
        return
    assert response.status_code == 400
    assert "检索式只有排除词" in _text(response)


def test_search_without_a_knowledge_base_says_what_to_do(tmp_path):
    client = create_app(tmp_path / "none").test_client()
    page = _text(client.get("/", query_string={"q": PHRASE}))
    assert "素材库还没有内容" in page
    assert "没有文档" in _text(client.get("/docs")) or "还没有文档" in _text(client.get("/docs"))


# -- 文档 -------------------------------------------------------------------------------------------

def test_catalogue_lists_the_documents(client, doc_ids):
    page = _text(client.get("/docs"))
    assert "共 3 篇" in page
    for doc_id in doc_ids.values():
        assert f'href="/doc/{doc_id}"' in page


def test_document_page_has_outline_and_anchored_text(client, doc_ids):
    speech = doc_ids["党建讲话"]
    page = _text(client.get(f"/doc/{speech}"))
    assert "<h1 id=\"p0\">在全市基层党建工作座谈会上的讲话</h1>" in page
    assert '<a href="#p4">一、提高站位，深刻认识抓好基层党建的重要意义</a>' in page
    assert '<a href="#p16">（三）抓好服务能力提升</a>' in page
    assert re.search(r'id="p17" class="passage body">要深化“一刻钟党建服务圈”建设', page)
    assert "<strong>一是阵地建设更加规范</strong>" in page
    assert "党建讲话.txt" in page


def test_document_original_is_the_ingested_file(client, doc_ids):
    response = _download(client, f"/doc/{doc_ids['党建讲话']}/original")
    assert response.status_code == 200
    assert response.data == (DATA / "kb" / "党建讲话.txt").read_bytes()
    assert "attachment" in response.headers["Content-Disposition"]


def test_document_relayout_downloads_a_docx_and_writes_no_file(app, client, doc_ids, tmp_path):
    work = app.extensions["bigan"].work_dir
    download = _download(client, f"/doc/{doc_ids['营商环境讲话']}/docx")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    target = tmp_path / "out.docx"
    target.write_bytes(download.data)
    texts = [p.text for p in docx.Document(str(target)).paragraphs]
    assert "在全市优化营商环境推进会上的讲话" in "".join(texts)
    # A second GET sends the same file again, built once and kept in memory; nothing is on disk.
    assert _download(client, f"/doc/{doc_ids['营商环境讲话']}/docx").data == download.data
    assert [p for p in work.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("path", ["/doc/0000deadbeef", "/doc/0000deadbeef/original",
                                  "/doc/0000deadbeef/docx", "/doc/..%2Fetc", "/files/nothing",
                                  "/no/such/page", "/ingest/nojob"],
                         ids=["doc", "original", "docx", "traversal", "file", "route", "job"])
def test_missing_things_are_404_pages_in_chinese(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = _text(response)
    assert "没有找到（404）" in page.replace("<span class=\"code\">", "").replace("</span>", "")
    assert "Not Found" not in page


def test_a_server_error_is_a_chinese_page_without_traceback(web_kb):
    app = create_app(web_kb)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = _text(response)
    assert "服务器内部错误" in page
    assert "secret internals" not in page and "Traceback" not in page


# -- 提法 -------------------------------------------------------------------------------------------

def test_phrases_link_to_their_search(client, phrase_library):
    page = _text(client.get("/phrases"))
    assert "共 3 条" in page
    row = re.search(r"<tr>\s*<td><a href=\"([^\"]+)\">一刻钟党建服务圈</a></td>(.*?)</tr>", page, re.S)
    assert row.group(1) == "/?q=%E4%B8%80%E5%88%BB%E9%92%9F%E5%85%9A%E5%BB%BA%E6%9C%8D%E5%8A%A1%E5%9C%88"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(2), re.S)
    assert cells[:4] == ["引号提法", "3", "2", "2024-06-12 至 2025-03-18"]
    assert f"“{PHRASE}”共 3 条" in _text(client.get(row.group(1)))


def test_phrases_filter(client, phrase_library):
    page = _text(client.get("/phrases", query_string={"kind": "numbered", "sort": "date"}))
    assert "共 2 条" in page
    assert page.index("三会一课") < page.index("一网通办")  # the most recently used first
    assert "没有找到符合条件的提法" in _text(client.get("/phrases", query_string={"q": "不存在"}))


def test_phrases_without_a_knowledge_base(tmp_path):
    page = _text(create_app(tmp_path / "none").test_client().get("/phrases"))
    assert "素材库还没有内容" in page


# -- 起草 -------------------------------------------------------------------------------------------

def _draft_form(client, **fields):
    data = {"csrf_token": csrf_of(client, "/draft"), "kind": "speech", "template": "座谈会",
            "topic": "基层党建", "unit": "江州市", "meeting": "", "speaker": "", "date": "",
            "length": "", "headings": "", "seed": ""}
    data.update(fields)
    return client.post("/draft", data=data)


def test_draft_form_page(client):
    page = _text(client.get("/draft"))
    assert 'name="topic"' in page and "座谈会" in page and 'name="csrf_token"' in page


def test_draft_preview_shows_sources_alternatives_and_downloads(client, tmp_path):
    response = _draft_form(client)
    page = _text(response)
    assert response.status_code == 200
    assert "在江州市基层党建工作座谈会上的讲话" in page
    assert "来源：<a href=\"/doc/" in page and "《在全市基层党建工作座谈会上的讲话》（2025-03-18）" in page
    assert "模板衔接语" in page
    assert "备选标题" in page
    docx_link = re.search(r'href="(/files/[^"]+)" id="download-docx"', page).group(1)
    md_link = re.search(r'href="(/files/[^"]+)" id="download-md"', page).group(1)
    target = tmp_path / "draft.docx"
    target.write_bytes(_download(client, docx_link).data)
    texts = "".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "一刻钟党建服务圈" in texts
    markdown = _download(client, md_link).get_data(as_text=True)
    assert "在江州市基层党建工作座谈会上的讲话" in markdown


@pytest.mark.parametrize("fields, message", [
    ({"topic": ""}, "请填写主题词"),
    ({"length": "50"}, "字数应为 300 到 30000 之间的整数"),
    ({"template": "不存在的模板"}, "没有名为“不存在的模板”的模板"),
], ids=["no-topic", "short", "template"])
def test_draft_form_errors(client, fields, message):
    response = _draft_form(client, **fields)
    assert response.status_code == 400
    assert message in _text(response)


def test_draft_on_an_empty_knowledge_base(tmp_path):
    from kb.knowledge_base import KnowledgeBase

    KnowledgeBase.open(tmp_path / "empty").close()
    client = create_app(tmp_path / "empty").test_client()
    response = _draft_form(client)
    assert response.status_code == 400
    assert "素材库是空的" in _text(response)


# -- 排版 and 校对 ----------------------------------------------------------------------------------

def test_format_upload_downloads_a_docx(client, tmp_path):
    data = {"csrf_token": csrf_of(client, "/format"), "output": "docx",
            "file": _upload(DATA / "upload" / "草稿.txt")}
    page = _text(client.post("/format", data=data, content_type="multipart/form-data"))
    link = re.search(r'href="(/files/[^"]+)" id="download">下载 草稿-排版.docx', page).group(1)
    download = _download(client, link)
    assert "%E8%8D%89%E7%A8%BF-%E6%8E%92%E7%89%88.docx" in download.headers["Content-Disposition"]
    target = tmp_path / "formatted.docx"
    target.write_bytes(download.data)
    texts = [p.text for p in docx.Document(str(target)).paragraphs]
    assert "关于开展社区议事协商试点工作的通知" in "".join(texts)
    assert "（一）加强组织领导。各街道要明确分管负责同志，按时报送试点方案。" in "".join(texts)


@pytest.mark.parametrize("page, name, message", [
    ("/format", "草稿.pdf", "只能上传 .txt .md .markdown .docx 文件"),
    ("/check", "草稿.xls", "只能上传"),     # .pdf is read since issue 17: every reader format is checked
    ("/format", "坏.docx", "坏.docx"),
], ids=["format-type", "check-type", "broken-docx"])
def test_upload_errors_name_the_file_not_the_server_folder(client, page, name, message):
    data = {"csrf_token": csrf_of(client, page), "file": (io.BytesIO(b"PK\x03\x04broken"), name)}
    response = client.post(page, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    text = _text(response)
    assert message in text
    assert "bigan-web-" not in text


def _check(client):
    data = {"csrf_token": csrf_of(client, "/check"), "file": _upload(DATA / "upload" / "待校对.txt")}
    return _text(client.post("/check", data=data, content_type="multipart/form-data"))


def test_check_shows_findings_beside_the_text(tmp_path):
    page = _check(create_app(tmp_path / "none").test_client())
    assert "共 2 处（错误 2，疑似 0，提示 0）" in page
    assert "今年以来<mark>,</mark>我们" in page
    assert "<mark>加强加强</mark>" in page
    assert "［错误］重复词语：“加强”连写了两次" in page
    assert "素材库为空，未检查提法" in page


def test_check_reads_a_saved_web_page(tmp_path):
    client = create_app(tmp_path / "none").test_client()
    page_html = ("<html><body><h1>关于报送材料的通知</h1><p>各单位:</p>"
                 "<p>请于2026年4月31日前报送。</p></body></html>").encode("utf-8")
    data = {"csrf_token": csrf_of(client, "/check"), "file": (io.BytesIO(page_html), "通知.html")}
    page = _text(client.post("/check", data=data, content_type="multipart/form-data"))
    assert "共 2 处（错误 2，疑似 0，提示 0）" in page
    assert "“2026年4月31日”不是有效的日期" in page


def test_check_with_the_knowledge_base(client, phrase_library):
    page = _check(client)
    assert "重复词语" in page and "素材库为空" not in page


# -- 入库 -------------------------------------------------------------------------------------------

def _wait(client, location: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        page = _text(client.get(location))
        if "入库结果" in page or time.monotonic() > deadline:
            return page
        assert '<meta http-equiv="refresh" content="1">' in page
        time.sleep(0.1)


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_ingest_files_and_zip_with_report(tmp_path):
    root = tmp_path / "kb"
    client = create_app(root).test_client()
    speech = (DATA / "kb" / "党建讲话.txt").read_bytes()
    archive = _zip({"材料/营商环境讲话.txt": (DATA / "kb" / "营商环境讲话.txt").read_bytes(),
                    "../逃出去.txt": speech, "图片.png": b"\x89PNG", "空白.txt": b"   \n"})
    data = {"csrf_token": csrf_of(client, "/ingest"),
            "files": [(io.BytesIO(speech), "党建讲话.txt"), (archive, "一批.zip")]}
    response = client.post("/ingest", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = _wait(client, response.headers["Location"])
    assert "新增 2 篇" in page and "失败 1 个" in page
    assert "另有 2 个文件未入库" in page
    assert "一批.zip/图片.png" in page
    assert "一批.zip/../逃出去.txt</td><td>未入库：路径含“..”，会指到解压文件夹以外，已跳过" in page
    assert "党建讲话.txt</td><td>新增" in page
    assert "一批/材料/营商环境讲话.txt</td><td>新增" in page
    assert str(root) not in page
    assert not (root / "逃出去.txt").exists() and not (root / "uploads" / "逃出去.txt").exists()
    assert f"“{PHRASE}”共 3 条" in _text(client.get("/", query_string={"q": PHRASE}))
    # The same file again is recognised, not added twice.
    data = {"csrf_token": csrf_of(client, "/ingest"), "files": [(io.BytesIO(speech), "党建讲话.txt")]}
    page = _wait(client, client.post("/ingest", data=data,
                                     content_type="multipart/form-data").headers["Location"])
    assert "新增 0 篇" in page and "未变 1 篇" in page
    # A different file of the same name is kept beside the first, never replacing it.
    other = (DATA / "kb" / "网页安全测试.txt").read_bytes()
    data = {"csrf_token": csrf_of(client, "/ingest"), "files": [(io.BytesIO(other), "党建讲话.txt")]}
    page = _wait(client, client.post("/ingest", data=data,
                                     content_type="multipart/form-data").headers["Location"])
    assert "党建讲话（2）.txt</td><td>新增" in page
    assert "共 3 篇" in _text(client.get("/docs"))


def test_ingest_without_files_is_a_400(client):
    response = client.post("/ingest", data={"csrf_token": csrf_of(client, "/ingest")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "请选择要入库的文件" in _text(response)


# -- Limits, token, CSRF ------------------------------------------------------------------------------

def test_too_large_upload_is_a_413_page_with_the_limit(web_kb):
    # Small sizes: the test client keeps the body in memory (a spooled file would be left open).
    client = create_app(web_kb, max_upload=100 * 1024).test_client()
    token = csrf_of(client, "/format")
    data = {"csrf_token": token, "file": (io.BytesIO(b"x" * (100 * 1024 + 10)), "大.txt")}
    response = client.post("/format", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "上传的文件超过了 100 KB 的上限" in _text(response)


def test_token_is_required_when_set(web_kb):
    client = create_app(web_kb, token="office-pass-42").test_client()
    response = client.get("/", query_string={"q": PHRASE})
    assert response.status_code == 401
    assert "缺少访问令牌" in _text(response)
    assert client.get("/", headers={"X-Bigan-Token": "wrong"}).status_code == 401
    assert client.get("/", headers={"X-Bigan-Token": "office-pass-42"}).status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer office-pass-42"}).status_code == 200


def test_token_in_the_address_moves_into_a_cookie(web_kb):
    client = create_app(web_kb, token="办公室口令").test_client()
    assert client.get("/", query_string={"token": "办公"}).status_code == 401
    moved = client.get("/", query_string={"q": PHRASE, "token": "办公室口令"})
    assert moved.status_code == 303
    assert "token" not in moved.headers["Location"] and "q=" in moved.headers["Location"]
    assert "HttpOnly" in moved.headers["Set-Cookie"]
    again = client.get(moved.headers["Location"])  # the cookie now carries it
    assert again.status_code == 200 and f"<mark>{PHRASE}</mark>" in _text(again)


def test_without_a_token_only_this_machine_is_answered(client):
    response = client.get("/", environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert response.status_code == 401
    assert "只接受本机访问" in _text(response)
    assert client.get("/", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.parametrize("host, status", [("127.0.0.1:8000", 200), ("localhost:8000", 200),
                                          ("[::1]:8000", 200), ("evil.example:8000", 400)],
                         ids=["ipv4", "localhost", "ipv6", "rebinding"])
def test_without_a_token_only_loopback_host_names_are_answered(client, host, status):
    response = client.get("/", headers={"Host": host})
    assert response.status_code == status
    if status == 400:
        assert "请用 127.0.0.1 或 localhost 的地址打开" in _text(response)


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "wrong"])
def test_post_without_the_csrf_token_is_a_400(client, token):
    csrf_of(client, "/draft")  # the session has a token; the form below does not carry it
    data = {"topic": "基层党建"}
    if token:
        data["csrf_token"] = token
    response = client.post("/draft", data=data)
    assert response.status_code == 400
    assert "缺少校验码" in _text(response)


# -- XSS ----------------------------------------------------------------------------------------------

DANGEROUS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", 'href="javascript:')


def test_document_text_is_escaped_on_search_and_document_pages(client, doc_ids):
    search = client.get("/", query_string={"q": "标记"})
    document = client.get(f"/doc/{doc_ids['网页安全测试']}")
    for response in (search, document):
        page = _text(response)
        for needle in DANGEROUS:
            assert needle not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;点我&lt;/a&gt;" in _text(document)
    assert "<mark>标记</mark>&lt;script&gt;" in _text(search)


# -- bigan serve --------------------------------------------------------------------------------------

def _serve(monkeypatch, args):
    """Run `bigan serve` with the server replaced: return the result and (host, port, app) per start."""
    from types import SimpleNamespace

    from bigan.web import server as web_server
    from bigan.web.cli import serve

    calls, stopped = [], []

    def make_server(app, host, port, limits=web_server.ServerLimits()):
        calls.append(((host, port, app), {"threads": limits.threads}))
        return SimpleNamespace(effective_port=port or 54321)

    def run(server, on_stop=None):
        stopped.append(server)
        on_stop()

    monkeypatch.setattr(web_server, "make_server", make_server)
    monkeypatch.setattr(web_server, "run", run)
    result = CliRunner().invoke(serve, args, obj={"kb_path": None})
    assert len(stopped) == len(calls)
    return result, calls


def test_serve_on_loopback_needs_no_token(monkeypatch):
    result, calls = _serve(monkeypatch, ["--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "token" not in result.output
    (host, port, app), options = calls[0]
    assert (host, port, options["threads"]) == ("127.0.0.1", 8123, 8)
    assert app.config["BIGAN_TOKEN"] is None
    assert not app.extensions["bigan"].work_dir.exists()  # cleaned when the server stopped


def test_serve_on_the_network_generates_a_token(monkeypatch):
    result, calls = _serve(monkeypatch, ["--host", "0.0.0.0"])
    token = calls[0][0][2].config["BIGAN_TOKEN"]
    assert token and len(token) >= 16
    assert f"?token={token}" in result.output and "每个请求都须带访问令牌" in result.output
    result, calls = _serve(monkeypatch, ["--host", "0.0.0.0", "--token", "口令"])
    assert calls[0][0][2].config["BIGAN_TOKEN"] == "口令"
    result, calls = _serve(monkeypatch, ["--token"])
    assert len(calls[0][0][2].config["BIGAN_TOKEN"]) >= 16


def test_serve_help_is_chinese():
    from bigan.web.cli import serve

    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0 and "bigan serve --open" in result.output


def test_serve_reports_a_busy_port_in_one_line(monkeypatch):
    import errno

    from bigan.web import server as web_server
    from bigan.web.cli import serve

    def busy(*args, **kwargs):
        raise OSError(errno.EADDRINUSE, "Address already in use")

    monkeypatch.setattr(web_server, "make_server", busy)
    result = CliRunner().invoke(serve, ["--port", "8000"], obj={"kb_path": None})
    assert result.exit_code == 1
    assert "无法在 127.0.0.1:8000 上启动：Address already in use（端口可能已被占用，请用 --port 换一个）" in result.output


def test_check_with_the_writers_unit_and_date(tmp_path):
    client = create_app(tmp_path / "none").test_client()
    draft = "在安全生产工作会议上的讲话\n同志们：\n新春伊始，全区上下要抓好安全生产。\n".encode("utf-8")

    def post(**fields):
        data = {"csrf_token": csrf_of(client, "/check"), "file": (io.BytesIO(draft), "稿.txt"), **fields}
        return client.post("/check", data=data, content_type="multipart/form-data")

    page = _text(post(unit="江州市", date="2026-03-18"))
    assert "［疑似］单位层级：“全区”与本单位（江州市）的“市”级不一致" in page
    assert "［疑似］季节不符：“新春伊始”与 2026年3月18日的日期不符" in page
    assert 'value="江州市"' in page and 'value="2026-03-18"' in page
    page = _text(post())
    assert "单位层级" not in page and "季节不符" not in page
    response = post(unit="宣传部")
    assert response.status_code == 400 and "看不出“宣传部”是哪一级单位" in _text(response)
    response = post(date="2026-02-30")
    assert response.status_code == 400 and "不是有效日期" in _text(response)
