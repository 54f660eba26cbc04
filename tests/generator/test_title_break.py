"""Long titles break between words, keep 《…》 whole where they can, and stay balanced."""

from __future__ import annotations

import pytest

from generator.render.docx import break_title

# Our own titles in the style of real ones, each with the words no line may cut.
TITLES = [
    ("关于印发《政府网站集约化试点工作方案》的通知", ["政府网站", "集约化", "《政府网站集约化试点工作方案》"]),
    ("关于印发《全市政府网站集约化建设试点工作方案》的通知", ["政府网站", "集约化", "试点"]),
    ("关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见",
     ["执法", "记录", "决定", "法制", "审核", "制度", "全过程"]),
    ("在市第十三届纪律检查委员会第四次全体会议上的讲话", ["纪律检查委员会", "第十三届", "第四次", "全体会议"]),
    ("关于进一步优化营商环境更好服务市场主体的实施意见", ["营商环境", "市场主体", "实施意见"]),
    ("在全区城市基层党建引领社区治理工作推进会议上的讲话", ["基层", "党建", "社区", "治理", "推进会议"]),
    ("关于加快推进农村人居环境整治提升五年行动的实施方案", ["人居环境", "整治", "五年", "实施方案"]),
    ("关于做好二〇二六年春节元宵节期间安全生产和森林防火工作的紧急通知",
     ["二〇二六年", "元宵节", "安全生产", "森林防火", "紧急通知"]),
    ("在全县深化作风建设暨优化政务服务环境动员部署大会上的讲话", ["作风建设", "政务服务", "动员部署", "大会"]),
    ("关于建立健全乡镇街道与县直部门职责清单动态调整机制的通知", ["建立健全", "乡镇街道", "职责清单", "动态调整"]),
    ("××市人民政府办公室关于印发《××市数字政府建设三年行动计划（2026—2028年）》的通知",
     ["人民政府办公室", "数字政府", "行动计划"]),
    ("关于开展全市安全生产治本攻坚三年行动百日专项整治的工作方案", ["安全生产", "治本攻坚", "百日", "专项整治"]),
    ("在市委理论学习中心组专题学习习近平文化思想研讨会上的发言", ["理论学习", "中心组", "专题学习", "研讨会"]),
    ("关于深入推进城乡居民基本医疗保险市级统筹和支付方式改革的意见", ["城乡居民", "医疗保险", "市级统筹", "支付方式"]),
    ("关于表彰二〇二五年度全市优秀共产党员和先进基层党组织的决定", ["二〇二五年", "共产党员", "基层党组织", "决定"]),
    ("关于进一步规范全区机关事业单位公务用车使用管理的补充通知", ["机关事业单位", "公务用车", "补充通知"]),
    ("在全市第十九届人大常委会第二十三次会议闭幕时的讲话", ["第十九届", "人大常委会", "第二十三次", "闭幕"]),
]


def _ids():
    return [title[:8] for title, _ in TITLES]


@pytest.mark.parametrize("title, words", TITLES, ids=_ids())
def test_no_line_cuts_a_word(title, words):
    lines = break_title(title, 20)
    assert "".join(lines) == title
    assert len(lines) >= 2
    boundaries = set()
    position = 0
    for line in lines[:-1]:
        position += len(line)
        boundaries.add(position)
    for word in words:
        start = title.index(word)
        cut = [b for b in boundaries if start < b < start + len(word)]
        assert not cut, f"{lines} 切断了“{word}”"


@pytest.mark.parametrize("title, words", TITLES, ids=_ids())
def test_lines_fit_and_are_balanced(title, words):
    lines = break_title(title, 20)
    widths = [len(line) for line in lines]
    assert max(widths) <= 20
    assert len(lines) <= -(-len(title) // 20) + 1
    if "《" not in title:
        # An inverted trapezoid: no line is much shorter than the one below it.
        assert all(upper >= lower - 4 for upper, lower in zip(widths, widths[1:])), lines


def test_book_title_moves_whole_to_the_next_line():
    assert break_title("关于印发《政府网站集约化试点工作方案》的通知", 20) == [
        "关于印发", "《政府网站集约化试点工作方案》的通知"]


def test_no_line_starts_with_closing_punctuation():
    for title, _ in TITLES:
        for line in break_title(title, 20)[1:]:
            assert line[0] not in "，。、；：！？）》”"
