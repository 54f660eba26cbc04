"""The layout profile: every number of GB/T 9704 in one frozen dataclass, overridable by TOML."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from generator.errors import ProfileError

#: Document elements that carry a font list and a size.
ELEMENTS = ("title", "byline", "salutation", "body", "heading1", "heading2", "heading3",
            "heading4", "signature", "date", "attachment_note", "attachment_label",
            "page_number", "chapter", "regulation_section", "article_lead")

TWIPS_PER_PT = 20
TWIPS_PER_MM = 1440 / 25.4


@dataclass(frozen=True)
class PageSetup:
    """The paper, margins and line grid (mm and pt)."""

    width_mm: float
    height_mm: float
    top_mm: float
    bottom_mm: float
    left_mm: float
    right_mm: float
    header_mm: float
    footer_mm: float
    line_pitch_pt: float
    lines_per_page: int
    chars_per_line: int


@dataclass(frozen=True)
class Fonts:
    """Font fallback lists per element; the first family is the one written."""

    title: tuple[str, ...]
    byline: tuple[str, ...]
    salutation: tuple[str, ...]
    body: tuple[str, ...]
    heading1: tuple[str, ...]
    heading2: tuple[str, ...]
    heading3: tuple[str, ...]
    heading4: tuple[str, ...]
    signature: tuple[str, ...]
    date: tuple[str, ...]
    attachment_note: tuple[str, ...]
    attachment_label: tuple[str, ...]
    page_number: tuple[str, ...]
    chapter: tuple[str, ...]             # 第X章 (and 第X编) of a regulation
    regulation_section: tuple[str, ...]  # 第X节
    article_lead: tuple[str, ...]        # the 第X条 that opens an article
    latin: tuple[str, ...]


@dataclass(frozen=True)
class Sizes:
    """Font sizes per element, in points."""

    title: float
    byline: float
    salutation: float
    body: float
    heading1: float
    heading2: float
    heading3: float
    heading4: float
    signature: float
    date: float
    attachment_note: float
    attachment_label: float
    page_number: float
    chapter: float
    regulation_section: float
    article_lead: float


@dataclass(frozen=True)
class ParagraphRules:
    """Indents, title breaking, bold options and the signature block."""

    first_line_indent_chars: float
    justify: bool
    title_max_chars: int
    title_blank_lines_after: int
    heading3_bold: bool
    bold_point_leads: bool
    signature_right_chars: float
    date_shift_chars: float
    blank_line_before_signature: bool


@dataclass(frozen=True)
class PageNumberStyle:
    """The page-number text and its odd/even placement."""

    format: str
    odd_right_indent_chars: float
    even_left_indent_chars: float
    odd_and_even: bool


@dataclass(frozen=True)
class LayoutProfile:
    """A complete layout: the standard's values unless a profile file changed them."""

    page: PageSetup
    fonts: Fonts
    sizes: Sizes
    paragraph: ParagraphRules
    page_number: PageNumberStyle
    source: str = "默认配置（GB/T 9704-2012）"

    def font(self, element: str) -> str:
        """Return the family written for ``element`` (the first of its fallback list)."""
        return getattr(self.fonts, element)[0]

    def latin_font(self, element: str) -> str:
        """Return the family for the Latin slots of ``element``'s runs."""
        return self.fonts.latin[0] if self.fonts.latin else self.font(element)

    def size(self, element: str) -> float:
        """Return the size of ``element`` in points."""
        return getattr(self.sizes, element)

    @property
    def line_pitch_twips(self) -> int:
        """Return the line pitch in twips (579 for 28.95 pt)."""
        return round(self.page.line_pitch_pt * TWIPS_PER_PT)

    @property
    def type_width_twips(self) -> float:
        """Return the width of the type area in twips."""
        return (self.page.width_mm - self.page.left_mm - self.page.right_mm) * TWIPS_PER_MM

    def char_spacing_twips(self, element: str = "body") -> int:
        """Return the run character spacing that fits chars_per_line characters on a line."""
        # Rounded down: one twip too wide and the last character of every line wraps.
        per_char = self.type_width_twips / self.page.chars_per_line
        return math.floor(per_char - self.size(element) * TWIPS_PER_PT)


_SECTIONS = {"page": PageSetup, "fonts": Fonts, "sizes": Sizes, "paragraph": ParagraphRules,
             "page_number": PageNumberStyle}


def default_profile_text() -> str:
    """Return the text of the bundled default profile (for `bigan profile show`)."""
    return resources.files("generator").joinpath("default_profile.toml").read_text("utf-8")


def load_profile(path=None) -> LayoutProfile:
    """Return the default profile, overridden by the TOML file at ``path`` when given."""
    data = tomllib.loads(default_profile_text())
    source = "默认配置（GB/T 9704-2012）"
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except OSError as error:
            raise ProfileError(f"{path}：无法读取排版配置（{error.strerror}），请检查路径") from None
        except UnicodeDecodeError:
            raise ProfileError(f"{path}：排版配置须为 UTF-8 编码，请另存为 UTF-8") from None
        try:
            user = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ProfileError(f"{path}：TOML 格式错误（{error}），"
                               "可运行 bigan profile show 查看正确写法") from None
        _merge(data, user, path)
        source = str(path)
    return _build(data, source)


def _merge(defaults: dict, user: dict, path: Path) -> None:
    for section, values in user.items():
        if section not in defaults:
            raise ProfileError(f"{path}：未知的配置节 [{section}]，"
                               f"可用的有 {'、'.join(defaults)}")
        if not isinstance(values, dict):
            raise ProfileError(f"{path}：{section} 应是一个配置节 [{section}]")
        for key, value in values.items():
            if key not in defaults[section]:
                raise ProfileError(f"{path}：[{section}] 中没有配置项 {key}，"
                                   "可运行 bigan profile show 查看所有配置项")
            defaults[section][key] = _checked(value, defaults[section][key],
                                              f"{path}：[{section}] {key}")


def _checked(value, default, where: str):
    # The default's type is the schema: a user value must have the same shape.
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ProfileError(f"{where} 应为 true 或 false，而不是 {value!r}")
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ProfileError(f"{where} 应为数字，而不是 {value!r}")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ProfileError(f"{where} 应为整数，而不是 {value!r}")
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        raise ProfileError(f"{where} 应为字符串，而不是 {value!r}")
    if isinstance(default, list):
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return value
        raise ProfileError(f"{where} 应为字体名列表，如 [\"仿宋_GB2312\", \"仿宋\"]，而不是 {value!r}")
    raise ProfileError(f"{where}：无法识别的默认值类型")


def _build(data: dict, source: str) -> LayoutProfile:
    parts = {}
    for name, cls in _SECTIONS.items():
        values = {}
        for f in fields(cls):
            value = data[name][f.name]
            values[f.name] = tuple(value) if isinstance(value, list) else value
        parts[name] = cls(**values)
    profile = LayoutProfile(**parts, source=source)
    for element in ELEMENTS:
        if not getattr(profile.fonts, element):
            raise ProfileError(f"{source}：[fonts] {element} 至少要有一个字体")
        if profile.size(element) <= 0:
            raise ProfileError(f"{source}：[sizes] {element} 应为正数")
    if "{page}" not in profile.page_number.format:
        raise ProfileError(f"{source}：[page_number] format 中须含 {{page}}，如 \"— {{page}} —\"")
    return profile
