"""`bigan format`: recover a draft's structure with the kb parser and lay it out again."""

from __future__ import annotations

from pathlib import Path

from kb.parse import load_document

from generator.profile import LayoutProfile
from generator.render import render


def default_output(input_path) -> Path:
    """Return where `bigan format` writes by default: INPUT.docx, or INPUT-排版.docx for a .docx."""
    path = Path(input_path)
    if path.suffix.lower() == ".docx":
        return path.with_name(f"{path.stem}-排版.docx")
    return path.with_suffix(".docx")


def format_document(input_path, output_path=None, *, profile: LayoutProfile | None = None,
                    keep_text: bool = False, encoding: str | None = None) -> Path:
    """Return the path of ``input_path`` re-laid out as ``output_path`` (.docx or .md).

    The numbering markers decide heading levels, not the old file's styling; the text is
    kept as it is except for the cleaning's punctuation normalisation (off with ``keep_text``).
    """
    output = Path(output_path) if output_path is not None else default_output(input_path)
    doc = load_document(input_path, encoding=encoding, clean=not keep_text)
    return render(doc, output, profile=profile)
