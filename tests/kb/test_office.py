"""The LibreOffice runner: real conversions when soffice is installed, simulated hangs and failures."""

import os
import sys
import textwrap
import time
import zipfile

import pytest

from kb.office import (ConversionError, ConversionTimeoutError, OfficeNotFoundError, convert, convert_one,
                       find_soffice)

# A stand-in for soffice: "converts" by copying, hangs on inputs that contain HANG,
# fails on inputs that contain FAIL, and prints what soffice prints.
FAKE = textwrap.dedent(f"""\
    #!{sys.executable}
    import os, pathlib, sys, time
    args = sys.argv[1:]
    outdir = pathlib.Path(args[args.index("--outdir") + 1])
    target = args[args.index("--convert-to") + 1].split(":")[0]
    inputs = [a for a in args[args.index("--outdir") + 2:]]
    for name in inputs:
        data = pathlib.Path(name).read_bytes()
        if b"FAIL" in data:
            print("Error: source file could not be loaded", flush=True)
            continue
        out = outdir / (pathlib.Path(name).stem + "." + target)
        print(f"convert {{name}} -> {{out}} using filter : x", flush=True)
        if b"HANG" in data:
            if os.fork() == 0:      # a child, as soffice.bin is to the soffice script
                time.sleep(600)
            time.sleep(600)
        out.write_bytes(data)
    """)


@pytest.fixture
def fake_soffice(tmp_path):
    program = tmp_path / "soffice"
    program.write_text(FAKE, encoding="utf-8")
    program.chmod(0o755)
    return program


def _inputs(folder, contents):
    paths = []
    for index, content in enumerate(contents):
        path = folder / f"文件 {index}.doc"
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_hanging_file_is_reported_and_the_rest_converted(tmp_path, fake_soffice):
    paths = _inputs(tmp_path, [b"one", b"HANG", b"three", b"FAIL", b"five"])
    start = time.monotonic()
    results = convert(paths, "docx", tmp_path / "out", timeout=1.5, soffice=fake_soffice)
    assert time.monotonic() - start < 30
    assert [r.source for r in results] == paths
    assert [(r.output.name if r.output else None) for r in results] == \
        ["文件 0.docx", None, "文件 2.docx", None, "文件 4.docx"]
    assert (tmp_path / "out" / "文件 2.docx").read_bytes() == b"three"
    assert isinstance(results[1].error, ConversionTimeoutError)
    assert str(results[1].error) == (f"{paths[1]}：LibreOffice 转换超时（超过 1.5 秒），已中止"
                                     "（文件可能损坏；请用 Word 或 WPS 打开后另存为 .docx）")
    assert type(results[3].error) is ConversionError
    assert str(results[3].error).startswith(f"{paths[3]}：LibreOffice 无法打开这个文件")


def test_hang_kills_the_whole_process_tree(tmp_path, fake_soffice):
    (path,) = _inputs(tmp_path, [b"HANG"])
    with pytest.raises(ConversionTimeoutError):
        convert_one(path, "docx", tmp_path, timeout=1, soffice=fake_soffice)
    time.sleep(0.2)
    assert _running(fake_soffice) == set()


def _running(program):
    """Return the pids of processes running ``program`` (Linux /proc), the forked child included."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if str(program).encode() in handle.read():
                    found.add(pid)
        except OSError:
            continue
    return found


def test_no_libreoffice(monkeypatch, tmp_path):
    monkeypatch.setenv("BIGAN_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    assert find_soffice() is None
    with pytest.raises(OfficeNotFoundError, match="sudo apt install libreoffice-writer-nogui"):
        convert([tmp_path / "a.doc"])


def test_unreadable_input_is_one_error(tmp_path, fake_soffice):
    (good,) = _inputs(tmp_path, [b"good"])
    results = convert([tmp_path / "missing.doc", good], "pdf", tmp_path / "out", soffice=fake_soffice)
    assert str(results[0].error).startswith(f"{tmp_path / 'missing.doc'}：无法读取文件")
    assert results[1].output == tmp_path / "out" / "文件 0.pdf"


@pytest.mark.skipif(find_soffice() is None, reason="没有安装 LibreOffice")
def test_real_conversion_of_one_batch(tmp_path):
    from docx import Document

    paths = []
    for name in ("甲", "乙"):
        document = Document()
        document.add_paragraph(f"{name}文件的正文。")
        paths.append(tmp_path / f"{name}.docx")
        document.save(paths[-1])
    results = convert(paths, "odt", tmp_path / "out")
    assert [r.output for r in results] == [tmp_path / "out" / "甲.odt", tmp_path / "out" / "乙.odt"]
    with zipfile.ZipFile(results[1].output) as package:
        assert "乙文件的正文。" in package.read("content.xml").decode("utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~lock")]


def test_libreoffice_that_never_starts_fails_the_batch_after_two_tries(tmp_path):
    program = tmp_path / "soffice"
    program.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(600)\n", encoding="utf-8")
    program.chmod(0o755)
    paths = _inputs(tmp_path, [b"a", b"b", b"c", b"d"])
    start = time.monotonic()
    results = convert(paths, "docx", tmp_path / "out", timeout=1, soffice=program)
    assert time.monotonic() - start < 15
    assert [str(r.error).split("：", 1)[1] for r in results] == \
        ["LibreOffice 转换超时（超过 1 秒），已中止（文件可能损坏；请用 Word 或 WPS 打开后另存为 .docx）"] + \
        ["LibreOffice 没有响应（1 秒内没有任何进展），已中止"
         "（请确认 LibreOffice 能正常启动，可先结束卡住的 soffice 进程，然后重新运行）"] * 3
