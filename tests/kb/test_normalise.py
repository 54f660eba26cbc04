"""Search normalises queries as it normalised passages: width, brackets of document numbers, %."""

import random
from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st

from kb.cleaning import normalise
from kb.errors import QueryError
from kb.knowledge_base import KnowledgeBase
from kb.model import Document, Section

SHAPES = Path(__file__).resolve().parent.parent / "data" / "shapes"

#: Characters that normalisation touches, and the Chinese around them.
ALPHABET = list("国发号年增长同志们各位老师学党建网格") + list("0123456789０１２３４５６７８９") + \
    list("ABGDPXＡＢＧＤＰＸ") + list(",，:：%％+＋.．[]［］〔〕()（）")


def _passages(seed=7, count=160):
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        texts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(4, 24))))
    return texts


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    base = KnowledgeBase.open(tmp_path_factory.mktemp("normalise") / "kb")
    texts = _passages()
    sections = tuple(Section("heading", 1, f"{n}.", "", (text,)) for n, text in enumerate(texts, 1))
    base.add_document(Document(title="检索规范化测试", sections=sections), "/normalise.txt")
    base.ingest([SHAPES / "2026_东江省_政府工作报告.txt", SHAPES / "theme_speech.txt"])
    yield base
    base.close()


@pytest.fixture(scope="module")
def stored(kb):
    return {(p.doc_id, p.ordinal): p.text for info in kb.documents() for p in kb.passages(info.doc_id)}


def _hits(kb, query):
    return sorted((h.doc_id, h.ordinal) for h in kb.search(f'"{query}"', limit=None))


@settings(max_examples=150, deadline=None)
@given(query=st.text(alphabet=ALPHABET, min_size=2, max_size=5))
def test_a_passage_is_a_hit_exactly_when_its_normal_form_holds_the_query_s(kb, stored, query):
    wanted = normalise(query)
    expected = sorted(key for key, text in stored.items() if wanted in normalise(text))
    try:
        found = _hits(kb, query)
    except QueryError:
        assert len(wanted) < 2
        return
    assert found == expected
    assert kb.count(f'"{query}"') == len(expected)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=ALPHABET + list(" 中文"), max_size=30))
@example(text="(),〔")  # the comma turns full width, then the brackets beside it
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@pytest.mark.parametrize("pasted, written", [
    ("各位老师,同学们", "各位老师，同学们"),
    ("5.5％", "5.5%"),
    ("１＋Ｘ", "1+X"),
    ("ＧＤＰ", "GDP"),
    ("国发[2025]9号", "国发〔2025〕9号"),
    ("国发［2025］9号", "国发〔2025〕9号"),
], ids=["comma", "percent", "plus", "letters", "brackets", "wide-brackets"])
def test_each_pasted_form_finds_what_the_written_form_finds(kb, pasted, written):
    assert normalise(pasted) == normalise(written)
    hits = kb.search(pasted, limit=None)
    assert hits, pasted
    assert [(h.doc_id, h.ordinal) for h in hits] == [(h.doc_id, h.ordinal) for h in kb.search(written, limit=None)]


def test_pasted_forms_find_the_fixture_lines(kb):
    assert kb.count("各位老师,同学们") == 1
    assert kb.count("5.5％") == kb.count("5.5%") == 2
    assert kb.count("１＋Ｘ") == 1 and kb.count("ＧＤＰ") == 1
    assert kb.count("国发[2025]9号") == kb.count("国发〔2025〕9号") == 1


def test_a_phrase_across_a_run_in_heading_and_its_body_is_found(kb):
    hits = kb.search("便民服务方面。改造提升", limit=None)
    assert [h.text for h in hits] == ["2.便民服务方面。改造提升户外劳动者服务站点一百二十个。"]
    assert hits[0].role == "body" and hits[0].section_path[-1] == "2.便民服务方面"
