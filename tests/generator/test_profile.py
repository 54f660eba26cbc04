"""The layout profile: the standard's defaults and TOML overrides."""

from __future__ import annotations

import tomllib

import pytest

from generator.errors import ProfileError
from generator.profile import default_profile_text, load_profile


def test_defaults_are_the_standard():
    profile = load_profile()
    page = profile.page
    assert (page.width_mm, page.height_mm) == (210.0, 297.0)
    assert (page.top_mm, page.bottom_mm, page.left_mm, page.right_mm) == (37.0, 35.0, 28.0, 26.0)
    assert (page.lines_per_page, page.chars_per_line) == (22, 28)
    assert profile.line_pitch_twips == 579
    assert profile.char_spacing_twips("body") == -5
    assert profile.font("title") == "方正小标宋简体"
    assert profile.fonts.title == ("方正小标宋简体", "方正小标宋_GBK", "华文中宋", "宋体")
    assert profile.font("body") == "仿宋_GB2312"
    assert profile.font("heading1") == "黑体"
    assert profile.font("heading2") == "楷体_GB2312"
    assert profile.font("heading3") == profile.font("heading4") == "仿宋_GB2312"
    assert profile.font("page_number") == "宋体"
    assert profile.latin_font("body") == "仿宋_GB2312"
    assert (profile.size("title"), profile.size("body"), profile.size("page_number")) == (22, 16, 14)
    assert profile.paragraph.first_line_indent_chars == 2
    assert profile.paragraph.bold_point_leads is False
    assert profile.page_number.format == "— {page} —"


def test_default_text_is_valid_toml_with_every_section():
    data = tomllib.loads(default_profile_text())
    assert set(data) == {"page", "fonts", "sizes", "paragraph", "page_number"}


def test_user_file_overrides_a_subset(tmp_path):
    path = tmp_path / "本地.toml"
    path.write_text('[page]\nline_pitch_pt = 28\n[fonts]\nbody = "仿宋"\nlatin = ["Times New Roman"]\n'
                    "[paragraph]\nbold_point_leads = true\n", encoding="utf-8")
    profile = load_profile(path)
    assert profile.page.line_pitch_pt == 28.0
    assert profile.line_pitch_twips == 560
    assert profile.fonts.body == ("仿宋",)
    assert profile.latin_font("body") == "Times New Roman"
    assert profile.paragraph.bold_point_leads is True
    assert profile.page.top_mm == 37.0  # untouched values stay the standard's
    assert profile.source == str(path)


@pytest.mark.parametrize("text, words", [
    ("[page]\ntop = 30\n", ["[page]", "top"]),
    ("[colours]\nred = 1\n", ["[colours]"]),
    ("[page]\ntop_mm = \"37\"\n", ["top_mm", "数字"]),
    ("[page]\nlines_per_page = 22.5\n", ["lines_per_page", "整数"]),
    ("[paragraph]\njustify = 1\n", ["justify", "true 或 false"]),
    ("[fonts]\nbody = [1, 2]\n", ["body", "字体名列表"]),
    ("[fonts]\nbody = []\n", ["body", "至少要有一个字体"]),
    ("[sizes]\nbody = 0\n", ["body", "正数"]),
    ("[page_number]\nformat = \"第页\"\n", ["{page}"]),
    ("[page\n", ["TOML 格式错误"]),
], ids=["unknown-key", "unknown-section", "string-for-number", "float-for-int", "int-for-bool",
        "font-list-type", "empty-font-list", "zero-size", "page-format", "broken-toml"])
def test_bad_profile_names_file_and_key(tmp_path, text, words):
    path = tmp_path / "坏配置.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert "坏配置.toml" in message
    for word in words:
        assert word in message


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match="无法读取排版配置"):
        load_profile(tmp_path / "没有.toml")
