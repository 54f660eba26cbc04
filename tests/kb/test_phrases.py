"""提法 extraction and the phrase library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kb.errors import QueryError, ReadError
from kb.model import Passage
from kb.phrases import (Phrase, PhraseLibrary, PhraseMatch, example_context, extract_phrases,
                        is_numbered, user_words)

ROOT = Path(__file__).resolve().parents[2]
SEED = Path("/work/shared/corpus/seed/000_a918a184e0497794.txt")


def texts(sentence: str, kind: str | None = None) -> list[str]:
    return [m.text for m in extract_phrases(sentence) if kind is None or m.kind == kind]


# ---------------------------------------------------------------- numbered formulations

@pytest.mark.parametrize("sentence, expected", [
    ("全面实施“五大工程”，推动发展。", ["五大工程"]),
    ("持续推进五大工程建设。", ["五大工程"]),
    ("依托“八大优势”，打响“八张名片”。", ["八大优势", "八张名片"]),
    ("实施村（社区）、社会组织、社会工作“三社联动”。", ["三社联动"]),
    ("推行“一征三议两公开”工作法。", ["一征三议两公开"]),
    ("深化“一村一品”特色产业。", ["一村一品"]),
    ("培育一村一品特色产业。", ["一村一品"]),
    ("落实“三会一课”制度，严格三会一课记录。", ["三会一课", "三会一课"]),
    ("班子成员要履行一岗双责。", ["一岗双责"]),
    ("抓好“两新”组织党建。", ["两新"]),
    ("加强两新组织党建工作。", ["两新"]),
    ("推进“1+4”领域党建，构建“1+N”体系。", ["1+4", "1+N"]),
    ("学习贯彻党的十九大和二十大精神。", ["十九大", "二十大"]),
    ("贯彻十九届四中全会精神。", ["十九届四中全会"]),
    ("按照讲习所“六有”标准和“五项制度”。", ["六有", "五项制度"]),
    ("巩固“三集中”活动成果。", ["三集中"]),
    ("全面推行书记主任“一肩挑”。", ["一肩挑"]),
    ("强化全市一盘棋思想。", ["一盘棋"]),
    ("增强“四个意识”，做到“两个维护”。", ["四个意识", "两个维护"]),
    ("村两委班子运行平稳。", ["两委"]),
    ("严格执行四不两直暗查暗访。", ["四不两直"]),
    ("编制“十四五”规划，谋划十五五发展。", ["十四五", "十五五"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_numbered_formulations(sentence, expected):
    assert texts(sentence, "numbered") == expected


@pytest.mark.parametrize("sentence", [
    "下面，我讲三点意见。",
    "在全市擂响四季度战鼓的关键时期。",
    "一季度组织一次观摩活动，半年组织一次示范观摩。",
    "一年来，全市上下做了大量工作。",
    "用两个月时间集中整治。",
    "从三个方面抓好落实。",
    "第一，提高认识。第二，压实责任。",
    "一是统一思想认识，二是聚焦主责主业。",
    "一些地方工作还有差距，要一定程度上改进。",
    "大家要一起努力，一直坚持，一切为了群众。",
    "培养一批骨干，一步一步推进，一线干部辛苦了。",
    "统一思想，唯一的标准是群众满意。",
    "2020年5月7日召开会议，十几个单位参加。",
    "把问题一项一项理清楚，一件一件办好。",
    "一心一意为人民服务，把一点一滴做好。",
    "抓好一大批项目，形成一大片示范区。",
    "按照三级联动的要求，采取四种方式。",
    "增长了三倍，完成了五成。",
], ids=lambda v: v)
def test_ordinary_counts_are_not_phrases(sentence):
    assert texts(sentence, "numbered") == []


def test_one_quarter_hour_alone_is_a_count_but_the_slogan_is_quoted():
    assert texts("步行一刻钟就能到。") == []
    found = extract_phrases("形成“一刻钟党建服务圈”。")
    assert [(m.text, m.kind) for m in found] == [("一刻钟党建服务圈", "quoted")]


@pytest.mark.parametrize("phrase, expected", [
    ("五大工程", True), ("1+4", True), ("两新", True), ("一征三议两公开", True), ("十九大", True),
    ("一刻钟党建服务圈", False), ("第一书记", False), ("三点意见", False), ("四季度", False),
    ("一线指挥员", False), ("一心一意", False), ("2020年", False), ("五", False),
])
def test_is_numbered(phrase, expected):
    assert is_numbered(phrase) is expected


# ---------------------------------------------------------------- quoted slogans and quotations

def test_quoted_slogans():
    sentence = "打造“邻里中心”，推行“以奖代补”，落实“抓党建、促治理、提能效”。"
    assert texts(sentence, "quoted") == ["邻里中心", "以奖代补", "抓党建、促治理、提能效"]


@pytest.mark.parametrize("sentence", [
    "他说“好”。",                                       # one character
    "材料中写道“这项工作进展顺利，成效明显”。",            # a whole sentence
    "形成“村（社区）党组织+网格党支部+楼栋党小组+党员中心户”体系。",  # longer than 16
    "型号为“ABC”。",                                     # no Chinese
])
def test_not_quoted_slogans(sentence):
    assert texts(sentence, "quoted") == []


@pytest.mark.parametrize("sentence, quoted", [
    ("总书记强调，“基层是党的执政根基，只有基层党组织坚强有力，党才有战斗力。”", True),
    ("会议指出：“要把群众满意作为标准。”", True),
    ("文件要求“应收尽收”。", True),
])
def test_quotations_after_emphasis(sentence, quoted):
    found = extract_phrases(sentence)
    assert [m.kind for m in found] == ["quotation"]
    assert found[0].text == re.search("“(.*)”", sentence).group(1)


def test_spans_point_at_the_phrase():
    sentence = "我市实施“五大工程”，推行一岗双责，形成“一刻钟党建服务圈”。"
    for match in extract_phrases(sentence):
        assert sentence[match.start:match.end] == match.text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="一二三四五六七八九十两双大个张项村品会课“”，。强调：党建社联动+14年季度意见", max_size=60))
def test_any_text_gives_consistent_spans(sentence):
    for match in extract_phrases(sentence):
        assert isinstance(match, PhraseMatch)
        assert sentence[match.start:match.end] == match.text
        assert match.kind in ("numbered", "quoted", "quotation")


# ---------------------------------------------------------------- the seed (real document)

MUST_FIND = ["五大工程", "三社联动", "一征三议两公开", "六有", "五项制度", "两新", "三集中", "1+4",
             "一村一品", "一肩挑", "一岗双责", "一盘棋", "八大优势", "八张名片",
             "一刻钟党建服务圈", "邻里中心", "以奖代补"]
MUST_NOT = ["三点意见", "四季度", "一季度", "一次", "一批", "第一", "一是", "统一", "三级联动"]


def _normalise(text: str) -> str:
    # The lead's cleaning normalises punctuation width; this is the part the seed needs.
    try:
        from kb.cleaning import clean_text
    except ImportError:
        table = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！"})
        return text.translate(table)
    return clean_text(text)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？])", _normalise(text.replace("\n", " "))) if s.strip()]


@pytest.fixture(scope="module")
def seed_library():
    if not SEED.is_file():
        pytest.skip("共享语料 /work/shared/corpus/seed 不存在")
    passages = [Passage(doc_id="seed", ordinal=i, text=s, role="body", title="城市基层党建讲话",
                        date="2020-10-15")
                for i, s in enumerate(_sentences(SEED.read_text(encoding="utf-8")))]
    return PhraseLibrary.build(passages)


def test_seed_phrases(seed_library):
    found = {p.text for p in seed_library.query()}
    assert [p for p in MUST_FIND if p not in found] == []
    assert [p for p in MUST_NOT if p in found] == []
    assert seed_library.get("五大工程").count == 2
    assert seed_library.get("两新").count == 3
    assert seed_library.get("一刻钟党建服务圈").kind == "quoted"
    assert seed_library.get("三社联动").kind == "numbered"
    quotations = seed_library.query(kind="quotation")
    assert len(quotations) == 1 and quotations[0].text.startswith("基层是党的执政根基")


def test_seed_precision(seed_library):
    # Every numbered phrase found in the seed is a real formulation of the genre.
    numbered = sorted(p.text for p in seed_library.query(kind="numbered"))
    assert numbered == sorted(["五大工程", "三社联动", "一征三议两公开", "六有", "五项制度", "两新",
                               "三集中", "1+4", "一村一品", "一肩挑", "一岗双责", "一盘棋",
                               "八大优势", "八张名片", "两委", "十九大", "三新"])


def test_seed_through_the_ingest_pipeline():
    # What `bigan phrases` sees after `bigan ingest`: read, clean, structure, passages.
    if not SEED.is_file():
        pytest.skip("共享语料 /work/shared/corpus/seed 不存在")
    from kb.parse import load_document
    from kb.passages import document_passages

    library = PhraseLibrary.build(document_passages(load_document(SEED), "seed"))
    found = {p.text for p in library.query()}
    assert [p for p in MUST_FIND if p not in found] == []
    assert [p for p in MUST_NOT if p in found] == []
    assert [p.text for p in library.query("三社")] == ["三社联动"]


# ---------------------------------------------------------------- our own starter corpus

# The numbered phrases of a sample of the starter corpus (speeches/), read by hand.
# 四个清单 is a formulation written without quotes, which the rules leave out on purpose
# (四个方面, 两个着力点 beside it are ordinary counts): a known miss.
STARTER_EXPECTED = {
    "speech/2024-03-12_基层党建_动员部署会.md": {
        "二十大", "五大工程", "两新", "两委", "三会一课", "三重一大", "一村一策", "四不两直", "一整了之"},
    "speech/2024-05-16_基层治理_座谈会.md": {"一网统管", "两新", "三社联动"},
    "speech/2025-01-16_安全生产_全体会议.md": {
        "一岗双责", "两客一危一货", "四不放过", "四个清单"},   # 一刀切 is an idiom, not a 提法
    "work_plan/2024-02-26_营商环境_工作方案.md": {"1+N", "一卡通", "一窗通办", "一站式", "二十大"},
    "work_plan/2025-02-20_基层治理_实施方案.md": {"一格一档", "一网统管", "二十大", "三社联动"},
}
STARTER_KNOWN_MISSES = {"四个清单"}


def _md_passages(path: Path, doc_id: str) -> list[Passage]:
    text = path.read_text(encoding="utf-8")
    body = text.split("---", 2)[2] if text.startswith("---") else text
    lines = [_normalise(line.lstrip("# ")) for line in body.splitlines() if line.strip()]
    return [Passage(doc_id=doc_id, ordinal=i, text=line, role="body") for i, line in enumerate(lines)]


def _starter_found(relative: str) -> set[str]:
    path = ROOT / "speeches" / relative
    if not path.is_file():
        pytest.skip(f"自带素材库中没有 {relative}")
    library = PhraseLibrary.build(_md_passages(path, relative))
    return {p.text for p in library.query(kind="numbered")}


@pytest.mark.parametrize("relative", sorted(STARTER_EXPECTED))
def test_starter_corpus_sample(relative):
    found = _starter_found(relative)
    expected = STARTER_EXPECTED[relative]
    assert expected - found <= STARTER_KNOWN_MISSES, f"missed {expected - found}"
    assert found <= expected, f"extra {found - expected}"


def test_starter_corpus_precision_and_recall():
    true_pos = false_pos = false_neg = 0
    for relative, expected in STARTER_EXPECTED.items():
        found = _starter_found(relative)
        true_pos += len(found & expected)
        false_pos += len(found - expected)
        false_neg += len(expected - found)
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    # Measured 2026-11: precision 1.00, recall 22/23 = 0.96 (numbered phrases, by document;
    # 一刀切 left the expected set when idioms stopped counting as 提法).
    assert precision == 1.0
    assert recall >= 0.95


# ---------------------------------------------------------------- the library

def _passages():
    return [
        Passage("a", 0, "全面实施“三社联动”，推进五大工程。", "body", title="甲讲话", date="2021-03-01"),
        Passage("a", 1, "深化三社联动机制。", "body", title="甲讲话", date="2021-03-01"),
        Passage("b", 0, "开展“三社联动”试点，打造“邻里中心”。", "body", title="乙方案", date="2022-06-01"),
        Passage("c", 0, "建设“邻里中心”。", "body", title="丙通知", date=None),
    ]


def test_library_counts_and_dates():
    library = PhraseLibrary.build(_passages())
    phrase = library.get("三社联动")
    assert (phrase.kind, phrase.count, phrase.doc_count) == ("numbered", 3, 2)
    assert (phrase.first_date, phrase.last_date) == ("2021-03-01", "2022-06-01")
    assert phrase.example == "全面实施“三社联动”，推进五大工程。"
    assert [o.doc_id for o in phrase.occurrences] == ["a", "a", "b"]
    assert library.get("邻里中心").last_date == "2022-06-01"
    assert library.count("五大工程") == 1 and library.count("三社联合") == 0


def test_query_filters_and_sorts():
    library = PhraseLibrary.build(_passages())
    assert [p.text for p in library.query()] == ["三社联动", "邻里中心", "五大工程"]
    assert [p.text for p in library.query("三社")] == ["三社联动"]
    assert [p.text for p in library.query(kind="quoted")] == ["邻里中心"]
    assert [p.text for p in library.query(min_count=2)] == ["三社联动", "邻里中心"]
    assert [p.text for p in library.query(sort="date")] == ["三社联动", "邻里中心", "五大工程"]
    assert library.query("不存在") == []


def test_query_rejects_unknown_options():
    library = PhraseLibrary.build(_passages())
    with pytest.raises(QueryError, match="排序"):
        library.query(sort="name")
    with pytest.raises(QueryError, match="类型"):
        library.query(kind="slogan")


def test_update_removes_and_adds():
    library = PhraseLibrary.build(_passages())
    library.update(["a"], [Passage("d", 0, "落实“一岗双责”。", "body", date="2023-01-01")])
    assert library.get("三社联动").count == 1
    assert "五大工程" not in library
    assert library.get("一岗双责").doc_count == 1


def test_dominant_forms():
    library = PhraseLibrary.build(_passages())
    assert [p.text for p in library.dominant_forms(min_count=3)] == ["三社联动"]
    assert [p.text for p in library.dominant_forms(min_count=2)] == ["三社联动", "邻里中心"]


def test_save_and_load_round_trip(tmp_path):
    library = PhraseLibrary.build(_passages())
    path = tmp_path / "kb" / "phrases.json"
    library.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["phrases.json"]
    loaded = PhraseLibrary.load(path)
    assert [p.to_json() for p in loaded.query()] == [p.to_json() for p in library.query()]
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_load_errors(tmp_path):
    with pytest.raises(ReadError, match="不存在"):
        PhraseLibrary.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReadError, match="reindex"):
        PhraseLibrary.load(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"version": 1, "phrases": [{"text": "x"}]}', encoding="utf-8")
    with pytest.raises(ReadError, match="损坏"):
        PhraseLibrary.load(wrong)


def test_phrase_json_shape():
    phrase = PhraseLibrary.build(_passages()).get("邻里中心")
    data = phrase.to_json()
    assert data["text"] == "邻里中心" and data["count"] == 2 and data["documents"] == 2
    assert data["first_date"] == data["last_date"] == "2022-06-01"
    assert data["occurrences"][1] == {"doc_id": "c", "ordinal": 0, "date": None, "title": "丙通知"}


def test_example_context_is_the_sentence_or_a_window():
    text = "第一句。全面实施“五大工程”，成效明显。第三句。"
    assert example_context(text, 9, 13) == "全面实施“五大工程”，成效明显。"
    long = "前" * 100 + "五大工程" + "后" * 100
    window = example_context(long, 100, 104)
    assert "五大工程" in window and window.startswith("…") and window.endswith("…")
    assert len(window) <= 84


def test_user_words(tmp_path):
    library = PhraseLibrary.build(_passages() + [
        Passage("e", 0, "会议强调，“要守住底线”。", "body")])
    words_txt = tmp_path / "words.txt"
    words_txt.write_text("# 我的词表\n网格员\n\n三社联动  # 已有\n红色物业\n", encoding="utf-8")
    assert user_words(library, words_txt) == ["三社联动", "五大工程", "邻里中心", "网格员", "红色物业"]
    assert user_words(library, tmp_path / "none.txt") == ["三社联动", "五大工程", "邻里中心"]
    assert user_words(None, words_txt) == ["网格员", "三社联动", "红色物业"]


def test_phrase_is_frozen():
    phrase = PhraseLibrary.build(_passages()).get("三社联动")
    assert isinstance(phrase, Phrase)
    with pytest.raises(AttributeError):
        phrase.text = "x"


def test_linkage_formulations_are_numbered_phrases():
    found = {m.text for m in extract_phrases("全面推行三社联动，深化三治融合，推动五社联动落地。") if m.kind == "numbered"}
    assert {"三社联动", "三治融合", "五社联动"} <= found
    look_alikes = {m.text for m in extract_phrases("第三社区联动机制，十三社团融合发展，三个部门联动。")}
    assert not {"三社联动", "三社团融合", "三个部门联动"} & look_alikes
