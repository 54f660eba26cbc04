"""`bigan phrases` keeps the 提法 of official writing: no idioms, counts of things or ordinary
words in quotes, and quotations recognised from their cues and their form."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.model import Passage
from kb.phrases import PhraseLibrary, extract_phrases, is_quotation, is_stop_phrase, stop_phrases

ROOT = Path(__file__).resolve().parents[2]
REAL = Path("/work/shared/corpus/real")
#: The junk of issue 15, seen in the library of the starter and real documents.
JUNK = ("四大发明", "十大考古", "六连冠", "两个10亿元", "一阵风", "一刀切",
        "应急", "人民", "传道", "面子", "马拉松", "阶下囚")


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.kind) for m in extract_phrases(text)]


def library_of(*texts: str) -> PhraseLibrary:
    return PhraseLibrary.build(Passage(f"d{i}", 0, text, "body") for i, text in enumerate(texts))


# ---------------------------------------------------------------- what is not a 提法

def test_the_stop_list_is_package_data():
    assert {"一阵风", "四大发明", "面子", "马拉松", "阶下囚"} <= stop_phrases()


@pytest.mark.parametrize("text", [
    "我国古代的四大发明影响深远。",
    "入选全国十大考古新发现。",
    "女排实现六连冠，乒乓球队获得“六连冠”。",
    "两个10亿元项目开工，实现“两个10亿元”突破。",
    "整改不能一阵风，也不能搞一刀切。",
    "防止简单化、“一刀切”。",
    "讲究“面子”，跑好“马拉松”，沦为“阶下囚”。",
    "二万五千里长征。",
    "实施十大重点项目和六大新兴产业。",
])
def test_junk_is_not_extracted(text):
    assert kinds(text) == []


@pytest.mark.parametrize("text, expected", [
    ("实施“五大工程”，推进五大工程建设。", [("五大工程", "numbered"), ("五大工程", "numbered")]),
    ("打好三大攻坚战。", [("三大攻坚战", "numbered")]),
    ("“四川云教”覆盖全省。", [("四川云教", "quoted")]),      # 四川 is a place, not a count
    ("落实“一岗双责”，推行“最多跑一次”。", [("一岗双责", "numbered"), ("最多跑一次", "quoted")]),
])
def test_formulations_are_still_extracted(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize("text, stop", [
    ("一刀切", True), ("有的放矢", True), ("四大发明", True), ("三个80%", True), ("18连增", True),
    ("世界500强", True), ("五大河流", True), ("五大工程", False), ("两个维护", False), ("放管服", False),
])
def test_stop_phrases(text, stop):
    assert is_stop_phrase(text, "numbered") is stop


def test_an_ordinary_word_quoted_once_is_dropped_but_a_repeated_metaphor_is_kept():
    library = library_of("要讲“面子”更要讲“里子”，抓住“牛鼻子”。",
                         "牵住“牛鼻子”，破解“卡脖子”难题。",
                         "牵住改革的“牛鼻子”。")
    assert "面子" not in library and "里子" not in library
    assert library.count("牛鼻子") == 3


def test_a_word_mostly_used_without_quotes_is_ordinary():
    # 应急 in quotes in one document, bare in many: an ordinary word.
    texts = ["健全“应急”体系。", "完善应急预案。", "加强应急管理。", "开展应急演练。", "应急物资储备。",
             "落实“双随机”监管。", "推行“双随机”抽查。"]
    library = library_of(*texts)
    assert "应急" not in library
    assert library.count("双随机") == 2


# ---------------------------------------------------------------- quotations

@pytest.mark.parametrize("text, quotation", [
    ("古人说：“非知之难，行之惟难。”知行合一，贵在行动。", "非知之难，行之惟难。"),
    ("正所谓“得众则得国，失众则失国”。", "得众则得国，失众则失国"),
    ("常言道：“磨刀不误砍柴工。”", "磨刀不误砍柴工。"),
    ("孔子说：“工欲善其事，必先利其器。”", "工欲善其事，必先利其器。"),
    ("“功崇惟志，业广惟勤。”我们要立志高远。", "功崇惟志，业广惟勤。"),
    ("“千磨万击还坚劲，任尔东西南北风。”这是一种定力。", "千磨万击还坚劲，任尔东西南北风。"),
    ("牢记“生于忧患，死于安乐”的古训。", "生于忧患，死于安乐"),
])
def test_quotations_from_cues_and_form(text, quotation):
    assert (quotation, "quotation") in kinds(text)


@pytest.mark.parametrize("text", [
    "实现“患者可阅，医院可查，医保可核”。",        # a slogan of parallel clauses
    "推行“一次告知、一表申请”。",
    "所谓“四风”，就是形式主义、官僚主义、享乐主义和奢靡之风。",
])
def test_slogans_are_not_quotations(text):
    assert all(kind != "quotation" for _, kind in kinds(text))


def test_is_quotation_by_form():
    assert is_quotation("求木之长者，必固其根本；欲流之远者，必浚其泉源")
    assert not is_quotation("宁肯少活20年，拼命也要拿下大油田")     # digits: a modern saying


# ---------------------------------------------------------------- the starter and real corpus

@pytest.fixture(scope="module")
def corpus_library():
    if not REAL.is_dir():
        pytest.skip("共享语料 /work/shared/corpus/real 不存在，跳过真实文档的提法检查")
    from kb.parse import load_document
    from kb.passages import document_passages
    from kb.readers import SUFFIXES

    passages = []
    for root in (ROOT / "speeches", REAL):
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in SUFFIXES and path.name != "README.md":
                passages += document_passages(load_document(path), str(path))
    return PhraseLibrary.build(passages)


def test_corpus_has_none_of_the_junk(corpus_library):
    texts = {phrase.text for phrase in corpus_library.query()}
    assert [junk for junk in JUNK if junk in texts] == []
    assert not any(text.startswith(("四大发明", "十大考古")) or "连冠" in text for text in texts)


def test_corpus_quotations(corpus_library):
    quotations = {phrase.text for phrase in corpus_library.query(kind="quotation")}
    # Measured 2026-11: 62 quotations (classical lines, verse, words of Marx, Mao, Deng …).
    assert len(quotations) >= 10
    assert {"求木之长者，必固其根本；欲流之远者，必浚其泉源", "非知之难，行之惟难。",
            "路漫漫其修远兮，吾将上下而求索。"} <= quotations


def test_corpus_keeps_the_formulations(corpus_library):
    for text in ("两个维护", "两个确立", "四个意识", "一带一路", "放管服", "枫桥经验", "五大工程"):
        assert corpus_library.count(text) >= 1, text
