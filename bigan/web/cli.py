"""`bigan serve`: the local web pages."""

from __future__ import annotations

import threading
import webbrowser

import click

from bigan.cli_support import CONTEXT_SETTINGS, warn

_GENERATE = "\0generate"


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；0.0.0.0 表示对局域网开放（此时必须使用访问令牌）。")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口；0 表示任选一个空闲端口（启动时显示）。")
@click.option("--open", "open_browser", is_flag=True, help="启动后在浏览器中打开。")
@click.option("--token", is_flag=False, flag_value=_GENERATE, default=None, envvar="BIGAN_TOKEN",
              metavar="[TEXT]",
              help="访问令牌：每个请求都须带上它。只写 --token 时自动生成；对局域网开放时不给也会自动生成。")
@click.pass_context
def serve(ctx, host, port, open_browser, token):
    """在浏览器中使用笔杆：检索、文档、提法、起草、排版、校对、入库。

    默认只对本机开放（127.0.0.1）。对局域网开放时，每个请求都须带访问令牌，启动时会显示含令牌的地址；令牌连续输错会被暂停一分钟。同时处理的请求、起草和排版有上限，超出时答“服务繁忙，请稍后再试”；长时间不发请求的连接会被断开。按 Ctrl+C 停止，临时文件随之删除。

    \b
    示例：
      bigan serve --open
      bigan --kb ~/素材库 serve --port 8080
      bigan serve --host 0.0.0.0 --token 办公室口令
    """
    from bigan.web import server as web_server
    from bigan.web.app import create_app
    from bigan.web.security import is_loopback, new_token

    if token is not None and token != _GENERATE and not token.strip():
        raise click.BadParameter("访问令牌不能为空；只写 --token 可自动生成一个。", param_hint="'--token'")
    if token == _GENERATE or (token is None and not is_loopback(host)):
        token = new_token()
    app = create_app((ctx.obj or {}).get("kb_path"), token=token)
    web = app.extensions["bigan"]
    try:
        server = web_server.make_server(app, host, port)
    except OSError as error:
        web.cleanup()
        raise click.ClickException(f"无法在 {host}:{port} 上启动：{error.strerror or error}"
                                   "（端口可能已被占用，请用 --port 换一个）") from None
    port = server.effective_port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    if token:
        url += f"?token={token}"
    warn(f"笔杆网页已启动：{url}")
    if is_loopback(host):
        warn("只对本机开放。")
    else:
        warn(f"已对网络开放（{host}）：每个请求都须带访问令牌 {token}；请把上面的完整地址"
             "（本机地址换成这台电脑的地址）发给同事。")
    warn("按 Ctrl+C 停止。")
    _log_requests()
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    web_server.run(server, on_stop=web.cleanup)


def _log_requests() -> None:
    """Send the access log (method, path, status: never a query string) to stderr."""
    import logging

    logger = logging.getLogger("bigan.web")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # waitress warns of its queue depth on every request under load; the busy answer says it once.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


COMMANDS = [serve]
