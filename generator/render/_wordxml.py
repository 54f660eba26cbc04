"""The python-docx and Word XML helpers shared by the renderer, the template writer and the checker."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import docx
from lxml import etree
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from generator.profile import TWIPS_PER_PT, LayoutProfile
from generator.render._files import publish_mode


@dataclass(frozen=True)
class StyleSpec:
    """A paragraph style we define: id, Chinese name, profile element and paragraph layout."""

    style_id: str
    name: str
    element: str
    align: str = "both"        # w:jc value
    indent: bool = False       # first-line indent of profile.paragraph.first_line_indent_chars
    outline: int | None = None  # w:outlineLvl, 0 for level 1
    keep_next: bool = False
    char_grid: bool = True     # character spacing to fill chars_per_line
    page_break: bool = False


#: Our paragraph styles, by role. Word lists them under these Chinese names.
STYLES = {
    "title": StyleSpec("BiganTitle", "标题", "title", align="center", keep_next=True,
                       char_grid=False),
    "byline": StyleSpec("BiganByline", "题注", "byline", align="center", keep_next=True),
    "salutation": StyleSpec("BiganSalutation", "称谓", "salutation", align="left"),
    "body": StyleSpec("BiganBody", "正文", "body", indent=True),
    "heading1": StyleSpec("BiganHeading1", "一级标题", "heading1", indent=True, outline=0,
                          keep_next=True),
    "heading2": StyleSpec("BiganHeading2", "二级标题", "heading2", indent=True, outline=1,
                          keep_next=True),
    "heading3": StyleSpec("BiganHeading3", "三级标题", "heading3", indent=True, outline=2,
                          keep_next=True),
    "heading4": StyleSpec("BiganHeading4", "四级标题", "heading4", indent=True, outline=3,
                          keep_next=True),
    "signature": StyleSpec("BiganSignature", "落款", "signature", align="right"),
    "date": StyleSpec("BiganDate", "成文日期", "date", align="right"),
    "attachment_note": StyleSpec("BiganAttachmentNote", "附件说明", "attachment_note",
                                 indent=True),
    "attachment_label": StyleSpec("BiganAttachmentLabel", "附件标识", "attachment_label",
                                  align="left", keep_next=True, page_break=True),
    "page_number": StyleSpec("BiganPageNumber", "页码", "page_number", char_grid=False),
    "chapter": StyleSpec("BiganChapter", "章标题", "chapter", align="center", outline=0,
                         keep_next=True),
    "regulation_section": StyleSpec("BiganRegulationSection", "节标题", "regulation_section",
                                    align="center", outline=1, keep_next=True),
}

#: Style name → role, for reading documents back.
ROLE_BY_STYLE_NAME = {spec.name: role for role, spec in STYLES.items()}

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
# XML 1.0 cannot carry C0 controls (except tab, newline, carriage return), surrogates,
# U+FFFE and U+FFFF; scraped text sometimes has them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\r\n\x0b\x0c\x85\u2028\u2029]+")


def xml_text(text: str) -> str:
    """Return ``text`` without the characters an XML file cannot carry or a paragraph should not."""
    return _NOT_XML.sub("", _LINE_BREAKS.sub("", text))


def twips(mm: float) -> int:
    """Return ``mm`` in twips."""
    return round(mm * 1440 / 25.4)


def chars_twips(chars: float, size_pt: float) -> int:
    """Return the width of ``chars`` characters of ``size_pt`` type in twips."""
    return round(chars * size_pt * TWIPS_PER_PT)


def new_document(profile: LayoutProfile):
    """Return an empty python-docx Document with the profile's page setup, styles and footers."""
    document = docx.Document()
    _page_setup(document, profile)
    _doc_defaults(document, profile)
    for spec in STYLES.values():
        _define_style(document, spec, profile)
    _builtin_headings(document, profile)
    _settings(document, profile)
    _page_numbers(document, profile)
    return document


def set_fonts(rpr, east_asian: str, latin: str) -> None:
    """Set all four font slots and the east-Asian hint on an ``w:rPr``, dropping theme fonts."""
    fonts = _child(rpr, "w:rFonts")
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)
    # Without the hint Word draws “ ” — … (shared code points) in the Latin font.
    fonts.set(qn("w:hint"), "eastAsia")


def set_run_format(rpr, profile: LayoutProfile, element: str, *, bold: bool = False,
                   char_grid: bool = True) -> None:
    """Set fonts, size, boldness and character spacing of ``element`` on an ``w:rPr``."""
    set_fonts(rpr, profile.font(element), profile.latin_font(element))
    for tag in ("w:b", "w:bCs", "w:spacing", "w:sz", "w:szCs"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    if bold:
        _child(rpr, "w:b")
        _child(rpr, "w:bCs")
    if char_grid:
        _child(rpr, "w:spacing").set(qn("w:val"), str(profile.char_spacing_twips(element)))
    half_points = str(round(profile.size(element) * 2))
    _child(rpr, "w:sz").set(qn("w:val"), half_points)
    _child(rpr, "w:szCs").set(qn("w:val"), half_points)


def add_run(paragraph, text: str, profile: LayoutProfile, element: str, *, bold: bool = False,
            char_grid: bool = True):
    """Return a new run of ``text`` in ``paragraph`` with the element's fonts on all slots."""
    run = paragraph.add_run(xml_text(text))
    set_run_format(run._r.get_or_add_rPr(), profile, element, bold=bold, char_grid=char_grid)
    return run


def add_break(run) -> None:
    """Append a line break (``w:br``) to ``run``."""
    run._r.append(OxmlElement("w:br"))


def set_paragraph_indent(paragraph, **values: int) -> None:
    """Set ``w:ind`` attributes (e.g. right=640, rightChars=200) directly on a paragraph."""
    ppr = paragraph._p.get_or_add_pPr()
    ind = _child(ppr, "w:ind")
    for key, value in values.items():
        ind.set(qn(f"w:{key}"), str(value))


def set_spacing(paragraph, *, before: int | None = None, after: int | None = None) -> None:
    """Set space before/after a paragraph in twips."""
    ppr = paragraph._p.get_or_add_pPr()
    spacing = _child(ppr, "w:spacing")
    if before is not None:
        spacing.set(qn("w:before"), str(before))
    if after is not None:
        spacing.set(qn("w:after"), str(after))


def font_fallbacks(profile: LayoutProfile) -> dict[str, str]:
    """Return each profile font that has a fallback, mapped to the next family in its list."""
    fallbacks: dict[str, str] = {}
    for field in fields(profile.fonts):
        families = getattr(profile.fonts, field.name)
        for family, alternative in zip(families, families[1:]):
            fallbacks.setdefault(family, alternative)
    return fallbacks


def save_atomically(document, path, *, template: bool = False,
                    fallbacks: dict[str, str] | None = None) -> None:
    """Save ``document`` to a temporary file beside ``path``, then rename it into place.

    ``fallbacks`` go to the font table as ``w:altName``, which Word uses when a font is
    missing; ``template`` gives the package the .dotx content type.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        document.save(tmp)
        publish_mode(tmp)
        changes = {}
        if template:
            changes["[Content_Types].xml"] = _template_content_type
        if fallbacks:
            changes["word/fontTable.xml"] = lambda data: _add_fallbacks(data, fallbacks)
        if changes:
            _rewrite_package(tmp, changes)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- building blocks ---------------------------------------------------------------------


def _append(parent, tag: str, **attrs):
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    parent.append(element)
    return element


def _child(parent, tag: str):
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        _insert_in_order(parent, found)
    return found


# Word rejects a file whose children are out of the schema's order, so insert by rank.
_ORDER = {
    qn("w:pPr"): ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
                  "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
                  "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                  "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                  "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                  "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                  "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    qn("w:rPr"): ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps",
                  "w:smallCaps", "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss",
                  "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden",
                  "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
                  "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText",
                  "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                  "w:specVanish", "w:oMath"),
}


def _insert_in_order(parent, element) -> None:
    names = [qn(name) for name in _ORDER.get(parent.tag, ())]
    if element.tag not in names:
        parent.append(element)
        return
    rank = names.index(element.tag)
    for index, existing in enumerate(parent):
        if existing.tag in names and names.index(existing.tag) > rank:
            parent.insert(index, element)
            return
    parent.append(element)


def _page_setup(document, profile: LayoutProfile) -> None:
    page = profile.page
    section = document.sections[0]
    section.page_width = Mm(page.width_mm)
    section.page_height = Mm(page.height_mm)
    sect_pr = section._sectPr
    margins = sect_pr.find(qn("w:pgMar"))
    for key, value in (("top", page.top_mm), ("bottom", page.bottom_mm), ("left", page.left_mm),
                       ("right", page.right_mm), ("header", page.header_mm),
                       ("footer", page.footer_mm)):
        margins.set(qn(f"w:{key}"), str(twips(value)))
    margins.set(qn("w:gutter"), "0")
    # python-docx wrote the sizes via EMU; write exact twips so a reader sees 11906 × 16838.
    size = sect_pr.find(qn("w:pgSz"))
    size.set(qn("w:w"), str(twips(page.width_mm)))
    size.set(qn("w:h"), str(twips(page.height_mm)))
    grid = sect_pr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(profile.line_pitch_twips))


def _doc_defaults(document, profile: LayoutProfile) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_run_format(rpr, profile, "body", char_grid=False)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.attrib.clear()
    spacing.set(qn("w:before"), "0")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(profile.line_pitch_twips))
    spacing.set(qn("w:lineRule"), "exact")
    normal = document.styles["Normal"].element
    _style_ppr(normal, profile, StyleSpec("Normal", "Normal", "body"))
    _style_rpr(normal, profile, "body", char_grid=True)


# How 28 characters fill a 156 mm line, and why no punctuation is lost (issue 16).
#
# 28 characters of 16 pt type need 448 pt; the type area is 442.2 pt, so each character must
# give up about 0.21 pt. Two means exist:
# - the document grid, w:docGrid w:type="linesAndChars" with w:charSpace = (pitch - Normal
#   size) x 4096 (ECMA-376 17.6.5), about -842 here, as in the GB/T 9704 templates offices
#   use. Word and WPS draw each character on a 15.79 pt pitch and still hang or compress
#   punctuation. LibreOffice (7.4, measured on the seed speech) rounds every character up to
#   whole grid cells: a 16 pt character takes two 15.79 pt cells, giving 14-16 characters a
#   line and 13 pages instead of 8; a positive charSpace on a 10.5 pt Normal gives 27 and
#   doubled lines. So the grid cannot carry the 28 characters in LibreOffice.
# - run character spacing of -0.25 pt (w:spacing w:val="-5", profile.char_spacing_twips),
#   which all three applications honour: 28 characters a line in Word, WPS and LibreOffice.
# We keep the run spacing and write the grid as type "lines" (22 lines of 28.95 pt).
#
# The punctuation LibreOffice dropped at line ends (issue 16: "，" "、" "。" in every document)
# was its hanging punctuation in justified lines: a hung mark was laid out and not drawn.
# w:overflowPunct (allow punctuation to extend past the margin, ECMA-376 17.3.1.21) is true
# when omitted, so Word hangs punctuation by default; WPS reads the same element (we found no
# documentation of a different reading). LibreOffice's DOCX import maps an explicit value
# inverted (writerfilter: hanging = (val == 0)), so an explicit true turns its hanging off.
# Writing <w:overflowPunct/> (true) on every style therefore keeps Word's and WPS's own
# behaviour, hanging and compressing as they always do, while LibreOffice moves the last
# character down with its punctuation: seed speech, 6 marks lost before, 0 after,
# still 28 characters on full lines.


def _style_ppr(style, profile: LayoutProfile, spec: StyleSpec):
    ppr = style.find(qn("w:pPr"))
    if ppr is not None:
        style.remove(ppr)
    ppr = OxmlElement("w:pPr")
    # pPr goes after name/basedOn/next/qFormat/rsid and before rPr.
    rpr = style.find(qn("w:rPr"))
    if rpr is not None:
        rpr.addprevious(ppr)
    else:
        style.append(ppr)
    if spec.keep_next:
        _child(ppr, "w:keepNext")
    if spec.page_break:
        _child(ppr, "w:pageBreakBefore")
    # Widow control would leave a line empty at the foot of a page: 22 lines means 22.
    _child(ppr, "w:widowControl").set(qn("w:val"), "0")
    _child(ppr, "w:overflowPunct")  # see "How 28 characters fill a 156 mm line"
    spacing = _child(ppr, "w:spacing")
    spacing.set(qn("w:before"), "0")
    spacing.set(qn("w:after"), "0")
    if spec.element == "page_number":
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")
    else:
        spacing.set(qn("w:line"), str(profile.line_pitch_twips))
        spacing.set(qn("w:lineRule"), "exact")
    ind = _child(ppr, "w:ind")
    if spec.indent:
        chars = profile.paragraph.first_line_indent_chars
        ind.set(qn("w:firstLine"), str(chars_twips(chars, profile.size(spec.element))))
        ind.set(qn("w:firstLineChars"), str(round(chars * 100)))
    else:
        ind.set(qn("w:firstLine"), "0")
        ind.set(qn("w:firstLineChars"), "0")
    align = spec.align
    if align == "both" and not profile.paragraph.justify:
        align = "left"
    _child(ppr, "w:jc").set(qn("w:val"), align)
    if spec.outline is not None:
        _child(ppr, "w:outlineLvl").set(qn("w:val"), str(spec.outline))
    return ppr


def _style_rpr(style, profile: LayoutProfile, element: str, *, bold: bool = False,
               char_grid: bool = True) -> None:
    rpr = style.find(qn("w:rPr"))
    if rpr is not None:
        style.remove(rpr)
    rpr = OxmlElement("w:rPr")
    style.append(rpr)
    set_run_format(rpr, profile, element, bold=bold, char_grid=char_grid)


def _define_style(document, spec: StyleSpec, profile: LayoutProfile) -> None:
    style = document.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    element = style.element
    element.set(qn("w:styleId"), spec.style_id)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    # A heading's next paragraph is body text: its font must not leak on Enter.
    follow = STYLES["body"].style_id if spec.keep_next else spec.style_id
    _set_next(element, follow)
    _style_ppr(element, profile, spec)
    bold = spec.element == "heading3" and profile.paragraph.heading3_bold
    _style_rpr(element, profile, spec.element, bold=bold, char_grid=spec.char_grid)


def _set_next(style, style_id: str) -> None:
    nxt = style.find(qn("w:next"))
    if nxt is None:
        nxt = OxmlElement("w:next")
        based = style.find(qn("w:basedOn"))
        (based if based is not None else style.find(qn("w:name"))).addnext(nxt)
    nxt.set(qn("w:val"), style_id)


def _builtin_headings(document, profile: LayoutProfile) -> None:
    # Writers also pick Word's own 标题 1–4; give them the standard's look instead of blue Calibri.
    for level in range(1, 5):
        try:
            style = document.styles[f"Heading {level}"]
        except KeyError:
            continue
        spec = STYLES[f"heading{level}"]
        _set_next(style.element, STYLES["body"].style_id)
        _style_ppr(style.element, profile, spec)
        bold = spec.element == "heading3" and profile.paragraph.heading3_bold
        _style_rpr(style.element, profile, spec.element, bold=bold)


def _settings(document, profile: LayoutProfile) -> None:
    settings = document.settings
    settings.odd_and_even_pages_header_footer = profile.page_number.odd_and_even
    lang = settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _page_numbers(document, profile: LayoutProfile) -> None:
    section = document.sections[0]
    style = document.styles[STYLES["page_number"].name]
    one_char = chars_twips(1, profile.size("page_number"))
    footers = [(section.footer, "right", "right", profile.page_number.odd_right_indent_chars)]
    if profile.page_number.odd_and_even:
        footers.append((section.even_page_footer, "left", "left",
                        profile.page_number.even_left_indent_chars))
    else:
        footers = [(section.footer, "center", None, 0)]
    for footer, align, side, chars in footers:
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = style
        ppr = paragraph._p.get_or_add_pPr()
        _child(ppr, "w:jc").set(qn("w:val"), align)
        if side:
            ind = _child(ppr, "w:ind")
            ind.set(qn(f"w:{side}"), str(round(chars * one_char)))
            ind.set(qn(f"w:{side}Chars"), str(round(chars * 100)))
        before, _, after = profile.page_number.format.partition("{page}")
        if before:
            add_run(paragraph, before, profile, "page_number", char_grid=False)
        _page_field(paragraph, profile)
        if after:
            add_run(paragraph, after, profile, "page_number", char_grid=False)


def _page_field(paragraph, profile: LayoutProfile) -> None:
    # A complex field (begin / instrText / separate / result / end), as Word writes it.
    for part in ("begin", "instr", "separate", "result", "end"):
        run = add_run(paragraph, "", profile, "page_number", char_grid=False)
        if part == "instr":
            instr = _append(run._r, "w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = " PAGE "
        elif part == "result":
            text = _append(run._r, "w:t")
            text.text = "1"
        else:
            _append(run._r, "w:fldChar", fldCharType=part)


_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"


def _template_content_type(data: bytes) -> bytes:
    # python-docx always writes a .docx content type; a .dotx differs only here.
    return data.replace(_MAIN_TYPE.encode(), _TEMPLATE_TYPE.encode())


def _add_fallbacks(data: bytes, fallbacks: dict[str, str]) -> bytes:
    root = etree.fromstring(data)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for family, alternative in fallbacks.items():
        if family in known:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), family)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alternative)
        # GB2312 character set, so Word looks for a Chinese font when substituting.
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "auto")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rewrite_package(path: str, changes: dict) -> None:
    fd, rewritten = tempfile.mkstemp(suffix=".tmp", dir=os.path.dirname(path))
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as source, \
                zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename in changes:
                    data = changes[item.filename](data)
                target.writestr(item, data)
        os.chmod(rewritten, os.stat(path).st_mode & 0o777)
        os.replace(rewritten, path)
    finally:
        if os.path.exists(rewritten):
            os.unlink(rewritten)
