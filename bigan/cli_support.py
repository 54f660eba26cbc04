"""Option bundles and the error boundary shared by every command group."""

from __future__ import annotations

import functools
import json
import sys

import click

from kb.errors import KbError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def library_errors(func):
    """Turn the libraries' typed errors into a one-line message and exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KbError as error:
            raise click.ClickException(str(error)) from None
        except _generator_errors() as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            # The disk, not the program: a full disk, a vanished or protected file.
            raise click.ClickException(_os_message(error)) from None

    return wrapper


def _os_message(error: OSError) -> str:
    """Return a one-line Chinese message for an operating-system error."""
    where = f"{error.filename}：" if error.filename else ""
    return f"{where}读写失败（{error.strerror or error}）（请检查磁盘空间、文件权限和路径后重试）"


def _generator_errors():
    try:
        from generator.errors import GeneratorError
    except ImportError:  # generator is optional for the kb commands
        return ()
    return (GeneratorError,)


def json_option(func):
    return click.option("--json", "as_json", is_flag=True, help="输出 JSON（供程序使用）。")(func)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def warn(message: str) -> None:
    click.echo(message, err=True)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
