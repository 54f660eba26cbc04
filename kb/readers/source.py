"""Getting a file's bytes, with the checks every reader needs (missing, folder, size)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from kb.errors import ReadError

DEFAULT_MAX_BYTES = 50_000_000


def format_size(n: int) -> str:
    """Return a byte count for a message, e.g. ``50 MB`` or ``1024 字节``."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.4g} MB"
    if n >= 1_000:
        return f"{n / 1_000:.4g} KB"
    return f"{n} 字节"


def as_path(path) -> Path:
    """Return ``path`` as a Path; a bytes name that is not valid UTF-8 keeps its bytes (surrogateescape)."""
    return Path(os.fsdecode(path))


def read_bytes(path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the content of the file at ``path``, or raise ReadError saying why it cannot be read."""
    path = as_path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReadError(path, "文件不存在", "请检查路径和文件名是否正确") from None
    except PermissionError:
        raise ReadError(path, "没有读取权限", "请检查文件或所在文件夹的权限") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadError(path, "符号链接形成了循环，指不到真正的文件", "请删除或修正这个链接") from None
        raise ReadError(path, f"无法读取文件：{exc.strerror or exc}", "请检查路径是否正确") from None
    if path.is_dir():
        raise ReadError(path, "这是一个文件夹，不是文件", "请指定文件夹中的某个文件")
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO or a device would block or never end.
        raise ReadError(path, "不是普通文件（可能是管道或设备文件）", "请只指定普通的文档文件")
    if info.st_size > max_bytes:
        raise ReadError(path, f"文件太大（{format_size(info.st_size)}），超过 {format_size(max_bytes)} 的上限",
                        "请拆分文件，或调高大小上限")
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit: the file may have grown since stat().
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise ReadError(path, "没有读取权限", "请检查文件或所在文件夹的权限") from None
    except IsADirectoryError:
        raise ReadError(path, "这是一个文件夹，不是文件", "请指定文件夹中的某个文件") from None
    except OSError as exc:
        raise ReadError(path, f"无法读取文件：{exc.strerror or exc}", "请检查文件是否损坏或被占用") from None
    if len(data) > max_bytes:
        raise ReadError(path, f"文件太大，超过 {format_size(max_bytes)} 的上限", "请拆分文件，或调高大小上限")
    return data

