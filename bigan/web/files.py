"""Files the web pages handle: uploads saved under safe names, zips unpacked with limits, generated files by id."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.errors import ReadError

#: What a .zip may hold before it is refused: members, and bytes once unpacked.
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_BYTES = 500 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Generated:
    """A file the server wrote, downloadable by its opaque id only."""

    file_id: str
    path: Path
    download_name: str


class GeneratedFiles:
    """The per-app folder of generated files; each is found by a random id, never by a path."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, Generated] = {}
        self._lock = threading.Lock()

    def reserve(self, download_name: str) -> Generated:
        """Return a new entry whose ``path`` the caller writes; it is downloadable once written."""
        file_id = secrets.token_urlsafe(18)
        suffix = Path(download_name).suffix.lower()
        entry = Generated(file_id, self.folder / f"{file_id}{suffix}", download_name)
        with self._lock:
            self._files[file_id] = entry
        return entry

    def get(self, file_id: str) -> Generated | None:
        """Return the entry of ``file_id`` when it exists and its file was written, else None."""
        with self._lock:
            entry = self._files.get(file_id)
        if entry is None or not entry.path.is_file():
            return None
        return entry


def safe_name(name: str, default: str = "上传文件") -> str:
    """Return the last component of an uploaded file name, without separators or control characters.

    >>> safe_name("../../etc/草稿.txt")
    '草稿.txt'
    >>> safe_name("C:\\\\材料\\\\.讲话.docx")
    '讲话.docx'
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:150] or default


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


def place(source: Path, target: Path) -> Path:
    """Move ``source`` to ``target``, or beside it as “name（2）.txt” when a different file is there.

    An identical file already at a candidate name is reused, so uploading the
    same file again is recognised as unchanged; a different file of the same
    name never replaces an earlier upload (and its document).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = target, 1
    while candidate.exists():
        if candidate.is_file() and _same_bytes(candidate, source):
            source.unlink()
            return candidate
        n += 1
        candidate = target.with_name(f"{target.stem}（{n}）{target.suffix}")
    shutil.move(source, candidate)  # the work folder may sit on another file system
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


def new_upload_folder(root: Path) -> Path:
    """Return a fresh private folder under ``root`` for one request's uploads."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="up-", dir=root))


def extract_zip(path: Path, folder: Path, suffixes: tuple[str, ...],
                max_member: int) -> tuple[list[Path], list[tuple[str, str]]]:
    """Unpack the supported files of a .zip under ``folder``; return (files, [(name, reason)]).

    Member names never leave ``folder`` (no ``..``, no absolute paths, no links);
    a member larger than ``max_member`` or a zip expanding past
    :data:`MAX_ZIP_BYTES` is refused while reading, whatever its header claims.
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
        for member in members:
            name = _member_name(member)
            parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "/")]
            if not parts or ".." in parts or any(p.startswith(".") for p in parts):
                continue
            if not parts[-1].lower().endswith(suffixes):
                skipped.append((name, f"不支持的文件类型（支持 {' '.join(suffixes)}）"))
                continue
            target = folder.joinpath(*[safe_name(p) for p in parts])
            target.parent.mkdir(parents=True, exist_ok=True)
            written = _copy_member(archive, member, target, min(max_member, budget))
            if isinstance(written, str):
                skipped.append((name, written))
                continue
            budget -= written
            files.append(target)
    return files, skipped


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
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
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
