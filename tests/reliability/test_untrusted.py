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

_SPEECH = """---
title: 在×区文明创建工作推进会上的讲话
type: speech
occasion: 推进会
---

# 在×区文明创建工作推进会上的讲话

同志们：

今天开会。下面，我讲三点意见。

## 一、提高认识，增强文明创建的责任感

文明创建的{{ 7*7 }}条要求和{% raw %}标记要照原样保留。文明创建事关全局。

## 二、突出重点，推动文明创建落地

文明创建要从小事做起，把{{ unit }}的每条街巷管好。

## 三、压实责任，强化文明创建保障

文明创建要层层压实责任，一级抓一级。

同志们，让我们共同努力，把文明创建抓出实效！
"""


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
