"""LibreOffice in headless mode: convert office files (to .docx for reading, to .pdf for output).

:func:`convert` starts ``soffice`` once for many files, with a user profile of its own
(so it runs beside a LibreOffice the user has open, and several conversions run at
once), and a timeout per file: a file that hangs LibreOffice is reported, its process
tree killed, and the files after it are converted by a fresh start.

The inputs are copied into a private temporary folder under neutral names first:
LibreOffice then never writes lock files beside the user's documents, two inputs
with the same stem cannot overwrite each other's output, and odd file names
(spaces, undecodable bytes, a leading dash) never reach its command line.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KbError, ReadError

__all__ = ["find_soffice", "convert", "convert_one", "Converted", "OfficeNotFoundError",
           "ConversionError", "ConversionTimeoutError", "DEFAULT_TIMEOUT", "INSTALL_HINT"]

#: Seconds one file may take before LibreOffice is deemed hung on it.
DEFAULT_TIMEOUT = 120.0
#: Set this to the soffice program to use instead of searching for it.
ENV_VAR = "BIGAN_SOFFICE"
INSTALL_HINT = "Debian/Ubuntu：sudo apt install libreoffice-writer-nogui"

#: Output format -> the filter LibreOffice's --convert-to takes.
_TARGETS = {"docx": "docx:MS Word 2007 XML", "pdf": "pdf:writer_pdf_Export", "odt": "odt",
            "doc": "doc:MS Word 97", "rtf": "rtf:Rich Text Format", "txt": "txt:Text (encoded):UTF8"}
_POLL = 0.05
#: Inputs per soffice start at most (Windows limits a command line to 32,767 characters).
_CHUNK = 100


class OfficeNotFoundError(KbError):
    """No LibreOffice (``soffice``) was found on this computer."""

    def __init__(self, message: str = f"没有找到 LibreOffice（{INSTALL_HINT}）"):
        super().__init__(message)


class ConversionError(ReadError):
    """LibreOffice could not convert one file; the message names the file."""


class ConversionTimeoutError(ConversionError):
    """LibreOffice took longer than the timeout on one file and was stopped."""


@dataclass(frozen=True)
class Converted:
    """The outcome for one input: the output file, or the error that stopped it."""

    source: Path
    output: Path | None = None
    error: ConversionError | None = None


def _candidates() -> list[Path]:
    """Return the usual install locations of soffice on this platform, most likely first."""
    if sys.platform == "win32":
        roots = [os.environ.get(name) for name in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")]
        return [Path(root) / "LibreOffice" / "program" / "soffice.exe" for root in roots if root]
    if sys.platform == "darwin":
        return [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
                Path.home() / "Applications/LibreOffice.app/Contents/MacOS/soffice"]
    found = [Path("/usr/bin/soffice"), Path("/usr/lib/libreoffice/program/soffice"),
             Path("/usr/lib64/libreoffice/program/soffice"), Path("/usr/local/bin/soffice"),
             Path("/snap/bin/libreoffice")]
    found += sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True)
    return found


def find_soffice() -> Path | None:
    """Return the soffice program: $BIGAN_SOFFICE, else on PATH, else a usual install location."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen) if Path(chosen).is_file() else None
    for name in ("soffice", "libreoffice"):
        on_path = shutil.which(name)
        if on_path:
            return Path(on_path)
    for candidate in _candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def convert(paths: Iterable, to: str = "docx", outdir=None, *, timeout: float = DEFAULT_TIMEOUT,
            soffice=None, progress: Callable[[Path], None] | None = None,
            env: dict | None = None) -> list[Converted]:
    """Convert ``paths`` to format ``to`` ("docx", "pdf", "odt", "doc", "rtf", "txt") with one LibreOffice start.

    Outputs go to ``outdir`` (default: beside each input) as ``<stem>.<to>`` (``<stem> (2).<to>``
    for a second input of the call with the same stem); the result
    has one :class:`Converted` per input, in order. ``timeout`` is the time allowed for
    each file: a hung file gets a :class:`ConversionTimeoutError` and LibreOffice starts
    afresh for the rest. ``progress`` is called with each input once it is done. ``env``
    is LibreOffice's environment (default: this process's), e.g. with a FONTCONFIG_FILE.
    Raises :class:`OfficeNotFoundError` when there is no LibreOffice.
    """
    if to not in _TARGETS:
        raise ValueError(f"unknown target format {to!r}")
    program = Path(soffice) if soffice is not None else find_soffice()
    if program is None:
        raise OfficeNotFoundError()
    sources = [Path(os.fsdecode(p)) for p in paths]
    results: list[Converted | None] = [None] * len(sources)
    with tempfile.TemporaryDirectory(prefix="bigan-office-") as work:
        work = Path(work)
        inbox, outbox = work / "in", work / "out"
        inbox.mkdir()
        outbox.mkdir()
        names: list[str] = []
        todo: list[int] = []
        for index, source in enumerate(sources):
            name = f"{index:06d}{source.suffix.lower()}"
            try:
                shutil.copyfile(source, inbox / name)
            except OSError as exc:
                results[index] = Converted(source, error=ConversionError(
                    source, f"无法读取文件：{exc.strerror or exc}", "请检查文件是否存在、是否有读取权限"))
                names.append(name)
                continue
            names.append(name)
            todo.append(index)

        placed: set[Path] = set()

        def done(index: int, converted: Converted) -> None:
            results[index] = converted
            if progress is not None:
                progress(sources[index])

        silent_before = False
        while todo:
            chunk = todo[:_CHUNK]
            hung, silent = _run(program, [inbox / names[i] for i in chunk], to, outbox, work, timeout,
                                env)
            if hung is not None and silent and silent_before:
                # Two starts in a row without a sign of life: LibreOffice itself is stuck.
                for index in todo:
                    done(index, Converted(sources[index], error=ConversionTimeoutError(
                        sources[index], f"LibreOffice 没有响应（{timeout:g} 秒内没有任何进展），已中止",
                        "请确认 LibreOffice 能正常启动，可先结束卡住的 soffice 进程，然后重新运行")))
                break
            silent_before = hung is not None and silent
            finished = set()
            for position, index in enumerate(chunk):
                produced = outbox / f"{Path(names[index]).stem}.{to}"
                if position == hung:
                    produced.unlink(missing_ok=True)
                    done(index, Converted(sources[index], error=ConversionTimeoutError(
                        sources[index], f"LibreOffice 转换超时（超过 {timeout:g} 秒），已中止",
                        "文件可能损坏；请用 Word 或 WPS 打开后另存为 .docx")))
                elif produced.is_file() and produced.stat().st_size > 0:
                    target = _place(produced, sources[index], to, outdir, placed)
                    done(index, Converted(sources[index], output=target))
                elif hung is None or position < hung:
                    # soffice went past it without writing anything: it could not load it.
                    done(index, Converted(sources[index], error=ConversionError(
                        sources[index], "LibreOffice 无法打开这个文件",
                        "文件可能已损坏、加了密码或不是文档；请用 Word 或 WPS 打开后另存为 .docx")))
                else:
                    continue  # after the hung file: the next start converts it
                finished.add(index)
            todo = [i for i in todo if i not in finished]
    return [r for r in results if r is not None]


def convert_one(path, to: str = "docx", outdir=None, *, timeout: float = DEFAULT_TIMEOUT,
                soffice=None) -> Path:
    """Return the converted file of one input; raise its ConversionError or OfficeNotFoundError."""
    (result,) = convert([path], to, outdir, timeout=timeout, soffice=soffice)
    if result.error is not None:
        raise result.error
    return result.output


def _place(produced: Path, source: Path, to: str, outdir, placed: set[Path]) -> Path:
    folder = Path(outdir) if outdir is not None else source.parent
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem}.{to}"
    copy = 1
    while target in placed:  # two inputs of one call with the same stem (a.doc, a.rtf)
        copy += 1
        target = folder / f"{source.stem} ({copy}).{to}"
    placed.add(target)
    # Copy then rename: a failure never leaves half a file under the final name.
    partial = target.with_name(f".{target.name}.part")
    shutil.copyfile(produced, partial)
    os.replace(partial, target)
    return target


def _run(program: Path, inputs: list[Path], to: str, outbox: Path, work: Path,
         timeout: float, env: dict | None = None) -> tuple[int | None, bool]:
    """Run one soffice over ``inputs``; return the index of the input it hung on (or None),
    and whether it hung before showing any progress at all.

    soffice converts in order and prints ``convert <input> -> …`` once an input is
    loaded, before it is written. The deadline restarts whenever an input is
    announced or an output appears; when it passes, the input being worked on is
    the hung one: the announced one if its output is missing, else the next.
    """
    profile = work / f"profile-{time.monotonic_ns()}"
    log = work / "soffice.log"
    command = [str(program), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
               "--nologo", "--norestore", "--nodefault", "--nolockcheck",
               "--convert-to", _TARGETS[to], "--outdir", str(outbox), *map(str, inputs)]
    before = {p.name for p in outbox.iterdir()}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=work, env=env, **_session_options())
        seen = (-1, len(before))
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            now = (_announced(log, inputs), sum(1 for _ in outbox.iterdir()))
            if now != seen:
                seen, deadline = now, time.monotonic() + timeout
            elif time.monotonic() > deadline:
                _kill_tree(process)
                announced = _announced(log, inputs)
                if announced < 0:
                    return 0, {p.name for p in outbox.iterdir()} == before
                output = outbox / f"{inputs[announced].stem}.{to}"
                if not output.is_file() or announced + 1 >= len(inputs):
                    return announced, False
                return announced + 1, False
            time.sleep(_POLL)
    shutil.rmtree(profile, ignore_errors=True)
    return None, False


def _announced(log: Path, inputs: list[Path]) -> int:
    """Return the index of the last input soffice has announced in its log, or -1."""
    try:
        text = log.read_bytes().decode("utf-8", "replace")
    except OSError:
        return -1
    last = -1
    for line in text.splitlines():
        if line.startswith("convert "):
            for index in range(last + 1, len(inputs)):
                if inputs[index].name in line:
                    last = index
                    break
    return last


def _session_options() -> dict:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill soffice and every process it started (oosplash, soffice.bin), then reap it."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    else:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()

