"""The bad-input suite: every reader and command meets every odd file and never ends in a traceback.

Unreadable files: the tests run as root, so ``chmod 000`` would not stop a read. The suite
uses what root still cannot read: a FIFO with no writer (refused before opening, which would
block), a dangling symbolic link, a two-link loop, and a file deleted while the batch runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.errors import ReadError
from kb.knowledge_base import KnowledgeBase
from kb.model import RawDocument
from kb.readers import read_document
from kb.readers.docx import read_docx
from kb.readers.html import read_html
from kb.readers.md import read_markdown
from kb.readers.txt import read_txt

sys.path.insert(0, str(Path(__file__).parent))
from badfiles import SECRET, body, make_cases  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
READERS = {"read_document": read_document, "read_txt": read_txt, "read_markdown": read_markdown,
           "read_html": read_html, "read_docx": read_docx}


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad") / "材料"
    return folder, make_cases(folder)


def _shown(case) -> str:
    """Return the file name as bigan prints it."""
    name = os.fsdecode(case.path) if isinstance(case.path, bytes) else str(case.path)
    return os.path.basename(name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def _no_traceback(*outputs) -> None:
    for output in outputs:
        assert "Traceback" not in output and "Error:" not in output.replace("错误", ""), output


def test_every_reader_returns_a_document_or_a_read_error(suite):
    _, cases = suite
    tried = clear = 0
    for case in cases:
        for name, reader in READERS.items():
            tried += 1
            try:
                raw = reader(case.path)
            except ReadError as error:
                message = str(error)
                assert _shown(case) in message and "（" in message and "\n" not in message, message
                clear += 1
                continue
            assert isinstance(raw, RawDocument)
            assert SECRET not in "".join(b.text for b in raw.blocks)
            clear += 1
        if case.readable:
            text = "".join(b.text for b in read_document(case.path).blocks)
            assert case.marker in text, case.name
            assert "\x00" not in text and "\x07" not in text
    assert clear == tried == len(cases) * len(READERS)


def _failure_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("失败：")]


def _assert_batch(result_stderr: str, cases, *, refused_big: bool) -> None:
    lines = _failure_lines(result_stderr)
    bad = [c for c in cases if not c.readable] + ([c for c in cases if c.name == "一行十兆.txt"]
                                                     if refused_big else [])
    assert len(lines) == len(bad), result_stderr
    for case in bad:
        matching = [line for line in lines if _shown(case) in line]
        assert len(matching) == 1, (case.name, result_stderr)
        # file, reason and what to do: "失败：<path>：<reason>（<hint>）"
        assert "：" in matching[0][3:] and matching[0].endswith("）"), matching[0]


def test_ingest_through_cli_runner_reports_each_bad_file_and_lands_the_rest(suite, tmp_path):
    folder, cases = suite
    result = CliRunner().invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(folder),
                                      "--max-size", "5MB"])
    assert result.exit_code == 1, result.output
    _no_traceback(result.stdout, result.stderr)
    _assert_batch(result.stderr, cases, refused_big=True)
    big = [line for line in _failure_lines(result.stderr) if "一行十兆" in line][0]
    assert "文件太大" in big and "5 MB" in big
    readable = [c for c in cases if c.readable and c.name != "一行十兆.txt"]
    assert f"新增 {len(readable)} 篇" in result.stderr
    with KnowledgeBase.open(tmp_path / "kb") as base:
        for case in readable:
            assert base.count(case.marker) >= 1, case.name
        assert base.count("SECRET") == 0
        sources = [info.source for info in base.documents()]
    assert any(source.endswith("\\xb9\\xfa\\xbc\\xd2.txt") for source in sources), sources
    # Re-running changes nothing and reports the same failures.
    again = CliRunner().invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(folder),
                                     "--max-size", "5MB"])
    assert again.exit_code == 1 and f"未变 {len(readable)} 篇" in again.stderr


def test_ingest_in_a_real_process_lands_the_10_mb_line(suite, tmp_path):
    folder, cases = suite
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "bigan.cli", "--kb", str(tmp_path / "kb"),
                             "ingest", str(folder), "--json"],
                            capture_output=True, cwd=ROOT, env=env, timeout=240)
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 1, stderr
    _no_traceback(stdout, stderr)
    _assert_batch(stderr, cases, refused_big=False)
    with KnowledgeBase.open(tmp_path / "kb") as base:
        for case in cases:
            if case.readable:
                assert base.count(case.marker) >= 1, case.name


def test_ingest_of_bad_single_paths(suite, tmp_path):
    folder, cases = suite
    args = [os.fsdecode(c.path) for c in cases if not c.readable] + [str(folder / "不存在.txt"),
                                                                    str(folder / "子目录" / "自己")]
    result = CliRunner().invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", *args])
    assert result.exit_code == 1
    _no_traceback(result.stdout, result.stderr)
    assert len(_failure_lines(result.stderr)) == len([c for c in cases if not c.readable]) + 1


def test_a_file_deleted_while_the_batch_runs(tmp_path, monkeypatch):
    folder = tmp_path / "材料"
    folder.mkdir()
    for tag in ("甲批次", "乙批次", "丙批次"):
        (folder / f"{tag}.txt").write_text(body(tag), encoding="utf-8")
    import kb.parse

    real = kb.parse.load_document

    def vanish_then_load(path, **options):
        # The file disappears between the listing and the parse (a sync tool removed it).
        if "乙批次" in str(path):
            Path(path).unlink()
        return real(path, **options)

    monkeypatch.setattr(kb.parse, "load_document", vanish_then_load)
    result = CliRunner().invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(folder)])
    assert result.exit_code == 1
    _no_traceback(result.stdout, result.stderr)
    [line] = _failure_lines(result.stderr)
    assert "乙批次.txt：文件不存在" in line
    with KnowledgeBase.open(tmp_path / "kb") as base:
        assert [base.count(t) for t in ("甲批次", "乙批次", "丙批次")] == [3, 0, 3]


def _single_file_commands(path: str, out: Path) -> dict[str, list[str]]:
    return {"outline": ["outline", path], "check": ["check", path],
            "format": ["format", path, "-o", str(out / "排版.docx")]}


def test_outline_check_and_format_on_every_input(suite, tmp_path):
    _, cases = suite
    runner = CliRunner()
    tried = clear = 0
    for case in cases:
        if case.name == "一行十兆.txt":
            continue  # through a real process below, once
        for command, args in _single_file_commands(os.fsdecode(case.path), tmp_path).items():
            tried += 1
            result = runner.invoke(cli, ["--kb", str(tmp_path / "kb"), *args])
            _no_traceback(result.stdout, result.stderr)
            if case.readable:
                assert result.exit_code in (0, 1) if command == "check" else result.exit_code == 0, \
                    (command, case.name, result.stderr)
                if command == "outline":
                    assert case.marker in result.stdout or case.marker in result.stdout.replace("\n", "")
            else:
                # click.Path(exists=True) refuses a dangling or looping link as a usage error
                expected = 2 if case.missing and command != "format" else 1
                assert result.exit_code == expected, (command, case.name, result.output)
                lines = [line for line in result.stderr.splitlines() if line.strip()]
                assert len(lines) == 1 or expected == 2, (command, case.name, result.stderr)
                assert _shown(case) in result.stderr, (command, case.name, result.stderr)
            clear += 1
    assert clear == tried


@pytest.mark.parametrize("command", ["outline", "check", "format"])
def test_commands_in_a_real_process(suite, tmp_path, command):
    _, cases = suite
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    picked = [c for c in cases if c.name in ("一行十兆.txt", "炸弹.docx", "管道.txt", "GBK文件名", "二进制.txt")]
    for case in picked:
        args = _single_file_commands(os.fsdecode(case.path), tmp_path)[command]
        result = subprocess.run([sys.executable, "-m", "bigan.cli", "--kb", str(tmp_path / "kb"), *args],
                                capture_output=True, cwd=ROOT, env=env, timeout=120)
        stdout = result.stdout.decode("utf-8", "replace")
        stderr = result.stderr.decode("utf-8", "replace")
        _no_traceback(stdout, stderr)
        if case.readable:
            assert result.returncode in ((0, 1) if command == "check" else (0,)), (case.name, stderr)
        else:
            assert result.returncode == 1, (case.name, stderr)
            assert len(stderr.strip().splitlines()) == 1 and _shown(case) in stderr, stderr
