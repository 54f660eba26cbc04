"""Option bundles and the error boundary shared by every command group."""

from __future__ import annotations

import errno
import functools
import json
import re
import sys

import click

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def library_errors(func):
    """Turn the libraries' typed errors into a one-line message and exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except OSError as error:
            if error.errno == errno.EPIPE:
                # The reader of stdout went away: the root command exits quietly.
                raise
            # The disk, not the program: a full disk, a vanished or protected file.
            raise click.ClickException(_os_message(error)) from None
        except Exception as error:
            # The libraries mark the errors a user can fix (KbError, GeneratorError), so this
            # boundary needs to import neither package; anything else is a bug: let it through.
            if getattr(error, "is_user_error", False):
                raise click.ClickException(terminal_safe(str(error))) from None
            raise

    return wrapper


def _os_message(error: OSError) -> str:
    """Return a one-line Chinese message for an operating-system error."""
    where = f"{error.filename}：" if error.filename else ""
    return terminal_safe(f"{where}读写失败（{error.strerror or error}）（请检查磁盘空间、文件权限和路径后重试）")


# C0 and C1 controls (ESC, CR, newline …), DEL, and the bidirectional overrides that
# reorder what a terminal shows.
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def terminal_safe(text: str) -> str:
    r"""Return ``text`` with the characters that drive a terminal written as escapes.

    A file named with ESC or CR could rewrite the line above; one with a newline would
    break the one-line-per-file report.

    >>> print(terminal_safe("失败：a\x1b[2Kb\rc\nd.txt"))
    失败：a\x1b[2Kb\rc\nd.txt
    """
    return _UNSAFE_RE.sub(_escape, text)


def _escape(match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def json_option(func):
    return click.option("--json", "as_json", is_flag=True, help="输出 JSON（供程序使用）。")(func)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def warn(message: str) -> None:
    click.echo(message, err=True)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
