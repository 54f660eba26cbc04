"""Untrusted templates and document text, through the CLI: the sandbox holds, text stays data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from docx import Document as WordDocument

from bigan.cli import cli

ROOT = Path(__file__).resolve().parents[2]

# A speech whose text looks like template code: it must come out verbatim.
_SPEECH = (ROOT / "tests" / "data" / "untrusted_speech.md").read_text(encoding="utf-8")


def _kb(tmp_path) -> Path:
    folder = tmp_path / "材料"
    folder.mkdir()
    (folder / "文明创建.md").write_text(_SPEECH, encoding="utf-8")
    kb = tmp_path / "kb"
    assert CliRunner().invoke(cli, ["--kb", str(kb), "ingest", str(folder)]).exit_code == 0
    return kb


def test_a_user_template_escaping_the_sandbox_is_a_clear_error(tmp_path):
    kb = _kb(tmp_path)
    runner = CliRunner()
    folder = tmp_path / "模板"
    assert runner.invoke(cli, ["templates", "copy", "推进会", str(folder)]).exit_code == 0
    path = folder / "推进会.j2"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{% block title %}", "{% block title %}{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bigan.cli", "--kb", str(kb), "draft", "speech", "--topic", "文明创建",
         "--occasion", "推进会", "--templates", str(folder)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "不允许的操作" in result.stderr and "推进会.j2" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "subclasses" not in result.stdout and "<class" not in result.stdout


def test_document_text_comes_out_verbatim_in_markdown_and_docx(tmp_path):
    kb = _kb(tmp_path)
    out = tmp_path / "稿.docx"
    result = CliRunner().invoke(cli, ["--kb", str(kb), "draft", "speech", "--topic", "文明创建",
                                      "--occasion", "推进会", "--unit", "江州区", "-o", str(out),
                                      "-o", str(tmp_path / "稿.md")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "稿.md").read_text(encoding="utf-8")
    word = "\n".join(p.text for p in WordDocument(str(out)).paragraphs)
    for text in (markdown, word):
        assert "{{ 7*7 }}" in text and "{% raw %}" in text and "{{ unit }}" in text
        assert "49条" not in text
