"""`bigan check-format`: report every place where a .docx departs from the layout profile."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from lxml import etree

from kb.structure import marker_level

from generator.errors import GeneratorError
from generator.profile import TWIPS_PER_PT, LayoutProfile, load_profile

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
_MM = 1440 / 25.4
_MARGIN_TOLERANCE = 1.0 * _MM  # the standard allows ±1 mm
_QUOTES = "“”‘’—…"

#: Paragraph role → (profile element, name shown to the user). Style names are ours.
_ROLES = {
    "title": ("title", "标题"), "byline": ("byline", "题注"),
    "salutation": ("salutation", "称谓"), "body": ("body", "正文"),
    "heading1": ("heading1", "一级标题"), "heading2": ("heading2", "二级标题"),
    "heading3": ("heading3", "三级标题"), "heading4": ("heading4", "四级标题"),
    "signature": ("signature", "落款"), "date": ("date", "成文日期"),
    "attachment_note": ("attachment_note", "附件说明"),
    "attachment_label": ("attachment_label", "附件标识"),
    "chapter": ("chapter", "章标题"), "regulation_section": ("regulation_section", "节标题"),
}
_ROLE_BY_STYLE = {name: role for role, (_, name) in _ROLES.items()}
_ROLE_BY_STYLE.update({"Title": "title"})
# Word's built-in headings, under their stored, displayed and Chinese names.
_ROLE_BY_STYLE.update({f"{prefix}{n}": f"heading{n}" for n in range(1, 5)
                       for prefix in ("heading ", "Heading ", "标题 ")})
_INDENTED = ("body", "heading1", "heading2", "heading3", "heading4", "attachment_note")
_CENTRED = ("title", "byline", "chapter", "regulation_section")
# A regulation's divisions: 第一章 (and 第一编) and 第一节 headings, 第一条 leads.
_REGULATION = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+(编|章|节|条)(?=[\s\u3000]|$)")

_DATE_LINE = re.compile(r"^(\d{4}|[〇○零一二三四五六七八九]{4})\s*年.{1,6}日$")


@dataclass(frozen=True)
class Deviation:
    """One departure from the profile: where it is, what differs, what was found and expected."""

    where: str
    what: str
    found: str
    expected: str
    text: str = ""  # the start of the paragraph concerned, to find it in Word

    def to_json(self) -> dict:
        """Return the deviation as a JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        context = f"「{self.text}」" if self.text else ""
        return f"{self.where}{context}：{self.what}为 {self.found}，应为 {self.expected}"


def check_layout(path, profile: LayoutProfile | None = None) -> list[Deviation]:
    """Return every deviation of the .docx (or .dotx) at ``path`` from ``profile``, in order."""
    profile = profile or load_profile()
    package = _Package(Path(path))
    styles = _Styles(package.xml("word/styles.xml"))
    document = package.xml("word/document.xml")
    deviations: list[Deviation] = []
    body = document.find(_w("body"))
    sections = body.findall(f".//{_w('sectPr')}")
    for number, sect in enumerate(sections, start=1):
        where = "页面设置" if len(sections) == 1 else f"页面设置（第{number}节）"
        deviations.extend(_check_page(sect, profile, where))
    deviations.extend(_check_paragraphs(body, styles, profile))
    deviations.extend(_check_footers(package, sections, styles, profile))
    return deviations


# --- the package ---------------------------------------------------------------------------


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


class _Package:
    """The parts of a Word zip, parsed safely."""

    def __init__(self, path: Path):
        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                self.parts = {name: archive.read(name) for name in archive.namelist()
                              if name.endswith((".xml", ".rels"))}
        except FileNotFoundError:
            raise GeneratorError(f"{path}：文件不存在，请检查路径") from None
        except IsADirectoryError:
            raise GeneratorError(f"{path}：这是一个文件夹，请给出 .docx 文件") from None
        except (zipfile.BadZipFile, OSError):
            raise GeneratorError(f"{path}：不是有效的 Word 文档（.docx），"
                                 "请用 Word 或 WPS 另存为 .docx 后再检查") from None
        if "word/document.xml" not in self.parts:
            raise GeneratorError(f"{path}：不是有效的 Word 文档（缺少 word/document.xml），"
                                 "请用 Word 或 WPS 另存为 .docx 后再检查")

    def xml(self, name: str):
        data = self.parts.get(name)
        if data is None:
            return None
        # No entity resolution, no network: a .docx is untrusted input.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            raise GeneratorError(f"{self.path}：{name} 已损坏，请用 Word 或 WPS 打开后另存") from None

    def related(self, source: str, rel_id: str) -> str | None:
        folder, name = posixpath.split(source)
        rels = self.xml(posixpath.join(folder, "_rels", name + ".rels"))
        if rels is None:
            return None
        for rel in rels.iter(f"{{{_PKG_R}}}Relationship"):
            if rel.get("Id") == rel_id:
                return posixpath.normpath(posixpath.join(folder, rel.get("Target")))
        return None


class _Styles:
    """Resolve run and paragraph properties through style inheritance."""

    def __init__(self, root):
        self.by_id = {}
        self.default_para = None
        self.defaults_rpr = None
        self.defaults_ppr = None
        if root is None:
            return
        for style in root.iter(_w("style")):
            self.by_id[style.get(_w("styleId"))] = style
            if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true"):
                self.default_para = style.get(_w("styleId"))
        defaults = root.find(_w("docDefaults"))
        if defaults is not None:
            self.defaults_rpr = defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}")
            self.defaults_ppr = defaults.find(f"{_w('pPrDefault')}/{_w('pPr')}")

    def name(self, style_id: str | None) -> str:
        style = self.by_id.get(style_id or self.default_para)
        if style is None:
            return ""
        name = style.find(_w("name"))
        return name.get(_w("val"), "") if name is not None else ""

    def chain(self, style_id: str | None) -> list:
        chain, seen = [], set()
        current = style_id or self.default_para
        while current and current not in seen and current in self.by_id:
            seen.add(current)
            style = self.by_id[current]
            chain.append(style)
            based = style.find(_w("basedOn"))
            current = based.get(_w("val")) if based is not None else None
        return chain

    def rpr_chain(self, run, para_style: str | None) -> list:
        """Return the rPr elements that decide a run's look, nearest first."""
        found = []
        rpr = run.find(_w("rPr"))
        if rpr is not None:
            found.append(rpr)
            rstyle = rpr.find(_w("rStyle"))
            if rstyle is not None:
                found.extend(s.find(_w("rPr")) for s in self.chain(rstyle.get(_w("val"))))
        found.extend(s.find(_w("rPr")) for s in self.chain(para_style))
        found.append(self.defaults_rpr)
        return [r for r in found if r is not None]

    def ppr_chain(self, paragraph, para_style: str | None) -> list:
        found = [paragraph.find(_w("pPr"))]
        found.extend(s.find(_w("pPr")) for s in self.chain(para_style))
        found.append(self.defaults_ppr)
        return [p for p in found if p is not None]


def _font(rprs: list, slot: str) -> str:
    # Within one element a theme font wins over an explicit one (Word's rule).
    theme_attr = {"eastAsia": "eastAsiaTheme", "ascii": "asciiTheme",
                  "hAnsi": "hAnsiTheme"}.get(slot)
    for rpr in rprs:
        fonts = rpr.find(_w("rFonts"))
        if fonts is None:
            continue
        if theme_attr and fonts.get(_w(theme_attr)):
            return f"主题字体（{fonts.get(_w(theme_attr))}）"
        if fonts.get(_w(slot)):
            return fonts.get(_w(slot))
    return "（未设置）"


def _hint(rprs: list) -> str:
    for rpr in rprs:
        fonts = rpr.find(_w("rFonts"))
        if fonts is not None and fonts.get(_w("hint")):
            return fonts.get(_w("hint"))
    return ""


def _size(rprs: list) -> float:
    for rpr in rprs:
        size = rpr.find(_w("sz"))
        if size is not None and size.get(_w("val")):
            return int(size.get(_w("val"))) / 2
    return 10.0  # Word's default when nothing sets a size


def _ppr_value(pprs: list, tag: str, attr: str) -> str | None:
    for ppr in pprs:
        element = ppr.find(_w(tag))
        if element is not None and element.get(_w(attr)) is not None:
            return element.get(_w(attr))
    return None


def _text(element) -> str:
    parts = []
    for node in element.iter(_w("t"), _w("tab"), _w("br")):
        if node.tag == _w("t"):
            parts.append(node.text or "")
    return "".join(parts)


def _runs(paragraph) -> list:
    return [r for r in paragraph.iter(_w("r")) if r.find(_w("t")) is not None]


# --- checks --------------------------------------------------------------------------------


def _twips_value(element, attr: str) -> int | None:
    if element is None or element.get(_w(attr)) is None:
        return None
    return int(float(element.get(_w(attr))))


def _mm(twips_value: int | None) -> str:
    return "（未设置）" if twips_value is None else f"{twips_value / _MM:.1f} 毫米"


def _check_page(sect, profile: LayoutProfile, where: str) -> list[Deviation]:
    out = []
    page = profile.page
    size = sect.find(_w("pgSz"))
    for attr, label, value in (("w", "纸张宽度", page.width_mm), ("h", "纸张高度", page.height_mm)):
        found = _twips_value(size, attr)
        if found is None or abs(found - value * _MM) > _MARGIN_TOLERANCE:
            out.append(Deviation(where, label, _mm(found), f"{value:g} 毫米（A4）"))
    margins = sect.find(_w("pgMar"))
    for attr, label, value in (("top", "上边距（天头）", page.top_mm),
                               ("bottom", "下边距", page.bottom_mm),
                               ("left", "左边距（订口）", page.left_mm),
                               ("right", "右边距", page.right_mm)):
        found = _twips_value(margins, attr)
        if found is None or abs(found - value * _MM) > _MARGIN_TOLERANCE:
            out.append(Deviation(where, label, _mm(found), f"{value:g} 毫米"))
    grid = sect.find(_w("docGrid"))
    pitch = _twips_value(grid, "linePitch")
    if pitch is None or abs(pitch - profile.line_pitch_twips) > 2 or \
            grid.get(_w("type")) not in ("lines", "linesAndChars"):
        found = "（未设置行网格）" if pitch is None or grid.get(_w("type")) in (None, "default") \
            else f"{pitch / TWIPS_PER_PT:g} 磅"
        out.append(Deviation(where, "行距（文档网格）", found,
                             f"{profile.page.line_pitch_pt:g} 磅（每页 {page.lines_per_page} 行）"))
    return out


def _role(paragraph, text: str, styles: _Styles, style_id, index: int, previous: str) -> str:
    role = _ROLE_BY_STYLE.get(styles.name(style_id))
    if role:
        return role
    # Unstyled (Normal) paragraphs: recognise the role from the text, as the kb parser does.
    jc = _ppr_value(styles.ppr_chain(paragraph, style_id), "jc", "val")
    regulation = _REGULATION.match(text)
    if regulation and regulation.group(1) != "条":
        return "regulation_section" if regulation.group(1) == "节" else "chapter"
    level = marker_level(text)
    if level:
        return f"heading{level}"
    if index == 0 and len(text) <= 60 and not text.endswith("。"):
        return "title"
    if previous in ("title", "byline") and jc == "center":
        return "byline"
    if re.match(r"^附\s*件\s*[：:]", text):
        return "attachment_note"
    if re.fullmatch(r"附件\s*\d{0,2}", text):
        return "attachment_label"
    if _DATE_LINE.match(text) and jc == "right":
        return "date"
    if jc == "right" and len(text) <= 30:
        return "signature"
    if len(text) <= 30 and text.endswith(("：", ":")) and "。" not in text:
        return "salutation"
    return "body"


def _heading_end(text: str) -> int:
    # A run-in heading ends at its first 。; a heading line is a heading throughout.
    end = text.find("。")
    return len(text) if end < 0 else end + 1


def _check_paragraphs(body, styles: _Styles, profile: LayoutProfile) -> list[Deviation]:
    out: list[Deviation] = []
    cjk_fonts = {font for name in ("title", "byline", "salutation", "body", "heading1",
                                   "heading2", "heading3", "heading4", "signature", "date",
                                   "attachment_note", "attachment_label", "page_number",
                                   "chapter", "regulation_section", "article_lead")
                 for font in getattr(profile.fonts, name)}
    previous = ""
    number = 0
    articles = any((m := _REGULATION.match(_text(p))) and m.group(1) == "条"
                   for p in body.iter(_w("p")))
    for paragraph in body.iter(_w("p")):
        text = _text(paragraph)
        if not text.strip():
            continue
        ppr = paragraph.find(_w("pPr"))
        pstyle = ppr.find(_w("pStyle")) if ppr is not None else None
        style_id = pstyle.get(_w("val")) if pstyle is not None else None
        role = _role(paragraph, text, styles, style_id, number, previous)
        element, role_name = _ROLES[role]
        where = f"第{number + 1}段（{role_name}）"
        snippet = text[:16] + ("…" if len(text) > 16 else "")
        number += 1
        previous = role
        # Which element each run should look like: the run-in heading of a body paragraph
        # takes its level's font, the rest the body font.
        level = marker_level(text) if role in ("body", "heading1", "heading2", "heading3",
                                                 "heading4") else 0
        if role == "body" and articles:
            level = 0  # （一） inside an article is an enumeration, set as text
        heading_end = _heading_end(text) if level else 0
        # "第一条　" opening an article takes the article-lead font.
        article = _REGULATION.match(text) if role == "body" else None
        article_end = article.end() if article and article.group(1) == "条" else 0
        offset = 0
        reported: set[str] = set()
        for run in _runs(paragraph):
            run_text = _text(run)
            run_element = element
            if article_end and offset < article_end:
                run_element = "article_lead"
            elif level and offset < heading_end:
                run_element = f"heading{level}"
            elif level and role.startswith("heading"):
                run_element = "body"
            offset += len(run_text)
            if not run_text.strip():
                continue
            rprs = styles.rpr_chain(run, style_id)
            east = _font(rprs, "eastAsia")
            allowed = getattr(profile.fonts, run_element)
            if east not in allowed and "字体" not in reported:
                reported.add("字体")
                out.append(Deviation(where, "中文字体", east, "或".join(allowed), snippet))
            size = _size(rprs)
            if abs(size - profile.size(run_element)) > 0.01 and "字号" not in reported:
                reported.add("字号")
                out.append(Deviation(where, "字号", f"{size:g} 磅",
                                     f"{profile.size(run_element):g} 磅", snippet))
            if any(ch in run_text for ch in _QUOTES) and "引号" not in reported:
                latin = _font(rprs, "ascii")
                if _hint(rprs) != "eastAsia" and latin not in cjk_fonts:
                    reported.add("引号")
                    out.append(Deviation(where, "引号、破折号、省略号的字体", latin,
                                         f"中文字体（{allowed[0]}），即 w:hint=\"eastAsia\"",
                                         snippet))
        out.extend(_check_paragraph_layout(paragraph, styles, style_id, role, element, profile,
                                           where, snippet))
    return out


def _check_paragraph_layout(paragraph, styles: _Styles, style_id, role: str, element: str,
                            profile: LayoutProfile, where: str, snippet: str) -> list[Deviation]:
    out = []
    pprs = styles.ppr_chain(paragraph, style_id)
    if role in _INDENTED:
        chars = profile.paragraph.first_line_indent_chars
        expected_twips = chars * profile.size(element) * TWIPS_PER_PT
        first_chars = _ppr_value(pprs, "ind", "firstLineChars")
        first = _ppr_value(pprs, "ind", "firstLine")
        ok = False
        if first_chars is not None and int(first_chars) != 0:
            ok = abs(int(first_chars) - chars * 100) <= 5
            found = f"{int(first_chars) / 100:g} 字"
        elif first is not None:
            ok = abs(int(float(first)) - expected_twips) <= 20
            found = f"{int(float(first)) / TWIPS_PER_PT:g} 磅"
        else:
            found = "无"
        if not ok and role == "attachment_note":
            # Items 2, 3… of an attachment note hang under item 1 by a left indent.
            left_chars = _ppr_value(pprs, "ind", "leftChars")
            ok = left_chars is not None and int(left_chars) >= chars * 100
        if not ok:
            out.append(Deviation(where, "首行缩进", found, f"{chars:g} 字", snippet))
    if role in _CENTRED:
        jc = _ppr_value(pprs, "jc", "val")
        if jc != "center":
            out.append(Deviation(where, "对齐方式", _align_name(jc), "居中", snippet))
    return out


def _align_name(jc: str | None) -> str:
    return {"center": "居中", "right": "右对齐", "end": "右对齐", "left": "左对齐",
            "start": "左对齐", "both": "两端对齐", None: "左对齐"}.get(jc, jc)


def _check_footers(package: _Package, sections: list, styles: _Styles,
                   profile: LayoutProfile) -> list[Deviation]:
    out: list[Deviation] = []
    style = profile.page_number
    settings = package.xml("word/settings.xml")
    odd_even = settings is not None and settings.find(_w("evenAndOddHeaders")) is not None \
        and settings.find(_w("evenAndOddHeaders")).get(_w("val"), "true") not in ("0", "false")
    if style.odd_and_even and not odd_even:
        out.append(Deviation("页脚", "奇偶页不同", "未设置", "设置（奇数页页码居右、偶数页页码居左）"))
    found_number = False
    for sect in sections[-1:]:
        for ref in sect.findall(_w("footerReference")):
            kind = ref.get(_w("type"))
            part = package.related("word/document.xml", ref.get(f"{{{_R}}}id"))
            footer = package.xml(part) if part else None
            if footer is None or kind == "first":
                continue
            side = "even" if kind == "even" else "odd"
            where = ("页脚（偶数页）" if side == "even" else "页脚（奇数页）") if style.odd_and_even \
                else "页脚"
            for paragraph in footer.iter(_w("p")):
                if not _has_page_field(paragraph):
                    continue
                found_number = True
                out.extend(_check_page_number(paragraph, styles, profile, side, where))
    if not found_number:
        out.append(Deviation("页脚", "页码", "无", style.format.replace("{page}", "N")))
    return out


def _has_page_field(paragraph) -> bool:
    for simple in paragraph.iter(_w("fldSimple")):
        if "PAGE" in (simple.get(_w("instr")) or "").upper().split():
            return True
    return any("PAGE" in (instr.text or "").upper().split()
               for instr in paragraph.iter(_w("instrText")))


def _literal_text(paragraph) -> str:
    # The text around the field, without the field's cached result.
    parts, depth, in_result = [], 0, False
    for run in paragraph.iter(_w("r")):
        for node in run:
            if node.tag == _w("fldChar"):
                kind = node.get(_w("fldCharType"))
                if kind == "begin":
                    depth += 1
                elif kind == "separate":
                    in_result = True
                elif kind == "end":
                    depth -= 1
                    in_result = False
            elif node.tag == _w("t") and not (depth and in_result) and \
                    run.getparent().tag != _w("fldSimple"):
                parts.append(node.text or "")
    return "".join(parts)


def _check_page_number(paragraph, styles: _Styles, profile: LayoutProfile, side: str,
                       where: str) -> list[Deviation]:
    out = []
    ppr = paragraph.find(_w("pPr"))
    pstyle = ppr.find(_w("pStyle")) if ppr is not None else None
    style_id = pstyle.get(_w("val")) if pstyle is not None else None
    expected_fonts = profile.fonts.page_number
    reported = set()
    for run in paragraph.iter(_w("r")):
        if run.find(_w("t")) is None or not _text(run).strip():
            continue
        rprs = styles.rpr_chain(run, style_id)
        east = _font(rprs, "eastAsia")
        if east not in expected_fonts and "字体" not in reported:
            reported.add("字体")
            out.append(Deviation(where, "页码字体", east, "或".join(expected_fonts)))
        size = _size(rprs)
        if abs(size - profile.size("page_number")) > 0.01 and "字号" not in reported:
            reported.add("字号")
            out.append(Deviation(where, "页码字号", f"{size:g} 磅",
                                 f"{profile.size('page_number'):g} 磅（四号）"))
    literal = _literal_text(paragraph)
    before, _, after = profile.page_number.format.partition("{page}")
    if literal != before + after:
        if literal.strip() == (before + after).strip():
            out.append(Deviation(where, "页码缩进", "用空格缩进", "用段落缩进（不用空格）"))
        else:
            out.append(Deviation(where, "页码样式", f"“{literal.replace(' ', '␣')}”加页码",
                                 f"“{profile.page_number.format.replace('{page}', 'N')}”"))
    pprs = styles.ppr_chain(paragraph, style_id)
    jc = _ppr_value(pprs, "jc", "val")
    one_char = profile.size("page_number") * TWIPS_PER_PT
    if not profile.page_number.odd_and_even:
        if jc != "center":
            out.append(Deviation(where, "页码对齐", _align_name(jc), "居中"))
        return out
    if side == "odd":
        expected_jc, indent_side = ("right", "end"), "right"
        chars = profile.page_number.odd_right_indent_chars
        label = "右对齐，右缩进"
    else:
        expected_jc, indent_side = ("left", "start"), "left"
        chars = profile.page_number.even_left_indent_chars
        label = "左对齐，左缩进"
    if jc not in expected_jc:
        out.append(Deviation(where, "页码对齐", _align_name(jc), label[:3]))
    indent_chars = _ppr_value(pprs, "ind", f"{indent_side}Chars")
    indent = _ppr_value(pprs, "ind", indent_side)
    if indent is None and indent_side == "left":
        indent = _ppr_value(pprs, "ind", "start")
    if indent is None and indent_side == "right":
        indent = _ppr_value(pprs, "ind", "end")
    if indent_chars is not None and int(indent_chars) != 0:
        ok = abs(int(indent_chars) - chars * 100) <= 5
        found = f"{int(indent_chars) / 100:g} 字"
    elif indent is not None:
        ok = abs(int(float(indent)) - chars * one_char) <= 20
        found = f"{int(float(indent)) / TWIPS_PER_PT:g} 磅"
    else:
        ok, found = chars == 0, "无"
    if not ok:
        out.append(Deviation(where, "页码缩进", found, f"{label[-3:]} {chars:g} 字"))
    return out
