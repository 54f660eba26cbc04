"""`bigan check` rules: true positives and, as important, look-alikes that must not fire."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kb.errors import ReadError
from kb.model import Passage
from kb.phrases import PhraseLibrary
from kb.proofread import (Finding, check_file, check_text, default_rules_path, fix_text,
                          load_rules)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "check"
SEED = Path("/work/shared/corpus/seed/000_a918a184e0497794.txt")
CLEAN = (DATA / "clean_draft.txt").read_text(encoding="utf-8")


def rules_of(text: str, **options) -> list[tuple[str, str]]:
    return [(f.rule, f.level) for f in check_text(text, **options)]


def serious(findings) -> list[Finding]:
    return [f for f in findings if f.level in ("错误", "疑似")]


# ---------------------------------------------------------------- doubled words

@pytest.mark.parametrize("text, original", [
    ("习总书记总书记强调，要抓好落实。", "总书记总书记"),
    ("各级党组织要深入深入调研。", "深入深入"),
    ("主要负责同志同志亲自部署。", "同志同志"),
    ("选优配强专职网格员网格员。", "网格员网格员"),
    ("落实“一岗双责一岗双责”。", "一岗双责一岗双责"),
])
def test_doubled_words(text, original):
    findings = check_text(text)
    assert [(f.rule, f.level, f.original) for f in findings] == [("重复词语", "错误", original)]


def test_doubled_de():
    findings = check_text("对表现突出的的同志给予表扬。")
    assert [(f.rule, f.level, f.column) for f in findings] == [("重复词语", "疑似", 6)]


@pytest.mark.parametrize("text", [
    "大家常常深入楼栋，看看群众有什么困难。",         # AA reduplication
    "会后再研究研究，讨论讨论具体办法。",              # verb reduplication
    "把问题一个一个解决，一步一步推进。",              # counts
    "组建若干义务教育教育集团。",                     # two words meeting
    "基层党组织组织开展主题党日活动。",
    "干部干部，干字当头。",                           # a saying
    "要达到目的的手段必须正当，的确如此。",
    "谢谢大家，我们要天天向上、人人参与。",
    "坚持坚持再坚持，久久为功。",                      # intentional repetitions
    "学习学习再学习，落实落实再落实。",
    "一次又一次地深入基层，抓抓抓，一抓到底。",
])
def test_doubled_look_alikes(text):
    assert rules_of(text) == []


def test_placeholder_names_are_placeholders_not_doubled_words():
    # ×××同志 is a name not filled in, never a doubled word.
    assert rules_of("×××同志、××同志出席会议。") == [("占位符", "疑似"), ("占位符", "疑似")]


# ---------------------------------------------------------------- paired marks

@pytest.mark.parametrize("text, column", [
    ("健全“三社联动机制。", 3),
    ("把工作纳入《年度考核。", 6),
    ("依托社区（村党群服务中心。", 5),
    ("依托社区村）党群服务中心。", 6),
    ("落实【重点任务。", 3),
    ("他说：‘好的。', 结束。", 4),
])
def test_unbalanced_marks(text, column):
    findings = [f for f in check_text(text) if f.rule == "标点不配对"]
    assert [(f.level, f.column) for f in findings] == [("错误", column)]


@pytest.mark.parametrize("text", [
    "他说：“要把‘群众满意’作为标准。”",
    "依托社区（村）党群服务中心和《工作规则》。",
    "1）加强组织领导。",
    "a) 明确责任分工。",
])
def test_balanced_look_alikes(text):
    assert [f for f in check_text(text) if f.rule == "标点不配对"] == []


def test_quotation_over_paragraphs_is_balanced():
    text = "“第一段引文，没有结束。\n“第二段引文，到此结束。”"
    assert rules_of(text) == []


# ---------------------------------------------------------------- punctuation width

@pytest.mark.parametrize("text, marks", [
    ("同志们: 今天召开会议。", [":"]),
    ("会议强调,要抓好落实;确保见效!", [",", ";", "!"]),
    ("你们准备好了吗?", ["?"]),
    ("依托社区(村)党群服务中心。", ["(", ")"]),
    ("(一)科学划分网格。", ["(", ")"]),
    ("全区共有300户,其中党员50名。", [","]),
])
def test_half_width_marks(text, marks):
    findings = [f for f in check_text(text) if f.level != "提示"]
    assert [f.original.strip() for f in findings] == marks
    assert all((f.rule, f.level, f.fixable) == ("半角标点", "错误", True) for f in findings)


@pytest.mark.parametrize("text", [
    "会议于10:30开始。",
    "执行GB/T 9704-2012标准，A4纸，每页22行。",
    "函数写作 f(x) 即可。",
    "收入增长1,200元。",
    "网址 http://www.example.cn/a?b=1 可查询。",
    "比例为1:2。",
])
def test_half_width_look_alikes(text):
    assert [f for f in check_text(text) if f.rule == "半角标点"] == []


def test_fix_punctuation_width_and_spaces():
    text = "同志们: 今天召开会议,研究社区(村)工作。\n第二行不变。\n"
    assert fix_text(text, check_text(text)) == "同志们：今天召开会议，研究社区（村）工作。\n第二行不变。\n"


def test_fix_keeps_line_endings_and_skips_stale_findings():
    text = "同志们:\r\n今天,开会。\r\n"
    findings = check_text(text)
    assert fix_text(text, findings) == "同志们：\r\n今天，开会。\r\n"
    assert fix_text("完全不同的文本。\r\n", findings) == "完全不同的文本。\r\n"


# ---------------------------------------------------------------- final punctuation

def test_missing_final_mark():
    findings = check_text("第一句话说完了。第二句话没有写完句末标点")
    assert [(f.rule, f.level, f.column) for f in findings] == [("段末标点", "疑似", 20)]


@pytest.mark.parametrize("text", [
    "关于推进社区网格化服务管理的工作方案",
    "一、统一思想、提高认识，坚持党建引领下的基层治理创新",
    "各街道党工委，区直各部门：",
    "同志们，求木之长者，必固其根本。",
    "他说：“这项工作要抓紧。”",
    "中共×区委办公室",
    "2024年3月15日",
    "（2024年3月12日）",
    "短句。没有标点",
])
def test_final_mark_look_alikes(text):
    assert [f for f in check_text(text) if f.rule == "段末标点"] == []


# ---------------------------------------------------------------- numbering

def test_comma_after_arabic_heading_number():
    findings = [f for f in check_text("1、加强培训。") if f.level != "提示"]
    assert [(f.rule, f.level, f.suggestion) for f in findings] == [("序号格式", "错误", "1.")]


@pytest.mark.parametrize("text", ["1.加强培训。", "12、13日召开会议。", "2020、2021年连续两年获评。"])
def test_heading_number_look_alikes(text):
    assert [f for f in check_text(text) if f.rule == "序号格式"] == []


def test_heading_out_of_sequence():
    text = "一、总体要求\n正文。\n三、保障措施\n正文。"
    findings = check_text(text)
    assert [(f.line, f.rule, f.level, f.suggestion) for f in findings] == [
        (3, "序号不连续", "错误", "二、")]


def test_second_level_out_of_sequence_and_restart():
    text = "一、任务\n（一）甲\n（二）乙\n（四）丁\n二、保障\n（一）甲\n（二）乙"
    findings = check_text(text)
    assert [(f.line, f.rule, f.message) for f in findings] == [
        (4, "序号不连续", "“（二）”之后应是“（三）”，这里是“（四）”")]


def test_skipped_level():
    findings = check_text("（一）甲方面。\n（二）乙方面。")
    assert [(f.line, f.rule, f.level) for f in findings] == [(1, "层级跳跃", "提示")]


@pytest.mark.parametrize("text", [
    "一、任务\n（一）甲\n1.子项\n2.子项\n（二）乙\n1.子项\n二、保障",
    "一、任务\n二、保障\n附件：名单\n一、说明\n二、要求",
    "一、二级单位要配合。",                      # not a heading: 一、二级
])
def test_numbering_look_alikes(text):
    assert [f for f in check_text(text) if f.level != "提示"] == []


def test_first_point_without_second():
    findings = [f for f in check_text("（一）健全制度。一是摸清底数。三是动态调整。") if f.level != "提示"]
    assert [(f.rule, f.level, f.column) for f in findings] == [("一是无二是", "疑似", 9)]


@pytest.mark.parametrize("text", [
    "（一）健全制度。一是摸清底数；二是明确边界。",
    "一是摸清底数。\n二是明确边界。",
    "统一是前提，唯一是标准。",
])
def test_points_look_alikes(text):
    assert serious(check_text(text)) == []


def test_mixed_point_series():
    findings = check_text("一是摸清底数；二是明确边界；第三，动态调整。")
    assert [(f.rule, f.level, f.column) for f in findings] == [("序号混用", "疑似", 15)]


@pytest.mark.parametrize("text", [
    "第一，提高站位。一是学深悟透；二是知行合一。",   # points nested under 第一
    "一是压实第一责任人责任；二是落实到位。",
])
def test_mixed_series_look_alikes(text):
    assert check_text(text) == []


# ---------------------------------------------------------------- misspellings

@pytest.mark.parametrize("text, correct, level", [
    ("主要领导亲自布署。", "部署", "错误"),
    ("既使困难再大也不退缩。", "即使", "错误"),
    ("截止目前，已完成八成。", "截至目前", "错误"),
    ("要再接再励，迫不急待地推进。", "再接再厉", "错误"),
    ("对其它人员一并登记。", "其他", "疑似"),
    ("按装监控设备。", "安装", "错误"),
    ("定期听取会报。", "听取汇报", "错误"),
    ("坚持针贬时弊。", "针砭", "错误"),
])
def test_misspellings(text, correct, level):
    findings = [f for f in check_text(text) if f.rule == "易错词"]
    assert (findings[0].suggestion, findings[0].level) == (correct, level)


@pytest.mark.parametrize("text", [
    "既使群众满意，又使企业受益。",
    "在网站发布署名文章。",
    "按装修标准验收，按装备清单配发。",
    "大会报告指出，代表们会报名参加。",
    "按排名先后录取。",
    "水库要逐座落实责任人。",
    "这座落成于去年的大楼。",
    "严防犯罪分子作案。",
    "要有好象棋手的耐心。",
    "部署、撤销、即使、其他、安装、汇报、截至目前、针砭。",
])
def test_misspelling_look_alikes(text):
    assert [f for f in check_text(text) if f.rule == "易错词"] == []


def test_rule_table_has_at_least_100_entries_and_valid_levels():
    rules = load_rules()
    assert len(rules) >= 100
    assert {r.level for r in rules} <= {"错误", "疑似", "提示"}
    assert all(r.wrong != r.correct for r in rules)
    header = default_rules_path().read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("#")


def test_rule_table_never_fires_on_its_own_corrections():
    corrections = "。".join(r.correct for r in load_rules()) + "。"
    assert [f for f in check_text(corrections) if f.rule == "易错词"] == []


def test_user_rules_add_and_switch_off(tmp_path):
    user = tmp_path / "rules.tsv"
    user.write_text("# 我的规则\n网络员\t网格员\t错误\n其它\t其他\t忽略\n", encoding="utf-8")
    findings = check_text("网络员核对其它信息。", rules_path=user)
    assert [(f.rule, f.suggestion) for f in findings] == [("易错词", "网格员")]


@pytest.mark.parametrize("content, reason", [
    ("只有一列\n", "第 1 行格式不对"),
    ("甲\t乙\t严重\n", "级别"),
    ("甲\t乙\t错误\t(未闭合\n", "正则表达式"),
])
def test_bad_user_rules(tmp_path, content, reason):
    user = tmp_path / "rules.tsv"
    user.write_text(content, encoding="utf-8")
    with pytest.raises(ReadError, match=re.escape(reason)):
        check_text("正文。", rules_path=user)


# ---------------------------------------------------------------- dates

def test_leading_zeros_are_fixed():
    text = "会议于2020年05月07日召开。"
    findings = check_text(text)
    assert [(f.rule, f.level, f.column, f.fixable) for f in findings] == [
        ("日期格式", "错误", 9, True), ("日期格式", "错误", 12, True)]
    assert fix_text(text, findings) == "会议于2020年5月7日召开。"


@pytest.mark.parametrize("text", ["会议于2020年5月7日召开。", "2020年10月20日", "编号2020-05-07。",
                                  "共05人。"])
def test_leading_zero_look_alikes(text):
    assert [f for f in check_text(text) if f.rule == "日期格式"] == []


def test_chinese_numeral_signing_date():
    findings = check_text("中共×区委办公室\n二〇二〇年五月七日")
    assert [(f.line, f.rule, f.level, f.suggestion) for f in findings] == [
        (2, "成文日期", "疑似", "2020年5月7日")]


def test_chinese_numeral_date_in_prose_is_left_alone():
    assert check_text("文件于二〇二〇年五月七日印发，自印发之日起施行。") == []


def test_mixed_date_formats():
    text = "会议于2024年3月1日召开。\n4月1日前报送。\n截止时间为2024-04-01。\n2024年3月15日"
    findings = check_text(text)
    assert [(f.line, f.rule, f.level) for f in findings] == [(3, "日期格式", "提示")]


# ---------------------------------------------------------------- 提法 against the library

@pytest.fixture(scope="module")
def library():
    passages = [Passage(f"d{i}", 0, text, "body", date=f"202{i}-01-01") for i, text in enumerate([
        "全面实施“三社联动”，增强“四个意识”。",
        "深化“三社联动”，增强“四个意识”。",
        "推进“三社联动”，推行“一征三议两公开”，增强“四个意识”。",
        "落实“一征三议两公开”和“一征三议两公开”要求，做到“两个维护”。",
    ])]
    return PhraseLibrary.build(passages)


def test_phrase_variant(library):
    findings = check_text("健全“三社联合”机制。", library=library)
    assert [(f.rule, f.level, f.suggestion) for f in findings] == [("提法写法", "疑似", "三社联动")]


def test_phrase_number_disagreement(library):
    findings = check_text("增强“三个意识”，推行“一征两议两公开”。", library=library)
    assert [(f.rule, f.suggestion) for f in findings] == [
        ("提法数字", "四个意识"), ("提法数字", "一征三议两公开")]


@pytest.mark.parametrize("text", [
    "全面实施“三社联动”，增强“四个意识”。",
    "三社区联合开展活动。",                   # the head is followed by something else
    "做到“两个维护”，坚持两个确立。",          # two 两个 phrases of the library and outside it
    "召开三个社区座谈会。",
])
def test_phrase_look_alikes(library, text):
    assert check_text(text, library=library) == []


def test_no_library_no_phrase_rules():
    assert check_text("健全“三社联合”机制，增强“三个意识”。") == []


# ---------------------------------------------------------------- files

def test_check_file_txt_gbk(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_bytes("标题\n\n同志们:今天开会。\n".encode("gb18030"))
    findings = check_file(path)
    assert [(f.line, f.column, f.rule) for f in findings] == [(3, 4, "半角标点")]


def test_check_file_markdown_skips_metadata_and_reads_headings(tmp_path):
    path = tmp_path / "draft.md"
    path.write_text("---\ntitle: 讲话\ndate: 2024-03-12\n---\n\n# 标题\n\n## 一、任务\n\n## 三、保障\n\n"
                    "会议于2024年3月12日召开,研究工作。\n", encoding="utf-8")
    findings = check_file(path)
    assert [(f.line, f.column, f.rule) for f in findings] == [(10, 4, "序号不连续"), (12, 16, "半角标点")]


def test_check_file_docx(tmp_path):
    docx = pytest.importorskip("docx", reason="需要 python-docx")
    path = tmp_path / "draft.docx"
    document = docx.Document()
    for text in ("关于开展检查的通知", "各单位:", "请于2024年05月10日前报送。"):
        document.add_paragraph(text)
    document.save(str(path))
    findings = check_file(path)
    assert [(f.line, f.rule) for f in findings] == [(2, "半角标点"), (3, "日期格式")]


def test_check_file_refuses_other_formats(tmp_path):
    path = tmp_path / "draft.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ReadError, match="只能检查"):
        check_file(path)


# ---------------------------------------------------------------- our own texts

def test_clean_draft_has_no_findings():
    assert check_text(CLEAN) == []


def _starter_files():
    return sorted((ROOT / "speeches").glob("*/*.md"))


@pytest.mark.parametrize("path", _starter_files(), ids=lambda p: p.name)
def test_starter_corpus_has_no_errors(path):
    # Our own writing: a 错误 here is either a slip in the corpus or a false alarm.
    findings = [f for f in check_file(path) if f.level == "错误"]
    assert findings == []


# ---------------------------------------------------------------- the seed (real document)

def test_seed_findings():
    if not SEED.is_file():
        pytest.skip("共享语料 /work/shared/corpus/seed 不存在")
    text = SEED.read_text(encoding="utf-8")
    findings = check_text(text)
    lines = text.splitlines()
    doubled = [f for f in findings if f.rule == "重复词语"]
    assert [(f.original, f.level) for f in doubled] == [("总书记总书记", "错误")]
    width = [f for f in findings if f.rule == "半角标点"]
    assert len(width) > 200
    assert {lines[f.line - 1][f.column - 1] for f in width} == {",", ":", ";", "(", ")", "!"}
    # Nothing else at 错误 or 疑似, except the scraper's 查看更多 glued after the last sentence.
    # The scraper put × where it removed names (结合×实际, 市委×届×次全会): each is reported.
    placeholders = [f for f in findings if f.rule == "占位符"]
    assert {f.original for f in placeholders} == {"×"}
    assert {lines[f.line - 1][f.column - 1] for f in placeholders} == {"×"}
    # 17 ×: all but an anonymised unit (《×市基层党建…》, ×科技园) and one missed (体现×特点的城市).
    assert len(placeholders) == 14 and not any(f.message.count("×市") for f in placeholders)
    others = [(f.rule, lines[f.line - 1][f.column - 4:f.column]) for f in serious(findings)
              if f.rule not in ("重复词语", "半角标点", "占位符")]
    assert others == [("段末标点", "查看更多")]
    # Look-alikes in the seed that must stay silent.
    text_rules = {f.rule for f in findings}
    for rule in ("标点不配对", "一是无二是", "序号混用", "易错词", "序号格式", "成文日期"):
        assert rule not in text_rules
    assert "一是" in text and "第一责任人" in text and "大干大支持、小干小支持" in text
    fixed = fix_text(text, findings)
    assert serious([f for f in check_text(fixed) if f.rule == "半角标点"]) == []


# ---------------------------------------------------------------- seeded errors: recall and false alarms

# (what the clean draft says, what a careless writer typed, the rule that must report it).
# None: an error the rules leave alone on purpose (better to miss than to misreport).
SEEDED = [
    ("深入贯彻", "深入深入贯彻", "重复词语"),
    ("主要负责同志亲自", "主要负责同志同志亲自", "重复词语"),
    ("专职网格员，", "专职网格员网格员，", "重复词语"),
    ("对表现突出的网格员", "对表现突出的的网格员", "重复词语"),
    ("落实市委关于", "落实市委市委关于", None),
    ("引导社会组织", "引导社会社会组织", None),
    ("精神，落实市委", "精神,落实市委", "半角标点"),
    ("区直各部门：", "区直各部门:", "半角标点"),
    ("（一）科学划分网格", "(一)科学划分网格", "半角标点"),
    ("有什么困难。", "有什么困难?", "半角标点"),
    ("实有人口；", "实有人口;", "半角标点"),
    ("“三社联动”机制", "“三社联动机制", "标点不配对"),
    ("纳入年度考核", "纳入《年度考核", "标点不配对"),
    ("社区（村）党群", "社区（村党群", "标点不配对"),
    ("“规模适度、便于管理”", "“规模适度、便于管理", "标点不配对"),
    ("满意度稳步提高。", "满意度稳步提高", "段末标点"),
    ("制定本方案。", "制定本方案", None),
    ("1.加强培训", "1、加强培训", "序号格式"),
    ("三、保障措施", "四、保障措施", "序号不连续"),
    ("（三）推动三社联动", "（四）推动三社联动", "序号不连续"),
    ("2.完善激励", "3.完善激励", "序号不连续"),
    ("二是明确边界，做到不重不漏；三是", "明确边界，做到不重不漏；另外", "一是无二是"),
    ("三是动态调整", "第三，动态调整", "序号混用"),
    ("亲自部署", "亲自布署", "易错词"),
    ("到2025年底，", "截止目前，", "易错词"),
    ("对表现突出的网格员，", "对表现突出的网格员和其它人员，", "易错词"),
    ("满意度稳步提高", "满意度再接再励提高", "易错词"),
    ("动态调整，每半年", "按步就班调整，每半年", "易错词"),
    ("亲自过问", "亲自听取会报", "易错词"),
    ("覆盖率", "复盖率", None),
    ("2024年6月30日", "2024年06月30日", "日期格式"),
    ("2024年3月15日", "二〇二四年三月十五日", "成文日期"),
    ("“三社联动”机制", "“三社联合”机制", "提法写法"),
    ("增强“四个意识”", "增强“三个意识”", "提法数字"),
]


@pytest.fixture(scope="module")
def draft_library():
    text = "推进“三社联动”，增强“四个意识”。"
    return PhraseLibrary.build(Passage(f"d{i}", 0, text, "body") for i in range(4))


def _line_of(text: str, fragment: str) -> int:
    index = text.index(fragment)
    return text.count("\n", 0, index) + 1


@pytest.mark.parametrize("original, typed, rule", SEEDED, ids=lambda v: v if isinstance(v, str) else "")
def test_seeded_error(original, typed, rule, draft_library):
    assert CLEAN.count(original) >= 1
    text = CLEAN.replace(original, typed, 1)
    line = _line_of(text, typed)
    findings = serious(check_text(text, library=draft_library))
    assert check_text(CLEAN, library=draft_library) == []
    if rule is None:
        assert findings == []
        return
    assert rule in {f.rule for f in findings if f.line == line}
    # No false alarm elsewhere: every serious finding sits on the damaged line or
    # is the direct consequence of the damage (a renumbered heading).
    assert {f.line for f in findings} == {line}


def test_seeded_error_figures(draft_library):
    detected = false_alarms = 0
    for original, typed, rule in SEEDED:
        text = CLEAN.replace(original, typed, 1)
        line = _line_of(text, typed)
        findings = serious(check_text(text, library=draft_library))
        if rule is not None and any(f.rule == rule and f.line == line for f in findings):
            detected += 1
        false_alarms += sum(1 for f in findings if f.line != line)
    # Measured 2026-11: 30 of 34 injected errors found (recall 0.88), 0 false alarms
    # (precision 1.00); the 4 misses are the designed ones marked None.
    assert detected == sum(1 for *_, rule in SEEDED if rule is not None)
    assert false_alarms == 0


def test_markdown_draft_with_footnotes_and_table():
    # The shape of a generated draft: [^n] source notes after the full stop, footnote
    # definitions with ISO dates, a table with half-width text; none of it is a slip.
    findings = check_file(DATA / "draft_with_footnotes.md")
    assert [(f.line, f.rule, f.level) for f in findings] == [(22, "层级跳跃", "提示")]


_ALPHABET = "一二三是第、，,:;!?()（）“”‘’《》【】。\n 1.年月日0总书记同志们工作的截止目前布署二〇"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_any_text_gives_findings_that_point_into_it(text):
    findings = check_text(text)
    lines = text.removeprefix("\ufeff").splitlines()
    for finding in findings:
        assert finding.level in ("错误", "疑似", "提示")
        assert 1 <= finding.line <= len(lines)
        assert 1 <= finding.column <= max(len(lines[finding.line - 1]), 1)
        if finding.fixable:
            line = lines[finding.line - 1]
            assert line[finding.column - 1:finding.column - 1 + len(finding.original)] == finding.original
    fixed = fix_text(text, findings)
    assert [f for f in check_text(fixed) if f.fixable and f.rule == "日期格式"] == []
