"""The Flask application of `bigan serve`: configuration, access control, error pages."""

from __future__ import annotations

import functools
import re
import secrets
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from bigan.web import present, security
from bigan.web.files import GeneratedFiles
from bigan.web.jobs import IngestJobs
from bigan.web.library import SharedLibrary
from bigan.web.limits import AppLimits, Attempts, Busy, Gate
from generator.errors import GeneratorError
from kb.errors import IndexCorruptError, IndexLockedError, KbError, NotFoundError

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024

_ERROR_TITLES = {400: "请求有误", 401: "需要访问令牌", 403: "禁止访问", 404: "没有找到",
                 405: "不支持的操作", 413: "上传的文件太大", 429: "尝试次数过多",
                 500: "服务器内部错误", 503: "服务繁忙"}

#: What a user is told when a limit on concurrent work is reached.
BUSY_MESSAGE = "服务繁忙，请稍后再试。"


@dataclass(frozen=True)
class WebState:
    """What one app holds: the knowledge-base folder and its shared reader, the private work
    folder, generated files, ingest jobs and the limits on heavy work and token guesses."""

    kb_root: Path
    work_dir: Path
    library: SharedLibrary
    files: GeneratedFiles
    jobs: IngestJobs
    heavy: Gate
    attempts: Attempts

    @property
    def ingest_dir(self) -> Path:
        # Uploaded material keeps a stable home, so uploading a file again updates it instead of
        # adding a copy, and the catalogue's source paths stay readable.
        return self.kb_root / "uploads"

    @property
    def upload_dir(self) -> Path:
        return self.work_dir / "uploads"

    @property
    def scratch_dir(self) -> Path:
        # Where outputs are built before they are read into memory; emptied after each response.
        return self.work_dir / "scratch"

    def cleanup(self) -> None:
        """Remove the work folder and close the shared knowledge base (the server is stopping)."""
        self.library.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


def create_app(kb_path=None, *, token: str | None = None, max_upload: int = DEFAULT_MAX_UPLOAD,
               limits: AppLimits = AppLimits()) -> Flask:
    """Return the web application over the knowledge base at ``kb_path`` (default: the user's one).

    With ``token`` every request must carry it (``?token=`` once, then a
    cookie, or the ``X-Bigan-Token`` header); without it only this machine
    is answered. Uploads larger than ``max_upload`` bytes get a 413 page.
    ``limits`` bounds heavy work and token guesses.
    """
    from kb.knowledge_base import default_path

    if token is not None and not token.strip():
        raise ValueError("访问令牌不能为空")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # new each start: sessions and CSRF tokens end with the server
        MAX_CONTENT_LENGTH=max_upload,
        BIGAN_TOKEN=token or None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        JSON_AS_ASCII=False,
    )
    work_dir = Path(tempfile.mkdtemp(prefix="bigan-web-"))
    # Absolute, as the catalogue records sources: the report hides the upload folder by prefix.
    kb_root = (Path(kb_path) if kb_path is not None else default_path()).absolute()
    web = app.extensions["bigan"] = WebState(
        kb_root=kb_root, work_dir=work_dir, library=SharedLibrary(kb_root), files=GeneratedFiles(),
        jobs=IngestJobs(limits.ingest_pending),
        heavy=Gate(limits.heavy, limits.heavy_waiting, limits.heavy_wait),
        attempts=Attempts(limits.token_attempts, limits.token_window))
    weakref.finalize(app, web.cleanup)

    app.before_request(security.check_access)
    app.before_request(security.check_csrf)
    app.after_request(security.secure_headers)
    app.jinja_env.globals.update(csrf_token=security.csrf_token, type_names=present.TYPE_NAMES,
                                 role_names=present.ROLE_NAMES, kind_names=present.KIND_NAMES,
                                 max_upload=present.size(max_upload))
    app.jinja_env.filters["highlight"] = present.highlight
    app.jinja_env.filters["public"] = public_message

    from bigan.web import views_library, views_tools

    app.register_blueprint(views_library.blueprint)
    app.register_blueprint(views_tools.blueprint)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(KbError, _library_error)
    app.register_error_handler(GeneratorError, _library_error)
    app.register_error_handler(Busy, _busy)
    return app


def state() -> WebState:
    """Return the current app's WebState."""
    return current_app.extensions["bigan"]


def open_kb():
    """Return the process's shared knowledge base (its methods run under one lock); KbError when missing."""
    return state().library.get()


def heavy(view):
    """Run ``view`` in one of the few slots for heavy work (drafts, layouts, ingests); 503 when all are taken."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        gate = state().heavy
        gate.acquire()
        try:
            return view(*args, **kwargs)
        finally:
            gate.release()

    return wrapper


#: An absolute path in a message: a slash, then at least two components.
_ABSOLUTE = re.compile(r"(?<![\w.:/])/(?:[^\s/：:，,；;（）()“”\"']+/)+([^\s/：:，,；;（）()“”\"']*)")


def public_message(text: str) -> str:
    """Return a library message with no absolute path of the server in it.

    The upload and work folders disappear, the knowledge base is named by its
    folder name, and any other absolute path is cut to its last component.
    """
    web = state()
    for folder in (web.upload_dir, web.ingest_dir, web.work_dir):
        text = text.replace(f"{folder}/", "")
    text = text.replace(f"{web.kb_root}/", f"{web.kb_root.name}/").replace(str(web.kb_root), web.kb_root.name)
    return _ABSOLUTE.sub(lambda m: m.group(1) or "/", text)


def error_page(status: int, message: str):
    """Return the Chinese error page for ``status`` with ``message`` (absolute paths taken out)."""
    title = _ERROR_TITLES.get(status, "出错了")
    return render_template("error.html", status=status, title=title,
                           message=public_message(message)), status


def _http_error(error: HTTPException):
    status = error.code or 500
    message = error.description if _is_ours(error) else _DEFAULT_MESSAGES.get(status, "请求无法完成。")
    if status == 413:
        limit = present.size(current_app.config["MAX_CONTENT_LENGTH"])
        message = f"上传的文件超过了 {limit} 的上限。请分批上传，或压缩后再试。"
    response = error_page(status, message)
    if status == 401:
        return response[0], 401, {"WWW-Authenticate": 'Bearer realm="bigan"'}
    if status == 429 and getattr(error, "retry_after", None):
        return response[0], 429, {"Retry-After": str(error.retry_after)}
    return response


def _busy(_error: Busy):
    page, status = error_page(503, BUSY_MESSAGE)
    return page, status, {"Retry-After": "5"}


def _is_ours(error: HTTPException) -> bool:
    # Our aborts carry Chinese descriptions; werkzeug's defaults are English and replaced.
    return bool(error.description) and any("\u4e00" <= ch <= "\u9fff" for ch in error.description)


_DEFAULT_MESSAGES = {
    400: "请求的内容不完整或格式不对，请返回上一页重试。",
    401: "缺少访问令牌，请使用启动时显示的完整地址打开。",
    404: "没有这个页面或文件。下载链接只在本次启动期间有效。",
    405: "这个地址不支持这种操作，请从页面上的链接或按钮进入。",
    500: "服务器处理时出错了，详情见服务器日志。请重试，或把操作步骤告诉维护人员。",
}


def _library_error(error: Exception):
    if isinstance(error, NotFoundError):
        status = 404
    elif isinstance(error, IndexLockedError):
        status = 503
    elif isinstance(error, IndexCorruptError):
        status = 500
    else:
        status = 400
    current_app.logger.info("%s %s: %s", request.method, request.path, error)
    return error_page(status, str(error))
