"""The `bigan check` rules of issue 15: each with what it must catch and what it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.model import Passage
from kb.phrases import PhraseLibrary
from kb.proofread import check_file, check_text, intentional_repetitions, load_rules

PLANTED = Path(__file__).resolve().parents[1] / "data" / "check" / "planted" / "planted.txt"


def found(text: str, **options) -> list[tuple[str, str, str]]:
    return [(f.rule, f.level, f.original) for f in check_text(text, **options)]


@pytest.fixture(scope="module")
def library():
    texts = ["学习贯彻党的十八大和二十大精神。", "党的十八大以来，党的二十大以来。",
             "党的二十大、党的十八大作出部署。", "党的十八大报告和党的二十大报告。"]
    return PhraseLibrary.build(Passage(f"d{i}", 0, text, "body") for i, text in enumerate(texts))


# ---------------------------------------------------------------- 提法 only as the term itself

@pytest.mark.parametrize("text", [
    "依照本条例第十八条、第十九条和第二十条的规定。",
    "深入学习贯彻党的二十届四中全会精神。",
    "筹备第十八届省运会。",
    "省人大常委会第二十次会议通过。",
    "落实十八条措施，出台二十条意见。",
])
def test_numbered_terms_are_not_variants_of_a_phrase(text, library):
    assert found(text, library=library) == []


@pytest.mark.parametrize("text, original", [
    ("学习贯彻党的二十太精神。", "二十太"),
    ("党的十八夭以来。", "十八夭"),
])
def test_a_real_variant_of_a_numbered_phrase_is_still_reported(text, original, library):
    assert found(text, library=library) == [("提法写法", "疑似", original)]


# ---------------------------------------------------------------- intentional repetitions

def test_intentional_repetitions_are_package_data():
    assert {"坚持坚持再坚持", "抓抓抓", "一次又一次"} <= intentional_repetitions()


@pytest.mark.parametrize("text", [
    "坚持坚持再坚持，久久为功。",
    "要落实落实再落实。",
    "研究研究再研究。",
])
def test_intentional_repetitions_are_not_doubled_words(text):
    assert found(text) == []


@pytest.mark.parametrize("text, original", [
    ("坚持坚持以人民为中心。", "坚持坚持"),
    ("要落实落实责任。", "落实落实"),
])
def test_a_slip_next_to_the_set_phrase_is_still_a_doubled_word(text, original):
    assert found(text) == [("重复词语", "错误", original)]


# ---------------------------------------------------------------- numbering across parts

def test_numbering_may_run_straight_through_the_parts():
    text = "一、总体要求\n（一）甲\n（二）乙\n二、重点任务\n（三）丙\n（四）丁\n三、保障\n（五）戊"
    assert found(text) == []


def test_numbering_restarting_under_each_part_is_also_accepted():
    assert found("一、任务\n（一）甲\n（二）乙\n二、保障\n（一）丙\n（二）丁") == []


@pytest.mark.parametrize("text, original, level", [
    ("一、任务\n（一）甲\n（二）乙\n二、保障\n（四）丁", "（四）", "疑似"),    # （三） skipped
    ("一、任务\n（一）甲\n（二）乙\n（四）丁", "（四）", "错误"),
    ("一、任务\n（三）丙", "（三）", "疑似"),
])
def test_numbering_gaps_are_still_reported(text, original, level):
    assert [(f.original, f.level) for f in check_text(text) if f.rule == "序号不连续"] == [(original, level)]


# ---------------------------------------------------------------- brackets over the block

def test_brackets_pair_over_the_lines_of_a_block():
    assert found("【特别提示\n节日期间严禁燃放烟花爆竹】\n正文。") == []


@pytest.mark.parametrize("text, marks", [
    ("【特别提示\n\n节日期间严禁燃放烟花爆竹】", ["【", "】"]),   # a blank line ends the block
    ("节日期间严禁燃放烟花爆竹】", ["】"]),
    ("（一）甲（说明\n乙。", ["（"]),
])
def test_unpaired_brackets_are_reported(text, marks):
    assert [f.original for f in check_text(text) if f.rule == "标点不配对"] == marks


# ---------------------------------------------------------------- messages

def test_every_message_quotes_what_it_flags_and_original_is_filled():
    findings = check_file(PLANTED)
    assert len(findings) >= 40
    for finding in findings:
        assert finding.original, finding
        assert "“" in finding.message, finding
    lines = PLANTED.read_text(encoding="utf-8").splitlines()
    for finding in findings:
        line = lines[finding.line - 1]
        assert line[finding.column - 1:].startswith(finding.original), finding


# ---------------------------------------------------------------- political terms and idioms

def test_political_terms_are_package_data_reported_as_their_own_rule():
    rules = {rule.wrong: rule for rule in load_rules()}
    assert rules["社会主意"].correct == "社会主义" and rules["社会主意"].rule == "提法错字"
    assert rules["防患于未燃"].rule == "易错词"


@pytest.mark.parametrize("text, original", [
    ("高举中国特色社会主意伟大旗帜。", "社会主意"),
    ("坚持和发展中国特色社会主议。", "特色社会主议"),     # reported once, not again as 社会主议
    ("坚决做到“两个维户”。", "两个维户"),
    ("增强“四个意思”。", "四个意思"),
    ("要防患于未燃。", "防患于未燃"),
])
def test_misspelt_terms_and_idioms(text, original):
    assert [f.original for f in check_text(text)] == [original]


@pytest.mark.parametrize("text", [
    "这句话有四个意思，请逐一领会。",
    "中国特色社会主义思想。",
    "做到防患于未然。",
    "社会主义核心价值观。",
])
def test_correct_terms_and_look_alikes_stay_silent(text):
    assert found(text) == []


# ---------------------------------------------------------------- impossible dates

@pytest.mark.parametrize("text, original", [
    ("会议定于2026年4月31日召开。", "2026年4月31日"),
    ("2025年2月29日前报送。", "2025年2月29日"),
    ("于13月1日前完成。", "13月1日"),
    ("于6月31日前完成。", "6月31日"),
    ("于3月0日前完成。", "3月0日"),
])
def test_impossible_dates(text, original):
    assert found(text) == [("日期错误", "错误", original)]


@pytest.mark.parametrize("text", [
    "2024年2月29日前报送。",       # a leap year
    "于2月29日前报送。",            # no year: it may be one
    "2026年4月30日至12月31日。",
    "第12月份。",
])
def test_possible_dates_stay_silent(text):
    assert found(text) == []


# ---------------------------------------------------------------- leftover ×

@pytest.mark.parametrize("text, original, level", [
    ("下面，结合×实际，谈几点意见。", "×", "错误"),
    ("学习市委×届×次全会精神。", "×", "错误"),
    ("×××同志主持会议。", "×××", "疑似"),
    ("于20××年完成。", "××", "疑似"),
])
def test_leftover_placeholders(text, original, level):
    assert found(text)[0] == ("占位符", level, original)


@pytest.mark.parametrize("text", [
    "中共×市委办公室印发。",             # an anonymised unit: the starter corpus's style
    "实地察看了×经济开发区。",
    "每周7×24小时值守，面积3×4米。",
    "日工资＝月工资收入÷（月计薪天数×8小时）。",
    "实施“数据要素×”行动。",
])
def test_multiplication_and_anonymised_units_are_not_placeholders(text):
    assert found(text) == []


# ---------------------------------------------------------------- formats

def test_check_reads_saved_web_pages(tmp_path):
    page = tmp_path / "通知.html"
    page.write_text("<html><body><h1>关于开展检查的通知</h1><p>各单位:</p>"
                    "<p>请于2026年4月31日前报送。</p></body></html>", encoding="utf-8")
    findings = check_file(page)
    assert [(f.rule, f.original) for f in findings] == [("半角标点", ":"), ("日期错误", "2026年4月31日")]


def test_every_rule_quotes_what_it_flags(library):
    text = ("（一）甲方面。\n一、任务\n1、加强培训。\n（一）健全制度。一是摸清底数，第三，动态调整。\n"
            "完成时间为2024年06月30日。另定于2024-07-01召开会议，各单位要认真抓好落实并及时报告情况\n"
            "二〇二四年三月十五日\n学习党的二十太精神，增强三个意识。\n")
    findings = check_text(text, library=library)
    rules = {f.rule for f in findings}
    assert {"层级跳跃", "序号格式", "一是无二是", "序号混用", "日期格式", "段末标点", "成文日期",
            "提法写法"} <= rules, rules
    for finding in findings:
        assert finding.original and "“" in finding.message, finding


def test_a_word_paragraph_is_a_block_of_its_own(tmp_path):
    import docx

    document = docx.Document()
    for text in ("一、工作要求（试行", "二、保障措施）", "他说：“第一段。", "“第二段。”"):
        document.add_paragraph(text)
    path = tmp_path / "稿.docx"
    document.save(str(path))
    # Paragraphs of Word are not wrapped lines: （ and ） two paragraphs apart do not pair,
    # while a quotation running over paragraphs (“ opening each) stays balanced.
    assert [(f.line, f.original) for f in check_file(path) if f.rule == "标点不配对"] == [(1, "（"), (2, "）")]
