"""Structure recovery on our own texts, on the scraped seed and on real documents."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kb.cleaning import clean_document, clean_text
from kb.model import Block, RawDocument
from kb.structure import (classify, cn_number, document_text, iso_date, parse_structure,
                          parse_text_blocks)

# ../shared/corpus beside the clone (or beside the worktrees folder of a worktree)
SHARED = next((p / "shared" / "corpus" for p in Path(__file__).resolve().parents[3:5]
               if (p / "shared" / "corpus").is_dir()), Path(__file__).resolve().parents[3] / "shared" / "corpus")
SEED = SHARED / "seed" / "000_a918a184e0497794.txt"
REAL = SHARED / "real"

SPEECH = [
    "在×区社区治理工作推进会上的讲话",
    "（2025年4月8日）",
    "同志们：",
    "今天召开全区社区治理工作推进会，目的是盘点前段工作、部署下步任务。下面，我讲三点意见。",
    "一、统一思想，提高认识",
    "社区是城市治理的末梢。一是认清形势。治理任务越来越重。二是把握要求。要把服务做到家门口。",
    "二、聚焦重点，狠抓落实",
    "（一）健全网格体系。要按照“1+4”模式划细网格。",
    "一要摸清底数。做到户户见面。二要建强队伍。每个网格配齐网格员。",
    "（二）完善议事机制。推行村（社区）协商议事会，每季度至少召开一次。",
    "三、压实责任，强化保障",
    "第一，落实一岗双责。第二，加强督查考核。第三，强化经费保障。",
    "同志们，社区治理事关群众切身利益，让我们拿出更实举措，推动各项任务落地见效！",
]


def outline(doc):
    def walk(sections):
        return [(s.kind, s.level, s.marker, s.heading, walk(s.children)) for s in sections]
    return walk(doc.sections)


def test_speech_outline_is_recovered_exactly():
    doc = parse_text_blocks(SPEECH)
    assert doc.title == "在×区社区治理工作推进会上的讲话"
    assert doc.doc_type == "speech"
    assert doc.meeting == "×区社区治理工作推进会"
    assert doc.date == "2025-04-08"
    assert doc.byline == "（2025年4月8日）"
    assert doc.salutation == "同志们"
    assert doc.opening[-1].endswith("我讲三点意见。")
    assert outline(doc) == [
        ("heading", 1, "一、", "统一思想，提高认识", [
            ("point", 2, "一是", "认清形势", []),
            ("point", 2, "二是", "把握要求", []),
        ]),
        ("heading", 1, "二、", "聚焦重点，狠抓落实", [
            ("heading", 2, "（一）", "健全网格体系", [
                ("point", 3, "一要", "摸清底数", []),
                ("point", 3, "二要", "建强队伍", []),
            ]),
            ("heading", 2, "（二）", "完善议事机制", []),
        ]),
        ("heading", 1, "三、", "压实责任，强化保障", [
            ("point", 2, "第一，", "落实一岗双责", []),
            ("point", 2, "第二，", "加强督查考核", []),
            ("point", 2, "第三，", "强化经费保障", []),
        ]),
    ]
    first = doc.sections[0]
    assert first.paragraphs == ("社区是城市治理的末梢。",)
    assert first.children[0].paragraphs == ("治理任务越来越重。",)
    sub = doc.sections[1].children[0]
    assert sub.inline and sub.paragraphs == ("要按照“1+4”模式划细网格。",)
    assert doc.closing == (SPEECH[-1],)


def test_look_alikes_do_not_split():
    doc = parse_text_blocks([
        "关于做好冬季安全生产工作的通知",
        "各镇（街道）：",
        "要统一思想、提高认识，一刻钟内响应。第一次检查在一季度完成，“1+4”模式不变，2025年3月1日前报送。"
        "唯一是指标，一要素不全也不行。",
    ])
    assert doc.doc_type == "notice"
    assert doc.sections == ()
    assert doc.opening == (
        "要统一思想、提高认识，一刻钟内响应。第一次检查在一季度完成，“1+4”模式不变，2025年3月1日前报送。"
        "唯一是指标，一要素不全也不行。",)


def test_numbering_out_of_sequence_stays_text():
    doc = parse_text_blocks(["×局工作要点", "一、总体要求", "正文。", "三、这一行不是标题。", "二、主要任务"])
    assert [s.marker for s in doc.sections] == ["一、", "二、"]
    assert doc.sections[0].paragraphs == ("正文。", "三、这一行不是标题。")


def test_work_plan_with_signature_and_attachment():
    doc = parse_text_blocks([
        "×区关于推进老旧小区改造的工作方案",
        "为加快老旧小区改造，制定本方案。",
        "一、总体要求", "坚持群众自愿。",
        "二、实施步骤",
        "（一）动员部署阶段（2025年3月—4月）。完成摸底。",
        "（二）组织实施阶段（2025年5月—10月）。全面施工。",
        "附件：改造项目清单",
        "×区住房和城乡建设局",
        "2025年2月20日",
        "附件",
        "改造项目清单",
        "一、第一批项目",
        "包括×小区等5个小区。",
    ])
    assert doc.doc_type == "work_plan"
    assert [s.heading for s in doc.sections] == ["总体要求", "实施步骤"]
    assert [c.heading for c in doc.sections[1].children] == [
        "动员部署阶段（2025年3月—4月）", "组织实施阶段（2025年5月—10月）"]
    assert doc.signature == ("附件：改造项目清单", "×区住房和城乡建设局", "2025年2月20日")
    assert doc.date == "2025-02-20"
    assert len(doc.attachments) == 1
    attachment = doc.attachments[0]
    assert attachment.title == "改造项目清单"
    assert [s.marker + s.heading for s in attachment.sections] == ["一、第一批项目"]


def test_regulation_articles():
    doc = parse_text_blocks([
        "×市物业管理条例", "第一章 总则", "第一条 为了规范物业管理，制定本条例。",
        "第二条 本条例适用于本市行政区域。", "第二章 业主", "第三条 业主享有下列权利：",
        "（一）按照合同接受服务；", "（二）提出建议。",
    ])
    assert doc.doc_type == "regulation"
    assert [(s.marker, s.heading) for s in doc.sections] == [("第一章", "总则"), ("第二章", "业主")]
    article = doc.sections[1].children[0]
    assert article.marker == "第三条" and article.level == 2
    assert article.paragraphs == ("业主享有下列权利：", "（一）按照合同接受服务；", "（二）提出建议。")


def test_markdown_level_hints_without_markers():
    raw = RawDocument("x.md", (Block("年度工作要点", level=0, is_title=True), Block("总体思路", level=1),
                               Block("正文一。"), Block("具体安排", level=2), Block("正文二。")))
    doc = parse_structure(raw)
    assert outline(doc) == [("heading", 1, "", "总体思路", [("heading", 2, "", "具体安排", [])])]


@pytest.mark.parametrize("title, expected", [
    ("在全市安全生产工作会议上的讲话", "speech"),
    ("关于《×市条例（草案）》的说明", "speech"),
    ("2026年×市政府工作报告", "report"),
    ("×县2025年教育工作总结", "report"),
    ("国务院办公厅关于印发×试点方案的通知", "work_plan"),
    ("关于加强社区治理的实施意见", "opinion"),
    ("×市物业管理条例", "regulation"),
    ("关于做好防汛工作的通知", "notice"),
    ("随笔", "other"),
], ids=lambda v: v if len(v) < 12 else None)
def test_classify(title, expected):
    assert classify(title) == expected


def test_numbers_and_dates():
    assert [cn_number(x) for x in ("一", "十", "十一", "二十三", "九十九")] == [1, 10, 11, 23, 99]
    assert iso_date("2020年05月07日") == "2020-05-07"
    assert iso_date("二〇二五年十二月三十一日") == "2025-12-31"
    assert iso_date("2024年3月") == "2024-03"
    assert iso_date("没有日期") is None


def test_cleaning_is_idempotent_on_clean_text():
    for line in SPEECH:
        assert clean_text(line) == line


def test_cleaning_normalises_half_width_punctuation():
    assert clean_text("同志们:今天(上午)开会,研究村(社区)治理;好!") == "同志们：今天（上午）开会，研究村（社区）治理；好！"
    assert clean_text("时间 10:30, 比例 37.5%, 网址 http://a.cn/x?y=1") == \
        "时间 10:30，比例 37.5%，网址 http://a.cn/x?y=1"
    assert clean_text("按 GB/T 9704-2012 (2012年版) 执行") == "按 GB/T 9704-2012（2012年版）执行"


def test_portal_noise_becomes_metadata():
    raw = RawDocument("r.txt", tuple(Block(t) for t in [
        "下载", "打印", "【字号：", "加大", "】", "2026年×市政府工作报告", "来源：×日报", "时间：2026-02-02",
        "×市市长 ×××", "×××同志作政府工作报告。本报记者 ××× 摄", "各位代表：", "现在我作报告。",
        "【字号】【打印】【关闭】"]))
    cleaned = clean_document(raw)
    assert [b.text for b in cleaned.blocks] == [
        "2026年×市政府工作报告", "×市市长 ×××", "各位代表：", "现在我作报告。"]
    assert cleaned.meta["source"] == "×日报"
    doc = parse_structure(cleaned)
    assert doc.doc_type == "report" and doc.salutation == "各位代表"
    assert doc.speaker == "×市市长 ×××"
    assert doc.meta.source == "×日报"


# -- the scraped seed ---------------------------------------------------------

@pytest.fixture(scope="module")
def seed_doc():
    if not SEED.exists():
        pytest.skip("../shared/corpus 不在（用户的克隆里没有），跳过真实语料测试")
    from kb.parse import load_document
    return load_document(SEED)


def test_seed_outline(seed_doc):
    doc = seed_doc
    assert doc.doc_type == "speech"
    assert re.fullmatch(r"(2020年)?在全市城市基层党建工作座谈会上的讲话", doc.title)
    assert doc.meeting == "全市城市基层党建工作座谈会"
    assert doc.salutation == "同志们"
    assert doc.opening[-1].endswith("我讲三点意见。")
    assert [s.heading for s in doc.sections] == [
        "统一思想、提高认识，坚持党建引领下的基层治理创新",
        "突出重点、把握关键，推动城市基层党建工作重点任务精准落地",
        "夯实责任、扛起担当，确保城市基层党建工作重点任务取得实效",
    ]
    one, two, three = doc.sections
    assert [c.heading for c in two.children] == [
        "夯实基层基础，增强基层组织力", "强化政治引领，提升组织号召力", "建强基层堡垒，增强组织凝聚力"]
    assert all(c.kind == "heading" and c.level == 2 for c in two.children)
    assert [p.heading for p in one.children] == [
        "统一思想认识，强化责任担当", "聚焦主责主业，提升服务水平", "健全相关制度，激发党建活力"]
    assert [p.heading for p in two.children[0].children] == [
        "推进硬件标准化", "推进活动规范化", "推进决策科学化", "推进服务最优化", "推进保障实效化"]
    assert [len(c.children) for c in two.children] == [5, 3, 3]
    assert [p.marker for p in three.children] == ["一要", "二要", "三要", "四要", "五要"]
    assert three.children[0].heading == "靠“头雁”来引领"
    assert three.children[-1].heading == "靠合力来推动"
    assert all(p.kind == "point" for s in (one, three) for p in s.children)
    assert len(doc.closing) == 1
    assert doc.closing[0].startswith("同志们，求木之长者")
    assert doc.closing[0].endswith("提供坚强的组织保障！")


def test_seed_has_no_site_noise(seed_doc):
    text = json.dumps(seed_doc.to_json(), ensure_ascii=False)
    for noise in ("发布 |", "KB", "8页", "申明敬告", "文档介绍", "范文稿", "查看更多", "4120字"):
        assert noise not in text
    # the half-width punctuation of the scrape is normalised
    body = "".join(document_text(seed_doc))
    for mark in ",:;!?()":
        assert mark not in body


# -- real documents -----------------------------------------------------------

def _expected():
    if not (REAL / "expected.json").exists():
        return []
    return json.loads((REAL / "expected.json").read_text(encoding="utf-8"))


def _headings(doc, level_re):
    found = []
    sections = list(doc.walk())
    for attachment in doc.attachments:
        for top in attachment.sections:
            sections.extend(top.walk())
    for section in sections:
        if section.kind == "heading" and re.fullmatch(level_re, section.marker):
            found.append(section.marker + section.heading)
    return found


def _norm(heading):
    return re.sub(r"[。；，：！]+$", "", heading.replace(" ", ""))


@pytest.mark.parametrize("entry", _expected() or [None], ids=lambda e: e["file"] if e else "absent")
def test_real_documents(entry):
    if entry is None:
        pytest.skip("../shared/corpus/real 不在，跳过")
    from kb.parse import load_document
    doc = load_document(REAL / entry["file"])
    assert entry["title_contains"].replace(" ", "") in doc.title.replace(" ", "")
    l1 = entry["l1"]
    if entry["file"].startswith("regulation/关于职工全年"):
        # expected.json misses this 通知's "## 一、" headings and files it under regulations;
        # its title says notice (see the closing note).
        assert doc.doc_type in entry["doc_type"] + ["notice"]
        l1 = ["一、制度工作时间的计算", "二、日工资、小时工资的折算"]
    else:
        assert doc.doc_type in entry["doc_type"]
    assert [_norm(h) for h in _headings(doc, r"[一二三四五六七八九十]+、")] == [_norm(h) for h in l1]
    if entry["category"] != "regulation":
        assert [_norm(h) for h in _headings(doc, r"（[一二三四五六七八九十]+）")] == \
            [_norm(h) for h in entry["l2"]]
    meta = entry.get("meta") or {}
    if meta:
        assert doc.meta.doc_number == meta["发文字号"]
        assert doc.meta.issuer == meta["发文机关"]
        assert doc.meta.date == iso_date(meta["成文日期"])


# -- property: nothing is lost ------------------------------------------------

def _squeeze(text):
    return re.sub(r"[\s。]", "", text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=12))
def test_parse_never_raises_and_keeps_every_character(lines):
    raw = RawDocument("<x>", tuple(Block(t) for t in lines))
    cleaned = clean_document(raw)
    doc = parse_structure(cleaned)
    source = "".join(b.text for b in cleaned.blocks)
    rebuilt = "".join(document_text(doc))
    if doc.title and cleaned.blocks and not cleaned.blocks[0].text.startswith(doc.title[:1]):
        rebuilt = rebuilt[len(doc.title):]
    assert _squeeze(rebuilt) == _squeeze(source)


_GENRE = st.sampled_from(["一、", "二、", "（一）", "（二）", "1.", "2.", "一是", "二是", "第一，", "第二，", "同志们，",
                          "同志们：", "。", "，", "统一思想、", "一刻钟", "2025年3月1日", "附件", "“1+4”", " ",
                          "加强", "基层党建", "工作", "！", "\n", "(一)", ",", ":"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_GENRE, max_size=20).map("".join), min_size=1, max_size=15))
def test_genre_like_text_keeps_every_character(lines):
    raw = RawDocument("<x>", tuple(Block(t) for t in lines))
    cleaned = clean_document(raw)
    doc = parse_structure(cleaned)
    source = "".join(b.text for b in cleaned.blocks)
    rebuilt = "".join(document_text(doc))
    assert _squeeze(rebuilt) == _squeeze(source)


def test_a_summary_after_the_points_belongs_to_the_part():
    doc = parse_text_blocks([
        "在×区工作会议上的讲话", "同志们：", "下面，我讲两点意见。",
        "一、提高认识", "一是认清形势。形势逼人。", "二是把握要求。要求明确。",
        "全区各级要把思想统一到区委部署上来。",
        "二、狠抓落实", "一是压实责任。二是强化督查。", "督查结果要通报。",
        "同志们，让我们共同努力！",
    ])
    first, second = doc.sections
    assert [p.paragraphs for p in first.children] == [("形势逼人。",), ("要求明确。",)]
    assert first.after == ("全区各级要把思想统一到区委部署上来。",)
    assert second.after == ("督查结果要通报。",)
    assert first.to_json()["paragraphs"] == ["全区各级要把思想统一到区委部署上来。"]
    lines = document_text(doc)
    assert lines.index("全区各级要把思想统一到区委部署上来。") == lines.index("二是把握要求。") + 2


def test_a_point_that_runs_on_keeps_its_paragraphs():
    doc = parse_text_blocks([
        "×局工作要点", "一、重点工作", "一是抓学习。", "学习要经常。", "二是抓落实。", "落实要到位。"])
    points = doc.sections[0].children
    assert [p.paragraphs for p in points] == [("学习要经常。",), ("落实要到位。",)]
    assert doc.sections[0].after == ()
