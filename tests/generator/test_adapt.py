"""Adaptation rules (generator/adapt.py) and the draft rules of `bigan check`, each both ways."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator import DraftSpec, draft
from generator.adapt import (adapt, agree_counts, dedupe, drop_bound, drop_year_claims, fill_placeholders,
                             fix_seasons, mark_superseded, rewrite_chains, rewrite_level, shift_years, tidy)
from generator.model import Draft, DraftParagraph, DraftPart, Source
from kb import KnowledgeBase
from kb.annotate import season_conflicts
from kb.proofread import check_text

SRC = Source("d1", "在×区工作会议上的讲话", "2024-03-01")


@pytest.mark.parametrize("text, level, wanted", [
    ("全区上下要坚决落实区委部署，区级领导带头。", "市", "全市上下要坚决落实市委部署，市级领导带头。"),
    ("我县坚持问题导向，全县上下齐心协力。", "区", "我区坚持问题导向，全区上下齐心协力。"),
    ("全市要贯彻省委部署，各镇党委要抓好落实。", "市", "全市要贯彻省委部署，各镇党委要抓好落实。"),
], ids=["区→市", "县→区", "unchanged"])
def test_rewrite_level(text, level, wanted):
    assert rewrite_level(text, level) == wanted


def test_a_city_text_borrowed_by_a_district_speaks_for_the_district():
    text = "对全市网格进行优化调整。市基层治理工作领导小组牵头，市直各部门和市民政局支持，各县区政府落实，确保全市在全省领先。"
    assert rewrite_level(text, "区", source="市") == (
        "对全区网格进行优化调整。区基层治理工作领导小组牵头，区直各部门和区民政局支持，各街道（镇）落实，确保全区在全省领先。")
    # without knowing the source speaks as a city, 全市 in a district text is the city around it
    assert rewrite_level("为全市发展大局作出全区贡献。", "区") == "为全市发展大局作出全区贡献。"


def test_fill_placeholders_and_mark_the_rest():
    assert fill_placeholders("支撑×市发展", "南湖区", None, "区") == "支撑南湖区发展"
    assert fill_placeholders("打响×县好物品牌", "江州市", None, "市") == "打响【待补充：县名】好物品牌"
    assert fill_placeholders("×年×月×日", "江州市", "2026年3月1日", "市") == "2026年3月1日"
    assert fill_placeholders("支撑×市发展", None, None, "市") == "支撑×市发展"


def test_drop_sentences_of_another_meeting_or_voice():
    assert drop_bound("希望受到表彰的先进集体珍惜荣誉。要抓好落实。") == "要抓好落实。"
    assert drop_bound("要抓好落实。（财政部、农业农村部按职责分工负责）") == "要抓好落实。"
    assert drop_bound("要抓好落实。要压实责任。") == "要抓好落实。要压实责任。"


def test_years_shift_or_are_marked():
    assert shift_years("到2025年底，基本建成。", 2026, 2024) == "到2027年底，基本建成。"
    assert shift_years("回顾2023年，成绩显著。", 2026, 2024) == "回顾2023年【待核：年份】，成绩显著。"
    assert shift_years("到2028年，基本建成。", 2026, 2024) == "到2028年，基本建成。"


def test_what_the_source_year_was_goes_with_it():
    assert drop_year_claims("今年是“十四五”规划的收官之年，任务繁重。要抓好落实。", 2026, 2025) == "要抓好落实。"
    assert drop_year_claims("明年是建市四十周年。要抓好落实。", 2026, 2024) == "要抓好落实。"
    assert drop_year_claims("今年是开局之年。要抓好落实。", 2026, 2026) == "今年是开局之年。要抓好落实。"
    assert drop_year_claims("今年要抓好开局。", 2026, 2025) == "今年要抓好开局。"


def test_seasons_and_superseded_formulations():
    assert fix_seasons("秋收在即，要抓紧排查。", 2) == "要抓紧排查。"
    assert fix_seasons("新春伊始，要抓紧排查。", 2) == "新春伊始，要抓紧排查。"
    assert mark_superseded("贯彻党的十九大精神。", "2026-02-18").startswith("贯彻党的十九大精神【待核")
    assert mark_superseded("贯彻党的十九大精神。", "2019-02-18") == "贯彻党的十九大精神。"


def test_tidy_doubled_work_and_unit_feature():
    assert tidy("江州市信访工作工作座谈会", "江州市") == "江州市信访工作座谈会"
    assert tidy("走出江州市特色之路", "江州市") == "走出江州特色之路"
    assert tidy("工作会议", "江州市") == "工作会议"


def test_announced_counts_agree_with_what_follows():
    points = tuple(DraftPart("point", 2, f"{n}是", f"要点{n}", (DraftParagraph("内容。", SRC),))
                   for n in "一二三四")
    part = DraftPart("heading", 1, "一、", "标题", (DraftParagraph("重点抓好以下六个方面的工作。", SRC),), points)
    result = agree_counts(Draft("speech", "t", "题", None, None,
                                (DraftParagraph("下面，我讲五点意见。"),), (part,), ()))
    assert result.opening[0].text == "下面，我讲一点意见。"
    assert result.parts[0].paragraphs[0].text == "重点抓好以下四个方面的工作。"


def test_a_sentence_said_again_in_other_words_is_dropped_but_a_different_one_stays():
    first = DraftPart("heading", 1, "二、", "健全机制", (DraftParagraph(
        "二要健全监督机制。纪委监委要把作风建设作为日常监督的重点，用好明察暗访和专项检查手段。"
        "要畅通群众举报渠道，设立举报专线和网上平台，对问题线索逐一登记、限时办理、及时反馈。", SRC),))
    again = DraftPart("heading", 1, "三、", "压实责任", (DraftParagraph(
        "一是强化监督执纪。纪委监委要把作风建设作为日常监督的重要内容，用好专项检查和巡察监督方式。"
        "要精准运用监督执纪“四种形态”，抓早抓小、防微杜渐，对苗头性倾向性问题及时提醒纠正，"
        "坚持严管和厚爱相结合，注重把握政策界限。", Source("d2", "在×市纪检监察工作会议上的讲话", "2025-01-01")),))
    other = DraftPart("heading", 1, "四、", "加强保障", (DraftParagraph(
        "要加大财政资金投入力度，优先保障基层应急装备和物资储备。", SRC),))
    result = dedupe(Draft("speech", "t", "题", None, None, (), (first, again, other), ()))
    # one speech's parallel sentences (排比) are meant: the same text from the first source stays whole
    same_source = dedupe(Draft("speech", "t", "题", None, None, (), (first, replace(again, paragraphs=(
        replace(again.paragraphs[0], source=SRC),))), ()))
    assert same_source.parts[1].paragraphs[0].text == again.paragraphs[0].text
    assert [p.paragraphs[0].text for p in result.parts] == [
        first.paragraphs[0].text,
        "一是强化监督执纪。要精准运用监督执纪“四种形态”，抓早抓小、防微杜渐，对苗头性倾向性问题及时提醒纠正，"
        "坚持严管和厚爱相结合，注重把握政策界限。",
        other.paragraphs[0].text]


CHECKED = """在江州市安全生产工作会议上的讲话
（2026年2月18日）
同志们：
秋收在即，全区上下要深入贯彻党的十九大精神，到2025年底完成整治。下面，我讲三点意见。
一、提高认识
二、突出重点
一是抓排查。
三是抓整改。
要把安全责任落实到每一个岗位上去。
要把安全责任落实到每一个岗位上去。
"""


def test_check_finds_what_borrowing_gets_wrong():
    rules = {f.rule for f in check_text(CHECKED)}
    assert {"单位层级", "季节不符", "提法过时", "年份过时", "数量不符", "要点序列", "重复句"} <= rules


def test_check_is_quiet_on_a_clean_draft():
    clean = ("在江州市安全生产工作会议上的讲话\n（2026年2月18日）\n同志们：\n新春伊始，全市上下要抓好安全生产。"
             "下面，我讲两点意见。\n一、提高认识\n二、压实责任\n")
    assert [f for f in check_text(clean) if f.rule in ("单位层级", "季节不符", "提法过时", "年份过时",
                                                       "数量不符", "要点序列", "重复句")] == []


SPEECH = """---
title: 在×区{topic}工作推进会上的讲话
type: speech
date: 2024-04-01
---

# 在×区{topic}工作推进会上的讲话

同志们：

今天开会。下面，我讲两点意见。

## 一、突出重点，推动{topic}落地

{topic}要从小事做起，全区上下要把每条街巷管好。刚才，几位同志作了很好的发言。

## 二、压实责任，强化{topic}保障

{topic}要层层压实责任，区委要一级抓一级，把{topic}保障落到实处。
"""


def _library(tmp_path, order):
    folder = tmp_path / "docs"
    folder.mkdir()
    names = []
    for topic in ("文明创建", "河湖治理", "背街小巷"):
        path = folder / f"{topic}.md"
        path.write_text(SPEECH.format(topic=topic), encoding="utf-8")
        names.append(path)
    kb = KnowledgeBase.open(tmp_path / "kb")
    for path in (names if order else list(reversed(names))):
        kb.ingest([path])
    return kb


def test_same_draft_whatever_the_ingest_order(tmp_path):
    from generator.render.markdown import render_markdown

    spec = DraftSpec(kind="speech", topic=("文明创建",), occasion="动员部署会", unit="江州市", date="2026-03-01")
    texts = []
    for order, sub in ((True, "a"), (False, "b")):
        (tmp_path / sub).mkdir()
        with _library(tmp_path / sub, order) as kb:
            texts.append(render_markdown(draft(spec, kb).to_document()))
    assert texts[0] == texts[1]
    assert "全市上下" in texts[0] and "全区" not in texts[0] and "几位同志" not in texts[0]


def test_topic_without_material_is_announced(tmp_path):
    from click.testing import CliRunner

    from bigan.cli import cli as main

    runner = CliRunner()

    with _library(tmp_path, True):
        pass
    result = runner.invoke(main, ["--kb", str(tmp_path / "kb"), "draft", "speech", "--topic", "古树名木保护",
                                  "--occasion", "动员部署会", "--unit", "江州市"])
    assert result.exit_code == 0, result.output
    assert "【待补充：关于“古树名木保护”的“任务”部分素材不足" in result.stdout
    assert "关于“古树名木保护”的“任务”部分素材不足" in result.stderr


def test_outline_offers_parallel_heading_sets_and_variants_differ(tmp_path):
    from generator import draft_outline

    with _library(tmp_path, True) as kb:
        spec = DraftSpec(kind="speech", topic=("文明创建",), occasion="动员部署会", unit="江州市")
        outline = draft_outline(spec, kb)
        first, second = draft(spec, kb), draft(DraftSpec(**{**spec.__dict__, "variant": 1}), kb)
    assert len(outline.heading_sets) >= 3
    for heading_set in outline.heading_sets:
        lengths = [len(h) for h in heading_set]
        assert max(lengths) - min(lengths) <= 6
        assert all("，" in h and len(h.split("，")[0]) == 6 for h in heading_set)
    assert [p.heading for p in first.parts] != [p.heading for p in second.parts] or \
        first.paragraphs != second.paragraphs


def test_writer_heading_that_the_body_does_not_match_is_warned(tmp_path):
    with _library(tmp_path, True) as kb:
        spec = DraftSpec(kind="speech", topic=("文明创建",), occasion="动员部署会",
                         headings=("深刻认识文明创建的意义", "突出重点推动文明创建", "推进数字经济发展"))
        result = draft(spec, kb)
    assert [p.heading for p in result.parts] == list(spec.headings)
    assert any("推进数字经济发展" in w for w in result.warnings)
    assert not any("突出重点推动文明创建" in w for w in result.warnings)


# -- level chains (区、街道、社区三级 / 各街道 from a district voice) -------------------------------

@pytest.mark.parametrize("text, level, source, wanted", [
    ("完善区、街道、社区三级应急预案体系。", "市", "区", "完善市、区、街道三级应急预案体系。"),
    ("各街道要落实属地责任。", "市", "区", "各区要落实属地责任。"),
    ("健全县、乡、村三级服务网络，各乡镇要落实。", "市", "县", "健全市、县（区）、乡镇（街道）三级服务网络，各县（区）要落实。"),
    ("建立市、区、街道三级联动机制，各区要牵头。", "区", "市", "建立区、街道、社区三级联动机制，各街道要牵头。"),
    ("建立省、市、县、乡四级联动机制。", "区", "省", "建立省、市、县、乡四级【待核：层级】联动机制。"),
], ids=["区→市", "各街道→各区", "县→市", "市→区", "not-rewritable"])
def test_level_chains_move_to_the_target_level(text, level, source, wanted):
    assert rewrite_chains(text, level, source) == wanted


@pytest.mark.parametrize("text, level, source", [
    ("完善区、街道、社区三级应急预案体系，各街道要落实。", "区", "区"),
    ("南湖街道办事处要牵头，各街道办事处要配合。", "市", "区"),
    ("构建县、乡、村三级物流体系。", "市", "市"),
    ("各区县要配合，各村庄要整治。", "市", "区"),
    ("各县（市、区）要把这项工作纳入考核。", "区", "市"),
    ("落实县、乡、村、校四级联控责任。", "市", "县"),
    ("这次会议开到县区、乡镇两级。", "市", "县"),
], ids=["same-level", "street-office-names", "city-about-counties", "not-a-chain", "qualified-name",
        "list-goes-on", "compound"])
def test_level_chains_that_stay(text, level, source):
    assert rewrite_chains(text, level, source) == text


def test_a_district_paragraph_in_a_city_draft():
    part = DraftPart("heading", 1, "一、", "标题", (
        DraftParagraph("全区上下要完善区、街道、社区三级应急预案体系，各街道要落实属地责任。", SRC),))
    spec = DraftSpec(kind="speech", topic=("安全生产",), unit="江州市", date="2026-03-18")
    result = adapt(Draft("speech", "t", "题", None, None, (), (part,), ()), spec)
    assert result.parts[0].paragraphs[0].text == "全市上下要完善市、区、街道三级应急预案体系，各区要落实属地责任。"
    # the same paragraph in a district draft stays as it is
    result = adapt(Draft("speech", "t", "题", None, None, (), (part,), ()),
                   DraftSpec(kind="speech", topic=("安全生产",), unit="南湖区", date="2026-03-18"))
    assert result.parts[0].paragraphs[0].text == part.paragraphs[0].text


# -- season points and the Spring Festival ---------------------------------------------------------

@pytest.mark.parametrize("text, date, wanted", [
    ("新春伊始，万象更新。", "2026-03-18", ["新春伊始"]),   # festival 2026-02-17: a month ago
    ("新春伊始，万象更新。", "2026-02-25", []),
    ("新春伊始，万象更新。", "2027-03-01", ["新春伊始"]),   # festival 2027-02-06
    ("新春伊始，万象更新。", "2028-02-10", []),             # festival 2028-01-26
    ("要抓好春节前后的安全防范。", "2026-01-20", []),
    ("要抓好春节前后的安全防范。", "2026-03-18", ["春节前后"]),
    ("要抓好春节前后的安全防范。", "2026-12-20", []),       # the next festival is near
    ("春节期间，全市未发生较大事故。", "2026-03-18", []),   # a look back is no task
    ("要抓好节前安全检查。", "2026-03-18", []),             # 节前 of which festival: not said
], ids=["新春伊始-march", "新春伊始-feb", "2027", "2028", "春节前后-jan", "春节前后-march", "december",
        "review", "节前-alone"])
def test_spring_festival_words_against_the_real_date(text, date, wanted):
    assert [w for _, w in season_conflicts(text, int(date[5:7]), date=date)] == wanted


def test_spring_festival_dates_are_package_data():
    from kb.annotate import spring_festival

    assert [str(spring_festival(y)) for y in (2015, 2026, 2040)] == ["2015-02-19", "2026-02-17", "2040-02-12"]
    assert spring_festival(2014) is None and spring_festival(2041) is None


def _safety_part(*points: str, count: str = "五") -> DraftPart:
    bodies = ("对重点企业逐一过筛。", "节日期间加强值班值守。", "依法严查违法违规行为。", "每季度组织一次综合演练。",
              "把安全知识送进企业车间。")
    children = tuple(DraftPart("point", 2, f"{n}是", heading, (DraftParagraph(body, SRC),), source=SRC)
                     for n, heading, body in zip("一二三四五六七", points, bodies))
    return DraftPart("heading", 1, "二、", "突出工作重点",
                     (DraftParagraph(f"重点抓好以下{count}个方面的工作。", SRC),), children)


def test_a_whole_point_bound_to_a_contradicted_season_goes():
    part = _safety_part("抓好隐患排查", "抓好春节前后安全防范", "抓好执法检查", "抓好应急演练", "抓好宣传教育")
    spec = DraftSpec(kind="speech", topic=("安全生产",), unit="江州市", date="2026-03-18")
    result = adapt(Draft("speech", "t", "题", None, None, (), (part,), ()), spec)
    out = result.parts[0]
    assert [c.marker + c.heading for c in out.children] == ["一是抓好隐患排查", "二是抓好执法检查", "三是抓好应急演练",
                                                            "四是抓好宣传教育"]
    assert out.paragraphs[0].text == "重点抓好以下四个方面的工作。"
    # in January the same point stays
    result = adapt(Draft("speech", "t", "题", None, None, (), (part,), ()),
                   DraftSpec(kind="speech", topic=("安全生产",), unit="江州市", date="2026-01-20"))
    assert len(result.parts[0].children) == 5


def test_run_in_points_go_and_a_longer_paragraph_keeps_a_mark():
    part = DraftPart("heading", 1, "一、", "标题", (
        DraftParagraph("重点抓好三个方面。", SRC),
        DraftParagraph("一是抓好隐患排查，做到全覆盖。", SRC),
        DraftParagraph("二是抓好春节前后值班值守，确保平稳。", SRC),
        DraftParagraph("三是抓好执法检查，严查违法行为。", SRC),
        DraftParagraph("安全生产要常抓不懈，各地要加强巡查，确保春节前后不发生事故，全年形势稳定。", SRC)))
    spec = DraftSpec(kind="speech", topic=("安全生产",), unit="江州市", date="2026-03-18")
    texts = [p.text for p in adapt(Draft("speech", "t", "题", None, None, (), (part,), ()), spec).parts[0].paragraphs]
    assert texts == ["重点抓好两个方面。", "一是抓好隐患排查，做到全覆盖。", "二是抓好执法检查，严查违法行为。",
                     "安全生产要常抓不懈，各地要加强巡查，确保春节前后【待核：季节】不发生事故，全年形势稳定。"]


def test_check_judges_seasons_against_the_festival():
    text = "在江州市安全生产工作会议上的讲话\n（2026年3月18日）\n同志们：\n新春伊始，要抓好春节前后的安全防范。\n"
    assert [f.original for f in check_text(text) if f.rule == "季节不符"] == ["新", "春"]
    text = text.replace("3月18日", "2月20日")
    assert [f for f in check_text(text) if f.rule == "季节不符"] == []


def test_a_point_on_the_holidays_goes_when_its_body_names_the_spring_festival():
    points = (DraftPart("point", 2, "一是", "压实属地责任", (DraftParagraph("各地要落实属地监管职责。", SRC),), source=SRC),
              DraftPart("point", 2, "二是", "抓实节日期间安全防范",
                        (DraftParagraph("确保群众过一个安全祥和的新春佳节。", SRC),), source=SRC),
              DraftPart("point", 2, "三是", "严格考核奖惩", (DraftParagraph("实行一票否决。", SRC),), source=SRC))
    part = DraftPart("heading", 1, "三、", "压实责任", (), points)
    for date, wanted in (("2026-03-18", ["一是压实属地责任", "二是严格考核奖惩"]),
                         ("2026-02-05", ["一是压实属地责任", "二是抓实节日期间安全防范", "三是严格考核奖惩"])):
        spec = DraftSpec(kind="speech", topic=("安全生产",), unit="江州市", date=date)
        result = adapt(Draft("speech", "t", "题", None, None, (), (part,), ()), spec)
        assert [c.marker + c.heading for c in result.parts[0].children] == wanted


PASSING = """---
title: 在×市作风建设推进会上的讲话
type: speech
date: 2025-04-01
---

# 在×市作风建设推进会上的讲话

同志们：

## 一、突出重点，推动作风建设落地

### （一）在调查研究上下功夫

要多到基层去，信访接待也要下基层，把情况摸清、把问题找准、把对策提实。

### （二）在真抓实干上下功夫

对确定的重点任务，要逐项明确责任人、时间表和路线图，一抓到底、抓出成效。

### （三）在廉洁自律上下功夫

要严格落实八项规定精神，管好自己的生活圈、社交圈、朋友圈。

### （四）在担当作为上下功夫

面对急难险重任务，领导干部要冲在前面、干在实处，敢于较真碰硬。
"""


def test_a_section_naming_the_topic_in_one_point_of_four_is_not_material_for_it(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "作风.md").write_text(PASSING, encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        kb.ingest([tmp_path / "docs"])
        result = draft(DraftSpec(kind="speech", topic=("信访工作",), occasion="推进会", unit="江州市"), kb)
        on_topic = draft(DraftSpec(kind="speech", topic=("作风建设",), occasion="推进会", unit="江州市"), kb)
    assert "信访接待" not in "".join(p.text for part in result.parts for node in part.walk()
                                    for p in node.own_paragraphs())
    assert len(result.shortfalls) == len(result.parts)
    assert "信访接待也要下基层" in "".join(p.text for part in on_topic.parts for node in part.walk()
                                         for p in node.own_paragraphs())


def test_a_plan_part_without_material_says_what_the_part_holds(tmp_path):
    with _library(tmp_path, True) as kb:
        result = draft(DraftSpec(kind="work_plan", template="工作方案", topic=("古树名木保护",), unit="江州市",
                                 date="2026-03-01"), kb)
    todo = {p.heading: p.paragraphs[0].text for p in result.parts}
    assert todo["工作目标"] == ("【待补充：关于“古树名木保护”的“工作目标”部分素材不足，请补充。"
                            "写明到何时、达到什么目标，尽量量化（到某年底，……达到……）】")
    assert todo["实施步骤"].endswith("分阶段写明时间和任务（动员部署、组织实施、总结提升）】")


REVIEW = """---
title: 在×区{n}河湖治理工作会议上的讲话
type: speech
date: 2025-0{n}-01
---

# 在×区{n}河湖治理工作会议上的讲话

同志们：

## 一、{first}

{body}

## 二、突出重点，推动河湖治理落地

河湖治理要抓住控源截污这个关键，全区上下要把每条河道管好，河湖治理一年比一年见效。

## 三、压实责任，强化河湖治理保障

河湖治理要层层压实河长责任，一级抓一级，把河湖治理保障落到实处。
"""


def test_a_review_slot_takes_a_review_before_a_more_topical_section_of_another_role(tmp_path):
    (tmp_path / "docs").mkdir()
    awareness = "河湖治理关系民生福祉。河湖治理是生态文明建设的重要内容，河湖治理必须摆上突出位置。" * 2
    review = "过去一年，全区治理黑臭水体十二条，河湖治理取得明显成效，群众满意度持续提升。"
    for n, (first, body) in enumerate((("提高认识，深刻理解河湖治理的重大意义", awareness),
                                       ("回顾成绩，河湖治理取得明显成效", review)), start=1):
        (tmp_path / "docs" / f"{n}.md").write_text(REVIEW.format(n=n, first=first, body=body), encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        kb.ingest([tmp_path / "docs"])
        result = draft(DraftSpec(kind="speech", topic=("河湖治理",), occasion="总结表彰会", unit="江州市"), kb)
    assert result.parts[0].paragraphs[0].text.startswith("过去一年，全市治理黑臭水体十二条")


def test_two_sources_citing_one_formula_are_not_a_repeat():
    problem = DraftPart("heading", 1, "一、", "形势", (DraftParagraph(
        "有的部门对“管行业必须管安全、管业务必须管安全、管生产经营必须管安全”的要求理解不到位，存在监管盲区。", SRC),))
    task = DraftPart("heading", 1, "二、", "责任", (DraftParagraph(
        "按照“管行业必须管安全、管业务必须管安全、管生产经营必须管安全”的原则，各行业主管部门要把安全生产与业务工作同部署、同检查、同考核。",
        Source("d2", "在×市安全生产工作会议上的讲话", "2025-01-01")),))
    result = dedupe(Draft("speech", "t", "题", None, None, (), (problem, task), ()))
    assert [p.paragraphs[0].text for p in result.parts] == [problem.paragraphs[0].text, task.paragraphs[0].text]


def test_a_section_is_on_topic_by_its_heading_or_half_its_points():
    from generator.candidates import _points_on_topic, topic_words
    from kb.model import Section

    points = tuple(Section("heading", 2, f"（{n}）", h, ("有的干部不作为。",))
                   for n, h in zip("一二三", ("不担当不作为依然存在", "享乐主义出现变异", "身边的不正之风仍需整治")))
    words = topic_words(("作风建设",))
    assert _points_on_topic(Section("heading", 1, "二、", "清醒看到当前作风方面存在的突出问题", (), points),
                            words, ("作风建设",))
    assert not _points_on_topic(Section("heading", 1, "二、", "清醒看到存在的突出问题", (), points),
                                words, ("作风建设",))


def test_a_point_made_again_inside_another_sources_point_is_dropped():
    first = DraftPart("heading", 1, "二、", "机制", (DraftParagraph(
        "四要健全容错纠错机制。为敢于担当、踏实做事的干部撑腰鼓劲，对改革创新中出现的失误依规依纪予以容错。", SRC),))
    again = DraftPart("heading", 1, "三、", "责任", (
        DraftParagraph("三是激励干部担当作为。要健全容错纠错机制，同时严肃查处诬告陷害行为，及时为受到不实举报的干部澄清正名，"
                       "让干部放下包袱、轻装上阵，大力选用敢于担当、实绩突出的干部。",
                       Source("d2", "在×市作风建设会议上的讲话", "2025-01-01")),
        DraftParagraph("四是深化以案促改。要用好身边的典型案例开展警示教育，推动完善制度、堵塞漏洞。",
                       Source("d2", "在×市作风建设会议上的讲话", "2025-01-01"))))
    result = dedupe(Draft("speech", "t", "题", None, None, (), (first, again), ()))
    assert [p.text[:6] for p in result.parts[1].paragraphs] == ["四是深化以案"]
    # within one source, a point that names another's lead is that speech's own order
    same = dedupe(Draft("speech", "t", "题", None, None, (), (first, replace(again, paragraphs=tuple(
        replace(p, source=SRC) for p in again.paragraphs))), ()))
    assert len(same.parts[1].paragraphs) == 2
