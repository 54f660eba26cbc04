"""Files the web pages handle: uploads saved under safe names, zips unpacked with limits, generated files by id."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.errors import ReadError

#: What a .zip may hold before it is refused: members, and bytes once unpacked.
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_BYTES = 500 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Generated:
    """A file the server made, kept in memory and downloadable by its opaque id only."""

    file_id: str
    download_name: str
    data: bytes
    created: float


class GeneratedFiles:
    """Generated files of one app, in memory: no file is left on disk between requests.

    The oldest go first once ``max_bytes`` are held or an entry is older than
    ``max_age`` seconds, so memory stays bounded however many drafts are made.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_age: float = 3600.0):
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._files: OrderedDict[str, Generated] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def add(self, download_name: str, data: bytes, file_id: str | None = None) -> Generated:
        """Keep ``data`` under a new random id (or ``file_id``); return its entry."""
        entry = Generated(file_id or secrets.token_urlsafe(18), download_name, data, time.monotonic())
        with self._lock:
            self._drop(entry.file_id)
            self._files[entry.file_id] = entry
            self._bytes += len(data)
            self._expire(keep=entry.file_id)
        return entry

    def get(self, file_id: str) -> Generated | None:
        """Return the entry of ``file_id`` while it is kept, else None."""
        with self._lock:
            self._expire()
            return self._files.get(file_id)

    def total_bytes(self) -> int:
        """Return the bytes held."""
        with self._lock:
            return self._bytes

    def _drop(self, file_id: str) -> None:
        old = self._files.pop(file_id, None)
        if old is not None:
            self._bytes -= len(old.data)

    def _expire(self, keep: str | None = None) -> None:
        cutoff = time.monotonic() - self.max_age
        while self._files:
            file_id, oldest = next(iter(self._files.items()))
            if file_id == keep or (oldest.created >= cutoff and self._bytes <= self.max_bytes):
                break
            self._drop(file_id)


def build_bytes(write, suffix: str, scratch: Path) -> bytes:
    """Return the bytes ``write(path)`` writes to a temporary ``path`` under ``scratch``, removed after."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="out-", dir=scratch) as folder:
        path = Path(folder) / f"out{suffix}"
        write(path)
        return path.read_bytes()


@contextlib.contextmanager
def upload_folder(root: Path):
    """Yield a fresh private folder under ``root`` for one request's uploads; remove it afterwards."""
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="up-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Longest file name kept, in UTF-8 bytes: file systems allow 255, and “（2）” may be added.
MAX_NAME_BYTES = 200


def safe_name(name: str, default: str = "上传文件") -> str:
    """Return the last component of an uploaded file name, without separators or control characters.

    >>> safe_name("../../etc/草稿.txt")
    '草稿.txt'
    >>> safe_name("C:\\\\材料\\\\.讲话.docx")
    '讲话.docx'
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return shorten_name(name) or default


def shorten_name(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """Return ``name`` cut to ``limit`` UTF-8 bytes, keeping its extension.

    >>> shorten_name("讲" * 100 + ".docx", 20)
    '讲讲讲讲讲.docx'
    """
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10 or not stem:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    room = limit - len(suffix.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip()
    return stem + suffix


def save_upload(storage, folder: Path) -> Path:
    """Save a werkzeug upload into ``folder`` under its safe name (via a temporary file); return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(storage.filename)
    fd, tmp = tempfile.mkstemp(prefix=".upload.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(storage.stream, handle, _CHUNK)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def place(source: Path, folder: Path, *parts: str) -> Path:
    """Move ``source`` to ``folder/parts…``, or beside it as “name（2）.txt” when a different file is there.

    An identical file already at a candidate name is reused, so uploading the
    same file again is recognised as unchanged; a different file of the same
    name never replaces an earlier upload (and its document). A file standing
    where a folder of ``parts`` should be (or a folder where the file should be)
    is passed by in the same way. OSError when the disk refuses.
    """
    folder.mkdir(parents=True, exist_ok=True)
    current = folder
    for part in parts[:-1]:
        current = _free(current / part, lambda p: p.is_dir())
        current.mkdir(parents=True, exist_ok=True)
    target = current / parts[-1]
    candidate = _free(target, lambda p: p.is_file() and _same_bytes(p, source))
    if candidate.exists():
        source.unlink()
        return candidate
    shutil.move(source, candidate)  # the work folder may sit on another file system
    return candidate


def _free(target: Path, usable) -> Path:
    """Return ``target``, or its first “name（n）” sibling that is missing or ``usable``."""
    candidate, n = target, 1
    while candidate.exists() and not usable(candidate):
        n += 1
        candidate = target.with_name(f"{target.stem}（{n}）{target.suffix}")
    return candidate


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as left, open(b, "rb") as right:
        while True:
            chunk = left.read(_CHUNK)
            if chunk != right.read(_CHUNK):
                return False
            if not chunk:
                return True


def extract_zip(path: Path, folder: Path, suffixes: tuple[str, ...],
                max_member: int) -> tuple[list[Path], list[tuple[str, str]]]:
    """Unpack the supported files of a .zip under ``folder``; return (files, [(name, reason)]).

    Member names never leave ``folder``: an absolute name is unpacked as a
    relative one, a name with ``..`` is refused and reported, as are a second member of the same name
    (also after Unicode normalisation) and a file where another member needs a
    folder. A member larger than ``max_member`` or a zip expanding past
    :data:`MAX_ZIP_BYTES` is refused while reading, whatever its header claims.
    Hidden files (``.DS_Store``, ``__MACOSX/._x``) are left out without a word.
    """
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ReadError(path.name, "不是有效的 .zip 压缩包", "请重新压缩后上传") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise ReadError(path.name, f"压缩包内文件过多（{len(members)} 个）",
                            f"上限 {MAX_ZIP_MEMBERS} 个，请分批上传")
        budget = MAX_ZIP_BYTES
        taken: dict[tuple[str, ...], str] = {}     # file parts → member name
        folders: dict[tuple[str, ...], str] = {}   # folder parts → first member under it
        for member in members:
            name = _member_name(member)
            raw = name.replace("\\", "/")
            parts = [p for p in PurePosixPath(raw).parts if p not in ("", ".", "/")]
            if ".." in parts:
                skipped.append((name, "路径含“..”，会指到解压文件夹以外，已跳过"))
                continue
            if not parts or any(p.startswith(".") for p in parts):
                continue
            if not parts[-1].lower().endswith(suffixes):
                skipped.append((name, f"不支持的文件类型（支持 {' '.join(suffixes)}）"))
                continue
            key = tuple(safe_name(p) for p in parts)
            clash = _clash(key, taken, folders)
            if clash:
                skipped.append((name, clash))
                continue
            target = folder.joinpath(*key)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                written = _copy_member(archive, member, target, min(max_member, budget))
            except OSError as error:
                if target.is_file():
                    target.unlink()
                skipped.append((name, f"无法解压（{error.strerror or error}）"))
                continue
            if isinstance(written, str):
                skipped.append((name, written))
                continue
            taken[key] = name
            for depth in range(1, len(key)):
                folders.setdefault(key[:depth], name)
            budget -= written
            files.append(target)
    return files, skipped


def _clash(key: tuple[str, ...], taken: dict, folders: dict) -> str | None:
    """Return why a member at ``key`` cannot be unpacked beside those already taken, or None."""
    if key in taken:
        return f"压缩包中已有同名文件“{taken[key]}”，只入库了前一个"
    if key in folders:
        return f"与压缩包中的文件夹同名（其中有“{folders[key]}”），已跳过"
    for depth in range(1, len(key)):
        if key[:depth] in taken:
            return f"所在文件夹与压缩包中的文件“{taken[key[:depth]]}”同名，已跳过"
    return None


def _member_name(member: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; zipfile reads them as cp437.
    if member.flag_bits & 0x800:
        return member.filename
    raw = member.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return member.filename


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path,
                 limit: int) -> int | str:
    """Return the bytes written, or the reason the member was refused."""
    written = 0
    try:
        with archive.open(member) as source, open(target, "wb") as handle:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    break
                handle.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error):
        target.unlink(missing_ok=True)
        return "压缩包中的这个文件已损坏，请重新压缩后上传"
    except (NotImplementedError, RuntimeError):
        # Encrypted members and unknown compression methods.
        target.unlink(missing_ok=True)
        return "无法解压（文件加密或压缩方式不受支持），请解压后单独上传"
    if written > limit:
        target.unlink(missing_ok=True)
        return f"文件过大（上限 {limit // 1024 // 1024} MB），或整个压缩包解压后过大"
    return written
