"""Build the bad-input suite in a temporary folder: every kind of file an office disk holds."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

#: A document every reader understands; each good variant carries its own marker phrase.
_BODY = "同志们：\n\n一、抓好{tag}工作\n\n要把{tag}落实到每个网格，做到底数清、情况明。\n\n二、强化保障\n\n各单位要压实责任。\n"

#: Stand-in for a local file an external entity could point at.
SECRET = "SECRET-7f3a-不可外泄"


@dataclass(frozen=True)
class Case:
    """One generated input: its path, whether it must land, and the phrase that finds it."""

    name: str
    path: Path | bytes
    readable: bool
    marker: str = ""
    #: Single-file commands check the path themselves (click.Path(exists=True)): usage error, exit 2.
    missing: bool = False


def body(tag: str) -> str:
    """Return a small speech whose marker phrase is ``tag``."""
    return f"关于{tag}的讲话\n\n" + _BODY.format(tag=tag)


def docx_bytes(xml_body: str, *, declaration: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """Return a minimal .docx package whose document.xml body is ``xml_body``."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{declaration}'
                f'<w:document {ns}><w:body>{xml_body}</w:body></w:document>')
    return _package(document.encode("utf-8"), extra or {})


def paragraphs_xml(lines) -> str:
    """Return w:p elements, one per line (XML-escaped)."""
    from xml.sax.saxutils import escape
    return "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def _package(document: bytes, extra: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        package.writestr("word/document.xml", document)
        for name, data in extra.items():
            package.writestr(name, data)
    return buffer.getvalue()


def bomb_docx(expanded: int) -> bytes:
    """Return a small .docx whose document.xml inflates to about ``expanded`` bytes (built in chunks).

    The filler is empty runs, not paragraphs: millions of empty paragraphs are a
    different attack, refused by their count (see test_inputs.py).
    """
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    buffer = io.BytesIO()
    chunk = b"<w:r/>" * 100_000
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>'.encode())
            part.write(paragraphs_xml(["关于膨胀测验的讲话", "膨胀测验的正文。"]).encode("utf-8"))
            for _ in range(expanded // len(chunk)):
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return buffer.getvalue()


def xxe_docx(secret_path: Path) -> bytes:
    """Return a .docx whose document.xml declares external entities pointing at ``secret_path``."""
    uri = secret_path.as_uri()
    declaration = (f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{uri}">'
                   f'<!ENTITY % pe SYSTEM "{uri}"> %pe;]>')
    return docx_bytes(paragraphs_xml(["关于外部实体测试的讲话"]) +
                      "<w:p><w:r><w:t>正文&xxe;结束</w:t></w:r></w:p>", declaration=declaration)


def make_cases(folder: Path, *, big: bool = True) -> list[Case]:
    """Write every bad and odd input into ``folder``; return the cases.

    ``big`` adds the 10 MB single-line text (kept out of the fuzz-speed runs).
    """
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name, data: bytes, readable: bool, marker: str = "") -> Path:
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(name, path, readable, marker))
        return path

    add("空文件.txt", b"", False)
    add("只有空白.txt", b" \r\n\t\n\xe3\x80\x80\n", False)
    add("只有空白.md", b"\n\n   \n", False)
    add("二进制.txt", bytes(range(256)) * 40, False)
    add("图片冒充.md", b"\x89PNG\r\n\x1a\n" + os.urandom(2048), False)
    add("压缩包冒充.html", b"PK\x03\x04" + os.urandom(512), False)
    add("旧版Word.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024, False)
    add("GB18030编码.txt", body("国标编码测验").encode("gb18030"), True, "国标编码测验")
    add("GBK编码.md", body("双字节编码测验").encode("gbk"), True, "双字节编码测验")
    add("Big5編碼.txt", ("關於繁體編碼測驗的講話\n\n同志們：\n\n一、抓好繁體編碼測驗工作\n\n"
                        "要把工作落實到每個網格，做到底數清、情況明。\n").encode("big5"), True, "繁體編碼測驗")
    add("UTF16有BOM.txt", body("十六位带标记").encode("utf-16"), True, "十六位带标记")
    add("UTF16无BOM.txt", body("十六位无标记").encode("utf-16-le"), True, "十六位无标记")
    add("UTF16BE无BOM.txt", body("大端无标记").encode("utf-16-be"), True, "大端无标记")
    add("UTF8带BOM.txt", b"\xef\xbb\xbf" + body("八位带标记").encode("utf-8"), True, "八位带标记")
    add("控制字符.txt", body("控制字符测验").replace("每个", "每\x00个\x07").replace("责任", "责\x1b任").encode("utf-8")
        .replace(b"\n\n", b"\n\x0c\n"), True, "控制字符测验")
    add("截断.docx", docx_bytes(paragraphs_xml(body("截断").splitlines()))[:700], False)
    add("截断的压缩包.docx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", False)
    add("不是Word.docx", _zip_without_document(), False)
    add("炸弹.docx", bomb_docx(260_000_000), False)
    secret = folder.parent / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    add("外部实体.docx", xxe_docx(secret), True, "外部实体测试")
    nested = "<div>" * 10_000 + "<p>深层嵌套测验的段落。</p>" + "</div>" * 10_000
    add("深层嵌套.html", f"<html><head><title>关于深层嵌套测验的讲话</title></head><body><h1>关于深层嵌套测验的讲话</h1>"
        f"{nested}</body></html>".encode("utf-8"), True, "深层嵌套测验")
    add("未闭合.html", b"<html><body><p>\xe6\x9c\xaa\xe9\x97\xad\xe5\x90\x88\xe6\xb5\x8b\xe9\xaa\x8c<div><span>",
        True, "未闭合测验")
    if big:
        # 10 MB on one line, no sentence ends: a dump, not a document.
        add("一行十兆.txt", ("超长单行测验" + "甲乙丙丁戊己庚辛壬癸" * 349_525)[:3_500_000].encode("utf-8"),
            True, "超长单行测验")
    # A name that is not valid UTF-8 (GBK bytes), with good content.
    raw_name = os.fsencode(folder) + b"/" + "国家".encode("gbk") + b".txt"
    with open(raw_name, "wb") as handle:
        handle.write(body("非法文件名测验").encode("utf-8"))
    cases.append(Case("GBK文件名", raw_name, True, "非法文件名测验"))
    # Unreadable: tests run as root, so chmod 000 reads fine; a FIFO with no writer, a dangling
    # symbolic link and a link loop are the unreadable files root still meets.
    fifo = folder / "管道.txt"
    os.mkfifo(fifo)
    cases.append(Case("管道.txt", fifo, False))
    dangling = folder / "失效链接.txt"
    dangling.symlink_to(folder / "早已删除.txt")
    cases.append(Case("失效链接.txt", dangling, False, missing=True))
    loop_a, loop_b = folder / "环甲.txt", folder / "环乙.txt"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    cases.append(Case("环甲.txt", loop_a, False, missing=True))
    cases.append(Case("环乙.txt", loop_b, False, missing=True))
    (folder / "子目录").mkdir()
    (folder / "子目录" / "回到上级").symlink_to(folder, target_is_directory=True)
    (folder / "子目录" / "自己").symlink_to(folder / "子目录", target_is_directory=True)
    return cases


def _zip_without_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "这不是 Word 文档")
    return buffer.getvalue()


_NUMBERING_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"
_NUMBERING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"


def numbered_docx(level: str = '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
                  '<w:lvlText w:val="%1."/></w:lvl>', *, items: int = 3, num: str = "",
                  ilvl: str = "0", tag: str = "编号测验") -> bytes:
    """Return a .docx whose ``items`` paragraphs are numbered by the list level ``level``.

    ``num`` adds XML inside the w:num element (lvlOverride); ``ilvl`` is the paragraphs' own level.
    """
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = (f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {ns}>'
                 f'<w:abstractNum w:abstractNumId="0">{level}</w:abstractNum>'
                 f'<w:num w:numId="1"><w:abstractNumId w:val="0"/>{num}</w:num></w:numbering>')
    items_xml = "".join(
        f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        f'<w:r><w:t>要把{tag}第{i + 1}项工作抓实。</w:t></w:r></w:p>' for i in range(items))
    content_types = _CONTENT_TYPES.replace(
        b"</Types>", f'<Override PartName="/word/numbering.xml" ContentType="{_NUMBERING_TYPE}"/></Types>'.encode())
    rels = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_NUMBERING_REL}" Target="numbering.xml"/></Relationships>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", _RELS)
        package.writestr("word/_rels/document.xml.rels", rels)
        package.writestr("word/document.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>'
            + paragraphs_xml([f"关于{tag}的讲话"]) + items_xml + "</w:body></w:document>").encode("utf-8"))
        package.writestr("word/numbering.xml", numbering.encode("utf-8"))
    return buffer.getvalue()


def numbering_level(ilvl: str = "0", start: str = "1", fmt: str = "decimal", text: str = "%1.",
                    restart: str | None = None) -> str:
    """Return a w:lvl element with the given (possibly malformed) values."""
    extra = f'<w:lvlRestart w:val="{restart}"/>' if restart is not None else ""
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')
