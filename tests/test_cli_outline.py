"""`bigan outline` through click's CliRunner: every reader, the JSON shape, the error paths."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli

DATA = Path(__file__).parent / "data" / "readers"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("name, title, first", [
    ("gbk.txt", "关于做好年度考核工作的通知", "一、考核对象"),
    ("utf16.txt", "关于做好年度考核工作的通知", "一、考核对象"),
    ("utf8_bom.txt", None, None),
    ("portal.html", "关于开展节水宣传周活动的通知", "一、活动时间"),
    ("sample.md", "在春季植树活动动员会上的讲话", None),
])
def test_outline_of_each_reader(runner, name, title, first):
    result = runner.invoke(cli, ["outline", str(DATA / name)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    if title:
        assert lines[0] == title
    if first:
        assert "  " + first in lines


def test_outline_json_has_exactly_the_documented_shape(runner):
    result = runner.invoke(cli, ["outline", "--json", str(DATA / "portal.html")])
    data = json.loads(result.stdout)
    assert list(data) == ["title", "doc_type", "meeting", "speaker", "date", "meta", "salutation",
                          "opening", "closing", "sections", "attachments"]
    assert list(data["meta"]) == ["doc_number", "issuer", "date", "source"]
    assert data["meta"]["doc_number"] == "某政办发〔2024〕7号"
    section = data["sections"][0]
    assert list(section) == ["kind", "level", "marker", "heading", "paragraphs", "children"]
    assert (section["kind"], section["level"], section["marker"], section["heading"]) == \
        ("heading", 1, "一、", "活动时间")


@pytest.mark.parametrize("name, words", [
    ("empty.txt", ["empty.txt", "空"]),
    ("binary.txt", ["binary.txt", "--encoding"]),
    ("broken.docx", ["broken.docx", "Word"]),
])
def test_broken_files_give_one_clear_line_and_exit_1(runner, name, words):
    result = runner.invoke(cli, ["outline", str(DATA / name)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    for word in words:
        assert word in message


def test_gbk_forced_wrong_encoding_is_a_clear_error(runner):
    result = runner.invoke(cli, ["outline", "--encoding", "utf-8", str(DATA / "gbk.txt")])
    assert result.exit_code == 1 and "gbk.txt" in result.stderr and "编码" in result.stderr
    result = runner.invoke(cli, ["outline", "--encoding", "gb18030", str(DATA / "gbk.txt")])
    assert result.exit_code == 0 and result.stdout.startswith("关于做好年度考核工作的通知")


def test_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["outline", str(tmp_path / "无此文件.txt")])
    assert result.exit_code == 2
    assert "Usage" in result.stderr or "用法" in result.stderr
