"""Unit tests of the web layer's helpers: escaping with highlights, heading labels, upload names, zips."""

from __future__ import annotations

import html
import warnings
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
    assert skipped == [("../../逃.txt", "路径含“..”，会指到解压文件夹以外，已跳过"),
                       ("图.png", "不支持的文件类型（支持 .txt .md .docx）")]
    assert not (tmp_path / "逃.txt").exists()


def test_zip_file_and_folder_of_one_name_duplicates_and_nfc_twins_are_reported(tmp_path):
    decomposed = "e\u0301.txt"  # é as e + combining accent: the same name once normalised
    path = tmp_path / "in.zip"
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        archive.writestr("a.txt", b"file")
        archive.writestr("a.txt/b.txt", b"under a folder named like the file")
        archive.writestr("c/d.txt", b"d")
        archive.writestr("c", b"")  # no suffix: refused as a type before it could clash
        archive.writestr("c/d.txt", b"again")
        archive.writestr("\u00e9.txt", b"composed")
        archive.writestr(decomposed, b"decomposed")
        archive.writestr("x/y.txt", b"y")
        archive.writestr("x.txt", b"no clash: another name")
    out = tmp_path / "out"
    files, skipped = extract_zip(path, out, SUFFIXES, 1024)
    assert sorted(f.relative_to(out).as_posix() for f in files) == [
        "a.txt", "c/d.txt", "x.txt", "x/y.txt", "\u00e9.txt"]
    assert (out / "a.txt").read_bytes() == b"file" and (out / "c/d.txt").read_bytes() == b"d"
    reasons = dict(skipped)
    assert reasons["a.txt/b.txt"] == "所在文件夹与压缩包中的文件“a.txt”同名，已跳过"
    assert reasons["c/d.txt"] == "压缩包中已有同名文件“c/d.txt”，只入库了前一个"
    assert reasons[decomposed] == "压缩包中已有同名文件“\u00e9.txt”，只入库了前一个"
    assert reasons["c"].startswith("不支持的文件类型")


def test_zip_folder_then_file_of_one_name(tmp_path):
    path = _zip(tmp_path, {"a.txt/b.txt": b"b", "a.txt": b"a"})
    files, skipped = extract_zip(path, tmp_path / "out", SUFFIXES, 1024)
    assert [f.relative_to(tmp_path / "out").as_posix() for f in files] == ["a.txt/b.txt"]
    assert skipped == [("a.txt", "与压缩包中的文件夹同名（其中有“a.txt/b.txt”），已跳过")]


def test_long_names_are_cut_to_what_the_disk_takes(tmp_path):
    name = "关于" + "加强基层治理" * 40 + ".docx"
    assert len(name.encode()) > 255
    short = safe_name(name)
    assert short.endswith(".docx") and len(short.encode()) <= 200 and short.startswith("关于加强")
    path = _zip(tmp_path, {f"{'长' * 100}/{name}": b"x"})
    files, skipped = extract_zip(path, tmp_path / "out", SUFFIXES, 1024)
    assert skipped == [] and files[0].read_bytes() == b"x"
    assert all(len(part.encode()) <= 200 for part in files[0].relative_to(tmp_path / "out").parts)


def test_place_passes_a_file_standing_where_a_folder_goes(tmp_path):
    home = tmp_path / "uploads"
    incoming = tmp_path / "incoming"
    incoming.write_bytes(b"plain")
    assert place(incoming, home, "同名.txt") == home / "同名.txt"
    incoming.write_bytes(b"from the zip")
    # 同名.txt.zip unpacks into a folder named 同名.txt: a file already holds that name.
    placed = place(incoming, home, "同名.txt", "材料.txt")
    assert placed == home / "同名（2）.txt" / "材料.txt" and placed.read_bytes() == b"from the zip"
    incoming.write_bytes(b"second plain")
    # …and the other way round: a folder holds the name a file wants.
    assert place(incoming, home, "同名（2）.txt") == home / "同名（2）（2）.txt"
    assert not incoming.exists()


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
        return place(source, tmp_path / "kb", "讲话.txt")

    assert upload(b"one").name == "讲话.txt"
    assert upload(b"two").name == "讲话（2）.txt"
    assert upload(b"one").name == "讲话.txt"
    assert upload(b"two").name == "讲话（2）.txt"
    assert sorted(p.name for p in (tmp_path / "kb").iterdir()) == ["讲话.txt", "讲话（2）.txt"]


def test_generated_files_are_kept_in_memory_by_id_within_a_budget():
    files = GeneratedFiles(max_bytes=10)
    first = files.add("稿.docx", b"12345")
    assert files.get(first.file_id) == first and first.data == b"12345"
    assert files.get("../" + first.file_id) is None
    second = files.add("稿.md", b"678901")  # over the budget: the oldest goes
    assert files.get(first.file_id) is None and files.get(second.file_id) == second
    assert files.total_bytes() == 6
    assert files.add("大.docx", b"x" * 50).data == b"x" * 50  # the newest stays, even alone past it
    assert files.get(second.file_id) is None


def test_generated_files_expire():
    files = GeneratedFiles(max_age=-1)
    entry = files.add("稿.docx", b"x")
    assert files.get(entry.file_id) is None
