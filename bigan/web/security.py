"""Access control of the web pages: the access token, CSRF tokens on forms, response headers."""

from __future__ import annotations

import ipaddress
import math
import secrets
from urllib.parse import urlencode

from flask import abort, current_app, redirect, request, session

TOKEN_COOKIE = "bigan_token"
TOKEN_HEADER = "X-Bigan-Token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

#: Scripts and styles only from the app itself: injected markup could not run even if it slipped through.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def is_loopback(host: str | None) -> bool:
    """Return True when ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """Return a fresh random access token."""
    return secrets.token_urlsafe(16)


def check_access():
    """Refuse (401) a request without the access token; turn ``?token=`` into a cookie.

    A client that sent too many different wrong tokens lately gets 429 without
    any token being looked at, so guessing runs at a few tries a minute.
    """
    token = current_app.config["BIGAN_TOKEN"]
    if request.endpoint == "static":
        return None
    if token is None:
        # Without a token the app only answers this machine, whatever address it was bound to.
        if not is_loopback(request.remote_addr):
            abort(401, description="本服务只接受本机访问；在网络上提供服务请用 bigan serve --token 启动。")
        if not is_loopback(_host_name(request.host)):
            # A page elsewhere could point its own domain name at 127.0.0.1 (DNS rebinding).
            abort(400, description="请用 127.0.0.1 或 localhost 的地址打开本服务。")
        return None
    attempts = current_app.extensions["bigan"].attempts
    client = request.remote_addr or ""
    wait = attempts.blocked(client)
    if wait:
        abort(429, description=f"访问令牌错误次数过多，请 {math.ceil(wait)} 秒后再试。",
              retry_after=math.ceil(wait))
    given = request.args.get("token")
    if given is not None:
        if _same(given, token):
            # Move the token out of the address bar (and out of history and logs) into a cookie.
            args = request.args.to_dict(flat=False)
            args.pop("token")
            query = urlencode([(k, v) for k, vs in args.items() for v in vs])
            response = redirect(request.path + (f"?{query}" if query else ""), code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
            return response
        attempts.failed(client, given)
    for candidate in (request.headers.get(TOKEN_HEADER), request.cookies.get(TOKEN_COOKIE),
                      _bearer(request.headers.get("Authorization"))):
        if candidate:
            if _same(candidate, token):
                return None
            attempts.failed(client, candidate)
    abort(401, description="缺少访问令牌或令牌不对：请使用启动时显示的完整地址（含 ?token=…）打开。")


def _host_name(host: str) -> str:
    """Return the Host header without its port: ``[::1]:8000`` → ``::1``."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same(given: str, expected: str) -> bool:
    # compare_digest refuses non-ASCII str; a token typed by an office may well be Chinese.
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _bearer(value: str | None) -> str | None:
    if value and value.startswith("Bearer "):
        return value[len("Bearer "):]
    return None


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf():
    """Refuse (400) a POST whose form or header lacks this session's CSRF token."""
    if request.method != "POST":
        return None
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not expected or not given or not _same(given, expected):
        abort(400, description="表单已过期或来源不明（缺少校验码）。请刷新页面后重新提交。")
    return None


def secure_headers(response):
    """Return ``response`` with the headers that keep a page from running or leaking anything foreign."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
