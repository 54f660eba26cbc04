"""Unit tests of the web layer's helpers: escaping with highlights, heading labels, upload names, zips."""

from __future__ import annotations

import html
import zipfile

import pytest
from hypothesis import given, strategies as st

from bigan.web.files import GeneratedFiles, extract_zip, place, safe_name
from bigan.web.present import heading_labels, highlight, size
from kb.model import Passage, Span

SUFFIXES = (".txt", ".md", ".docx")


@st.composite
def text_and_spans(draw):
    text = draw(st.text(alphabet=st.sampled_from("<>&\"'/=一刻钟 ascript"), max_size=40))
    spans = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        spans.append(Span(start, end))
    return text, spans


@given(text_and_spans())
def test_highlight_escapes_everything_but_its_own_marks(case):
    text, spans = case
    out = str(highlight(text, spans))
    bare = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare and '"' not in bare
    assert html.unescape(bare) == text


def test_highlight_merges_overlapping_spans():
    assert str(highlight("基层党建工作", [Span(0, 2), Span(1, 4)])) == "<mark>基层党建</mark>工作"


def test_heading_labels_restore_markers():
    def passage(n, text, role, path=()):
        return Passage("d", n, text, role, section_path=path)

    passages = [
        passage(0, "题目", "title"),
        passage(1, "看清形势", "heading"),
        passage(2, "服务更好", "point", ("一、看清形势",)),
        passage(3, "新建站点。", "point", ("一、看清形势", "一是服务更好")),
        passage(4, "没有正文的标题", "heading"),
    ]
    assert heading_labels(passages) == {1: "一、看清形势", 2: "一是服务更好"}


def test_size():
    assert (size(20 * 1024 * 1024), size(1536)) == ("20 MB", "1.5 KB")


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\材料\\讲话.docx", "讲话.docx"), (".hidden.txt", "hidden.txt"),
    ("a\x00b\n.txt", "ab.txt"), ("", "上传文件"), ("..", "上传文件"),
], ids=["traversal", "windows", "hidden", "control", "empty", "dots"])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def _zip(tmp_path, entries):
    path = tmp_path / "in.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def _gbk_zip(tmp_path, name: str, data: bytes):
    # What Chinese Windows writes: GBK bytes without the UTF-8 flag. zipfile cannot write that,
    # so an ASCII name of the same length is written and its bytes swapped afterwards.
    raw = name.encode("gbk")
    placeholder = b"n" * len(raw)
    path = _zip(tmp_path, {placeholder.decode(): data})
    path.write_bytes(path.read_bytes().replace(placeholder, raw))
    return path


def test_zip_members_stay_inside_and_keep_their_folders(tmp_path):
    path = _zip(tmp_path, {"材料/讲话.txt": "讲话".encode(), "../../逃.txt": b"x", "/abs.txt": b"y",
                           ".git/config.txt": b"z", "图.png": b"p", "a/./b.md": b"#"})
    out = tmp_path / "out"
    files, skipped = extract_zip(path, out, SUFFIXES, 1024)
    assert sorted(f.relative_to(out).as_posix() for f in files) == ["a/b.md", "abs.txt", "材料/讲话.txt"]
    assert skipped == [("图.png", "不支持的文件类型（支持 .txt .md .docx）")]
    assert not (tmp_path / "逃.txt").exists()


def test_zip_gbk_names_are_read(tmp_path):
    files, _ = extract_zip(_gbk_zip(tmp_path, "旧材料/通知.txt", b"x"), tmp_path / "out", SUFFIXES, 1024)
    assert [f.relative_to(tmp_path / "out").as_posix() for f in files] == ["旧材料/通知.txt"]


def test_zip_bomb_is_refused_while_reading(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("大.txt", b"\0" * (8 * 1024 * 1024))
    assert path.stat().st_size < 64 * 1024
    files, skipped = extract_zip(path, tmp_path / "out", SUFFIXES, 1024 * 1024)
    assert files == []
    assert skipped == [("大.txt", "文件过大（上限 1 MB），或整个压缩包解压后过大")]
    assert not (tmp_path / "out" / "大.txt").exists()


def test_not_a_zip(tmp_path):
    path = tmp_path / "假.zip"
    path.write_bytes(b"not a zip")
    from kb.errors import ReadError

    with pytest.raises(ReadError, match="假.zip：不是有效的 .zip 压缩包"):
        extract_zip(path, tmp_path / "out", SUFFIXES, 1024)


def test_place_keeps_different_files_of_one_name(tmp_path):
    def upload(data):
        source = tmp_path / "incoming"
        source.write_bytes(data)
        return place(source, tmp_path / "kb" / "讲话.txt")

    assert upload(b"one").name == "讲话.txt"
    assert upload(b"two").name == "讲话（2）.txt"
    assert upload(b"one").name == "讲话.txt"
    assert upload(b"two").name == "讲话（2）.txt"
    assert sorted(p.name for p in (tmp_path / "kb").iterdir()) == ["讲话.txt", "讲话（2）.txt"]


def test_generated_files_are_found_by_id_once_written(tmp_path):
    files = GeneratedFiles(tmp_path)
    entry = files.reserve("稿.docx")
    assert files.get(entry.file_id) is None
    entry.path.write_bytes(b"x")
    assert files.get(entry.file_id) == entry and entry.path.suffix == ".docx"
    assert files.get("../" + entry.path.name) is None
