"""Old Word (.doc/.dot), WPS (.wps/.wpt), RTF and OpenDocument (.odt/.ott) files.

LibreOffice converts them to .docx in a private temporary folder and the .docx reader
reads the result, so headings, Word numbering and tables come out exactly as they do
for a .docx. :class:`OfficeReader` converts many files with one LibreOffice start
(ingest); :func:`read_office` reads one (outline, format, check).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from kb.errors import ReadError
from kb.model import RawDocument
from kb.office import DEFAULT_TIMEOUT, INSTALL_HINT, OfficeNotFoundError, convert
from kb.readers.source import as_path

#: Suffixes this reader takes; Word-format templates (.dot, .wpt) read like documents.
OFFICE_SUFFIXES = (".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt", ".ott")


def missing_office(path) -> ReadError:
    """Return the error for a file that needs LibreOffice when there is none."""
    suffix = as_path(path).suffix.lower()
    kind = suffix if suffix in (".rtf", ".odt", ".ott") else ".doc/.wps"
    return ReadError(path, f"读取 {kind} 需要 LibreOffice", INSTALL_HINT)


def read_office(path, *, max_expanded: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> RawDocument:
    """Return the paragraphs of one office file, converted to .docx by LibreOffice."""
    (result,) = OfficeReader(max_expanded=max_expanded, timeout=timeout).read([path])
    if isinstance(result, ReadError):
        raise result
    return result


class OfficeReader:
    """Read office files in batches: one LibreOffice start converts a whole batch."""

    def __init__(self, *, max_expanded: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                 soffice=None):
        self.max_expanded = max_expanded
        self.timeout = timeout
        self.soffice = soffice

    def read(self, paths: Iterable, progress: Callable[[Path], None] | None = None
             ) -> list[RawDocument | ReadError]:
        """Return, for each path in order, its RawDocument or the ReadError saying why not."""
        from kb.readers.docx import DEFAULT_MAX_EXPANDED, raw_from_docx_bytes

        paths = [as_path(p) for p in paths]
        limit = self.max_expanded if self.max_expanded is not None else DEFAULT_MAX_EXPANDED
        with tempfile.TemporaryDirectory(prefix="bigan-docx-") as outdir:
            try:
                results = convert(paths, "docx", Path(outdir) / "x", timeout=self.timeout,
                                  soffice=self.soffice, progress=progress) if paths else []
            except OfficeNotFoundError:
                return [missing_office(p) for p in paths]
            out: list[RawDocument | ReadError] = []
            for path, result in zip(paths, results):
                if result.error is not None:
                    out.append(result.error)
                    continue
                data = result.output.read_bytes()
                try:
                    raw = raw_from_docx_bytes(data, path, max_expanded=limit)
                except ReadError as error:
                    out.append(error)
                    continue
                if raw.blocks[0].text.count("\ufffd") >= 2:
                    # LibreOffice falls back to importing an unreadable file as plain text:
                    # its bytes come out as replacement characters, not as a document.
                    out.append(ReadError(path, "LibreOffice 无法打开这个文件",
                                         "文件可能已损坏、加了密码或不是文档；请用 Word 或 WPS 打开后另存为 .docx"))
                    continue
                out.append(dataclasses.replace(raw, format=path.suffix.lower().lstrip(".") or "doc"))
            return out
