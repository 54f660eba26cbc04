"""Speeches and reports as saved from news and government sites, read through `bigan outline --json`.

The fixtures under tests/data/shapes are our own writing in the shapes such pages take: a
headline above the speech's own title block, byline prefixes, site furniture, datelines,
date-and-meeting lines with and without the dash, speaker lines with a post.
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.cleaning import clean_document
from kb.model import Block, RawDocument
from kb.structure import parse_structure, parse_text_blocks

SHAPES = Path(__file__).resolve().parent.parent / "data" / "shapes"


def outline_json(name):
    result = CliRunner().invoke(cli, ["outline", "--json", str(SHAPES / name)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def facts(data):
    return {key: data[key] for key in ("title", "doc_type", "date", "speaker", "meeting", "salutation")}


def parts(data):
    return [(s["kind"], s["level"], s["marker"], s["heading"]) for s in data["sections"]]


def test_theme_title_with_subtitle_date_and_speaker_lines():
    data = outline_json("theme_speech.txt")
    assert facts(data) == {
        "title": "做新时代的好园丁", "doc_type": "speech", "date": "2025-09-10", "speaker": "刘明川",
        "meeting": "同东江师范学院师生代表座谈", "salutation": "各位老师，同学们"}
    assert parts(data) == [
        ("point", 1, "第一，", "做有理想信念的好老师"),
        ("point", 1, "第二，", "做有道德情操的好老师"),
        ("point", 1, "第三，", "做有扎实学识的好老师"),
        ("point", 1, "第四，", "做有仁爱之心的好老师"),
        ("point", 1, "第五，", "全社会都要尊师重教"),
    ]
    first = data["sections"][0]
    assert first["paragraphs"] == ["老师是学生成长路上的引路人，要把立德树人放在首位，用自己的言行影响学生。",
                                   "课堂是育人的主阵地，每一堂课都要上出温度、上出深度。"]
    assert data["opening"][0].startswith("教师节就要到了")
    assert data["closing"][0].startswith("老师们、同学们")
    assert data["meta"]["source"] == "东江新闻网"
    text = json.dumps(data, ensure_ascii=False)
    for furniture in ("您的位置", "【大 中 小】", "新华社", "（全文）", "2025-09-12"):
        assert furniture not in text


def test_saved_page_with_headline_prefix_widgets_and_ordered_parts():
    data = outline_json("keynote_speech.html")
    assert facts(data) == {
        "title": "为建设创新型城市而奋斗", "doc_type": "speech", "date": "2025-05-30", "speaker": "周明远",
        "meeting": "全市科技创新大会、院士专家座谈会", "salutation": "各位院士，同志们，朋友们"}
    assert [s["marker"] for s in data["sections"]] == ["首先，", "其次，", "再次，", "最后，"]
    assert data["sections"][1]["heading"] == "要把企业作为创新主体"
    assert data["opening"] == ["今天，我们召开全市科技创新大会，同院士专家座谈，共商创新发展大计。"]
    text = json.dumps(data, ensure_ascii=False)
    for furniture in ("字体", "大中小", "分享", "发表时间", "_东江新闻网"):
        assert furniture not in text


def test_work_report_named_by_file_takes_the_page_title():
    data = outline_json("2026_东江省_政府工作报告.txt")
    assert facts(data) == {
        "title": "2026年东江省政府工作报告", "doc_type": "report", "date": "2026-01-16",
        "speaker": "省长 林远山", "meeting": "东江省第十四届人民代表大会第四次会议", "salutation": "各位代表"}
    one, two = data["sections"]
    assert [c["marker"] + c["heading"] for c in one["children"]] == [
        "（一）扩大有效需求", "（二）壮大实体经济", "（三）增进民生福祉", "（四）深化改革开放",
        "（五）加强生态保护", "（六）统筹发展和安全", "（七）加强政府自身建设"]
    assert [c["marker"] for c in two["children"]] == ["（一）", "（二）"]
    assert data["meta"]["source"] == "东江日报"


def test_date_and_meeting_line_without_the_dash_and_a_city_post():
    data = outline_json("westridge_report.txt")
    assert facts(data) == {
        "title": "2026年西岭市政府工作报告", "doc_type": "report", "date": "2026-01-14",
        "speaker": "西岭市市长 陈和平", "meeting": "西岭市第十七届人民代表大会第五次会议",
        "salutation": "各位代表"}
    assert [s["heading"] for s in data["sections"]] == ["过去一年的工作", "今年的主要任务"]


def test_byline_prefix_before_an_at_title():
    data = outline_json("meeting_speech.txt")
    assert facts(data) == {
        "title": "在会见全市优秀青年代表时的讲话", "doc_type": "speech", "date": "2025-05-04",
        "speaker": "赵立新", "meeting": "会见全市优秀青年代表", "salutation": "青年朋友们，同志们"}


@pytest.mark.parametrize("salutation", [
    "同志们", "各位代表", "各位委员", "同志们、朋友们", "同志们，朋友们", "青年朋友们，同志们",
    "各位老师、同学们", "各位院士，同志们，朋友们"])
@pytest.mark.parametrize("comma", ["，", ","], ids=["full", "half"])
def test_salutations_in_either_width(salutation, comma):
    written = salutation.replace("，", comma) + ("：" if comma == "，" else ":")
    raw = clean_document(RawDocument("s.txt", tuple(Block(t) for t in [
        "在全市工作会议上的讲话", written, "今天召开会议。", "一、提高认识", "要统一思想。"])))
    doc = parse_structure(raw)
    assert doc.salutation == salutation
    assert doc.doc_type == "speech"


def test_a_breadcrumb_is_never_the_salutation():
    for crumb in ("您的位置：", "您的位置：首页 > 要闻", "当前位置：首页"):
        doc = parse_text_blocks(["关于做好防汛工作的通知", crumb, "现将有关事项通知如下。"])
        assert doc.salutation is None


def test_speaker_prefix_with_colon_and_site_suffix():
    doc = parse_text_blocks(["钱晓东：在全区营商环境大会上的讲话_西岭新闻网", "（2025年3月3日）", "同志们：",
                             "今天召开大会。"])
    assert (doc.title, doc.speaker, doc.date, doc.meeting) == (
        "在全区营商环境大会上的讲话", "钱晓东", "2025-03-03", "全区营商环境大会")


def test_no_title_block_keeps_the_first_line_as_title():
    doc = parse_text_blocks(["全省防汛工作总结", "今年汛期，全省降雨偏多。", "——这是难忘的一年。"])
    assert doc.title == "全省防汛工作总结" and doc.byline is None


@pytest.mark.parametrize("lines", [
    ["第一，抓学习。学习要经常。", "第二，抓落实。"],
    ["首先，抓学习。", "其次，抓落实。", "最后，抓考核。"],
], ids=["ordinal", "ordered-words"])
def test_run_in_parts_need_paragraph_starts_and_no_headings(lines):
    doc = parse_text_blocks(["在全区会议上的讲话", "同志们：", "今天开个短会。"] + lines)
    assert [s.level for s in doc.sections] == [1] * len(lines)
    with_headings = parse_text_blocks(["在全区会议上的讲话", "同志们：", "一、总体要求"] + lines)
    assert [s.marker for s in with_headings.sections] == ["一、"]


def test_an_opening_word_alone_is_no_series():
    doc = parse_text_blocks(["在全区会议上的讲话", "同志们：", "首先，向大家问好！", "今天开个短会。",
                             "第一，抓学习。"])
    assert doc.sections == ()


REAL = next((p / "shared" / "corpus" / "real" for p in Path(__file__).resolve().parents[3:5]
             if (p / "shared" / "corpus" / "real").is_dir()), None)


def test_real_reports_and_speeches_have_their_head_facts():
    if REAL is None:
        pytest.skip("../shared/corpus/real 不在，跳过真实语料测试")
    from kb.parse import load_document
    for path in sorted((REAL / "work-report").glob("*.txt")):
        doc = load_document(path)
        assert len(doc.date or "") == 10 and doc.speaker and doc.meeting, path.name
        assert doc.salutation == "各位代表", path.name
    for path in sorted((REAL / "speech").glob("*.txt")):
        doc = load_document(path)
        assert doc.doc_type == "speech" and len(doc.date or "") == 10, path.name
        assert not doc.title[:4].isdigit() and "全文" not in doc.title, path.name


def test_regulation_headings_keep_their_space_and_notes_give_the_date():
    data = outline_json("regulation.md")
    assert (data["title"], data["doc_type"], data["date"]) == ("东江省社区服务条例", "regulation", "2021-09-28")
    assert [(s["marker"], s["heading"]) for s in data["sections"]] == [("第一章", "总则"), ("第二章", "服务内容")]
    result = CliRunner().invoke(cli, ["outline", str(SHAPES / "regulation.md")])
    assert "  第一章 总则" in result.stdout.splitlines()
    assert "    第一节 基本服务" in result.stdout.splitlines()
    from kb.parse import load_document
    doc = load_document(SHAPES / "regulation.md")
    # the adoption and amendment notes ran into one paragraph: each is its own line now
    assert doc.byline.split("\n") == [
        "2018年3月30日东江省第十三届人民代表大会常务委员会第二次会议通过",
        "根据2021年9月28日东江省第十三届人民代表大会常务委员会第二十六次会议"
        "《关于修改〈东江省社区服务条例〉的决定》修正"]


def test_a_promulgation_note_gives_date_and_issuer():
    data = outline_json("guideline.txt")
    assert (data["date"], data["meta"]["issuer"], data["meta"]["date"]) == (
        "2022-02-25", "中共东江省委、东江省人民政府", "2022-02-25")
    assert [s["marker"] for s in data["sections"]] == ["第一条", "第二条"]


def test_articles_and_run_in_headings_read_as_one_line_in_passages():
    from kb.parse import load_document
    from kb.passages import document_passages
    texts = [p.text for p in document_passages(load_document(SHAPES / "regulation.md"), "x")]
    assert "第一条 为了规范社区服务，提升社区服务水平，根据有关法律、行政法规，结合本省实际，制定本条例。" in texts
    assert "第四条 社区服务站点应当公开服务事项。" in texts
    report = document_passages(load_document(SHAPES / "2026_东江省_政府工作报告.txt"), "y")
    body = [p for p in report if p.role == "body"]
    assert "2.便民服务方面。改造提升户外劳动者服务站点一百二十个。" in [p.text for p in body]
    # the heading stays in the 标题库 as it was
    assert "便民服务方面" in [p.text for p in report if p.role == "heading"]


def test_outline_lists_run_in_parts_even_without_points():
    for flag in ([], ["--no-points"]):
        result = CliRunner().invoke(cli, ["outline", *flag, str(SHAPES / "theme_speech.txt")])
        lines = result.stdout.splitlines()
        assert lines[3:6] == ["  （开头 2 段）", "  第一，做有理想信念的好老师。", "  第二，做有道德情操的好老师。"]


def test_furniture_cleaning_keeps_look_alike_content():
    lines = ["关于开展节水宣传周活动的通知", "一、活动时间", "时间：2024年3月22日至28日", "感谢新闻界的记者朋友们",
             "三、视察情况", "首页设计要简洁", "2024年3月15日"]
    cleaned = clean_document(RawDocument("n.txt", tuple(Block(t) for t in lines)))
    assert [b.text for b in cleaned.blocks] == lines
    assert "published" not in cleaned.meta and "source" not in cleaned.meta


@pytest.mark.parametrize("line, meta", [
    ("2013-05-06 | 来源：东江政府网 |【大 中 小】【打印】【关闭】", {"source": "东江政府网", "published": "2013-05-06"}),
    ("发表时间：2014-09-10　来源：新华社", {"source": "新华社", "published": "2014-09-10"}),
    ("2026年02月10日 07时41分", {"published": "2026年02月10日 07时41分"}),
    ("新华社东江9月9日电", {"dateline": "新华社东江9月9日电"}),
    ("您的位置: 首页 > 东江要闻", {}),
    ("【字体：大 中 小】", {}),
    ("分享：", {}),
    ("某某作报告。新东江·东江日报记者 张某某", {}),
], ids=["widgets", "published", "time", "dateline", "breadcrumb", "font", "share", "caption"])
def test_furniture_lines_leave_the_text(line, meta):
    cleaned = clean_document(RawDocument("n.txt", tuple(Block(t) for t in ["标题", line, "正文。"])))
    assert [b.text for b in cleaned.blocks] == ["标题", "正文。"]
    assert cleaned.meta == meta


def test_a_widget_spread_over_lines_and_a_source_on_the_next_line():
    lines = ["标题", "【字体：", "大", "中", "小", "】", "来源:", "东江日报", "正文。"]
    cleaned = clean_document(RawDocument("n.txt", tuple(Block(t) for t in lines)))
    assert [b.text for b in cleaned.blocks] == ["标题", "正文。"]
    assert cleaned.meta == {"source": "东江日报"}


def test_a_dateline_before_the_text_is_metadata():
    cleaned = clean_document(RawDocument("n.txt", tuple(Block(t) for t in [
        "标题", "新华社东江9月9日电　（记者某某）今天上午，会议召开。"])))
    assert [b.text for b in cleaned.blocks] == ["标题", "今天上午，会议召开。"]
    assert cleaned.meta["dateline"] == "新华社东江9月9日电　（记者某某）"


def test_a_prefixed_headline_that_is_the_title():
    doc = parse_text_blocks(["周明远：为建设创新型城市而奋斗", "——在全市科技创新大会上的讲话", "（2025年5月30日）",
                             "周明远", "同志们：", "今天召开大会。"])
    assert (doc.title, doc.speaker, doc.date, doc.meeting, doc.doc_type, doc.salutation) == (
        "为建设创新型城市而奋斗", "周明远", "2025-05-30", "全市科技创新大会", "speech", "同志们")
    # without a title block a colon is part of the title
    assert parse_text_blocks(["问题：如何建设创新型城市", "正文。"]).title == "问题：如何建设创新型城市"


def test_level_two_markers_with_mixed_brackets_are_not_missed():
    lines = ["2026年西岭市政府工作报告", "各位代表：", "现在作报告。", "一、过去一年的工作", "（一）稳增长。增长较快。",
             "(二)促改革。改革深化。", "（三)惠民生。", "1.就业方面。就业稳定。", "2.便民服务方面。服务提升。",
             "(四）强生态。", "（ 五 ）保安全。", "(六)抓作风。", "（七）重实干。", "二、今年的任务", "（一）抓项目。"]
    doc = parse_structure(clean_document(RawDocument("r.txt", tuple(Block(t) for t in lines))))
    one, two = doc.sections
    assert [c.marker + c.heading for c in one.children] == [
        "（一）稳增长", "（二）促改革", "（三）惠民生", "（四）强生态", "（五）保安全", "（六）抓作风", "（七）重实干"]
    assert [c.marker for c in two.children] == ["（一）"]
