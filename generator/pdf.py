"""PDF output: the GB/T 9704 .docx printed to PDF by LibreOffice, free fonts standing in for missing ones.

The .docx always names the standard fonts (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312…),
so it looks right on an office computer. For the PDF, the fonts of *this* machine decide:
when a standard font is missing, LibreOffice would fall back to whatever fontconfig
offers first, usually one sans font for everything. So for the conversion bigan writes
a fontconfig file that includes the system configuration and adds an alias from each
missing family to the closest installed one of its kind (a 仿宋-like, 楷体-like, 黑体-like
or 宋体-like font; Noto Serif/Sans CJK when nothing closer is present), and points
LibreOffice at it with FONTCONFIG_FILE. The document itself is never changed.

LibreOffice runs through :mod:`kb.office` (private user profile, timeout per file).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from xml.sax.saxutils import escape

from generator.errors import RenderError
from generator.profile import LayoutProfile, load_profile

#: Seconds LibreOffice may spend on one document.
PDF_TIMEOUT = 120.0

# What kind of face a family name is, from words in its name (Chinese and Latin).
_KINDS = (
    ("fangsong", ("仿宋", "fangsong", "fang song", "fsong")),
    ("kai", ("楷", "kai")),
    ("hei", ("黑", "hei", "sans cjk", "sans sc", "sans cn", "gothic")),
    ("song", ("宋", "song", "ming", "serif cjk", "serif sc", "serif cn", "mincho")),
)
# For a missing font of one kind, the installed kinds to try, closest first: a 仿宋 is a
# light serif, so a 楷体 or a 宋体 stands in better than a 黑体.
_STAND_INS = {
    "fangsong": ("fangsong", "song", "kai"),
    "kai": ("kai", "fangsong", "song"),
    "hei": ("hei",),
    "song": ("song", "fangsong"),
}
# Among installed fonts of a kind, these free families first, Simplified Chinese first.
_PREFERRED = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Source Han Sans SC",
              "AR PL UKai CN", "AR PL UMing CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
# Display faces heavier than their kind's regular weight (方正小标宋, 华文中宋, 大标宋).
_HEAVY = re.compile(r"标宋|中宋|粗宋")
_CJK_SERIF_LAST_RESORT = ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN")
_CJK_SANS_LAST_RESORT = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


@dataclass(frozen=True)
class FontSubstitution:
    """A font the document names that this machine lacks, and what the PDF uses instead."""

    family: str
    substitute: str | None  # None: no Chinese font at all; LibreOffice picks what it can

    def __str__(self) -> str:
        return f"{self.family}→{self.substitute}" if self.substitute else self.family


def font_kind(family: str) -> str | None:
    """Return "fangsong", "kai", "hei" or "song" for a family name, None when the name says nothing.

    >>> font_kind("仿宋_GB2312"), font_kind("方正小标宋简体"), font_kind("Noto Sans CJK SC")
    ('fangsong', 'song', 'hei')
    """
    lowered = family.lower()
    for kind, words in _KINDS:
        if any(word in lowered for word in words):
            return kind
    return None


def installed_families() -> list[str] | None:
    """Return every font family fontconfig knows on this machine, None without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listing = subprocess.run([fc_list, "--format", "%{family}\\n"], capture_output=True,
                                 text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families: list[str] = []
    for line in listing.splitlines():
        # A font lists all its names ("楷体,KaiTi"); each is a name LibreOffice may ask for.
        for name in line.split(","):
            name = name.strip()
            if name and name not in families:
                families.append(name)
    return families


def document_fonts(profile: LayoutProfile) -> list[str]:
    """Return the font families a .docx of ``profile`` names (the first of each list), in order."""
    names: list[str] = []
    for field in fields(profile.fonts):
        families = getattr(profile.fonts, field.name)
        if families and families[0] not in names:
            names.append(families[0])
    return names


def plan_substitutions(profile: LayoutProfile | None = None,
                       installed: list[str] | None = None) -> list[FontSubstitution]:
    """Return the document's fonts missing on this machine, each with its stand-in for the PDF.

    A missing family takes the next installed one of its own fallback list in the profile
    (仿宋 for 仿宋_GB2312), else the closest installed font of its kind. Empty when every
    font is present or fontconfig cannot say.
    """
    profile = profile or load_profile()
    if installed is None:
        installed = installed_families()
        if installed is None:
            return []
    present = {name.lower() for name in installed}
    fallbacks = {}
    for field in fields(profile.fonts):
        families = getattr(profile.fonts, field.name)
        if families:
            fallbacks.setdefault(families[0], families[1:])
    out = []
    for family in document_fonts(profile):
        if family.lower() in present:
            continue
        substitute = next((f for f in fallbacks.get(family, ()) if f.lower() in present), None)
        if substitute is None:
            substitute = _closest(font_kind(family), installed)
        out.append(FontSubstitution(family, substitute))
    return out


def _closest(kind: str | None, installed: list[str]) -> str | None:
    by_kind: dict[str, list[str]] = {}
    for name in installed:
        found = font_kind(name)
        if found:
            by_kind.setdefault(found, []).append(name)
    for wanted in _STAND_INS.get(kind or "song", ("song",)):
        candidates = by_kind.get(wanted, [])
        for preferred in _PREFERRED:
            if preferred in candidates:
                return preferred
        if candidates:
            return sorted(candidates)[0]
    resort = _CJK_SANS_LAST_RESORT if kind == "hei" else _CJK_SERIF_LAST_RESORT
    for name in resort + _CJK_SERIF_LAST_RESORT + _CJK_SANS_LAST_RESORT:
        if name in installed:
            return name
    return None


def font_warning(substitutions: list[FontSubstitution]) -> str | None:
    """Return the warning that names the missing fonts and their stand-ins, None when none is missing."""
    if not substitutions:
        return None
    replaced = "、".join(str(s) for s in substitutions)
    return (f"本机缺少公文字体：{replaced}。PDF 中已用右边的字体代替；.docx 仍使用标准字体，"
            "在装有这些字体的电脑上打开即为标准效果")


def fontconfig_file(substitutions: list[FontSubstitution], folder) -> Path:
    """Write a fontconfig file in ``folder``: the system configuration plus one alias per stand-in."""
    system = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
             "<fontconfig>", f'  <include ignore_missing="yes">{escape(system)}</include>']
    for item in substitutions:
        if item.substitute is None:
            continue
        if _HEAVY.search(item.family):
            # 小标宋 is a heavy 宋体: its stand-in is the bold face of the 宋体-like font.
            lines += ['  <match target="pattern">',
                      f"    <test name=\"family\"><string>{escape(item.family)}</string></test>",
                      '    <edit name="family" mode="prepend" binding="same">'
                      f"<string>{escape(item.substitute)}</string></edit>",
                      '    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>',
                      "  </match>"]
            continue
        # binding="same" makes the stand-in as strong as the family asked for, so it wins
        # over fontconfig's generic fallbacks (often a sans font).
        lines += ['  <alias binding="same">', f"    <family>{escape(item.family)}</family>",
                  f"    <prefer><family>{escape(item.substitute)}</family></prefer>",
                  "  </alias>"]
    lines.append("</fontconfig>")
    path = Path(folder) / "fonts.conf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def convert_to_pdf(docx_path, pdf_path, *, profile: LayoutProfile | None = None,
                   timeout: float = PDF_TIMEOUT) -> list[FontSubstitution]:
    """Print the .docx ``docx_path`` to ``pdf_path`` with LibreOffice; return the font stand-ins used.

    Raises RenderError, naming the file, when LibreOffice is missing or fails.
    """
    from kb.office import ConversionError, OfficeNotFoundError, convert

    from generator.render._files import publish_mode

    pdf_path = Path(pdf_path)
    substitutions = plan_substitutions(profile)
    with tempfile.TemporaryDirectory(prefix="bigan-pdf-") as work:
        env = dict(os.environ)
        if substitutions:
            env["FONTCONFIG_FILE"] = str(fontconfig_file(substitutions, work))
        try:
            (result,) = convert([docx_path], "pdf", outdir=work, timeout=timeout, env=env)
        except OfficeNotFoundError:
            raise RenderError(f"{pdf_path}：输出 PDF 需要 LibreOffice，本机没有找到"
                              "（Debian/Ubuntu：sudo apt install libreoffice-writer-nogui；"
                              "或设置 BIGAN_SOFFICE 指向 soffice）。可先输出 .docx") from None
        if result.error is not None:
            reason = result.error.reason if isinstance(result.error, ConversionError) else ""
            raise RenderError(f"{pdf_path}：LibreOffice 未能生成 PDF（{reason or result.error}）")
        fd, tmp = tempfile.mkstemp(prefix=f".{pdf_path.stem}.", suffix=".pdf", dir=pdf_path.parent)
        os.close(fd)
        try:
            shutil.copyfile(result.output, tmp)
            publish_mode(tmp)
            os.replace(tmp, pdf_path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return substitutions


def render_pdf(doc, path, *, profile: LayoutProfile | None = None, comments=None) -> None:
    """Write ``doc`` to the PDF file ``path``: the .docx layout, printed by LibreOffice."""
    from generator.render.docx import render_docx

    profile = profile or load_profile()
    with tempfile.TemporaryDirectory(prefix="bigan-docx-") as work:
        # Sources stay out of a PDF for printing: comments would not be printed anyway.
        source = Path(work) / (Path(path).stem + ".docx")
        render_docx(doc, source, profile=profile)
        convert_to_pdf(source, path, profile=profile)
