"""Exact search against a substring scan, filters, ranking, topic search, query parsing."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import QueryError
from kb.knowledge_base import KnowledgeBase
from kb.model import Document, Section
from kb.search import Query, parse_query

CORPUS = Path(__file__).resolve().parent.parent / "data" / "kb" / "corpus"

PHRASES = ["村（社区）", "1+4", "“1+4”", "GB/T 9704", "GB/T", "一刻钟党建服务圈", "三社联动",
           "一征三议两公开", "网格员", "基层治理", "同志们", "。", "谢谢大家。", "9704—2012",
           "（一）", "不存在的提法"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    base = KnowledgeBase.open(tmp_path_factory.mktemp("search") / "kb")
    report = base.ingest([CORPUS])
    assert report.counts()["added"] == 10 and not report.failed
    yield base
    base.close()


@pytest.fixture(scope="module")
def passages(kb):
    return [p for info in kb.documents() for p in kb.passages(info.doc_id)]


def _keys(hits):
    return sorted((h.doc_id, h.ordinal) for h in hits)


def _scan(passages, include, exclude=(), keep=lambda p: True):
    return sorted((p.doc_id, p.ordinal) for p in passages
                  if all(t in p.text for t in include) and not any(t in p.text for t in exclude)
                  and keep(p))


def _exact_query(phrase):
    return f'"{phrase}"' if " " in phrase else phrase


@pytest.mark.parametrize("phrase", PHRASES, ids=PHRASES)
def test_exact_search_equals_substring_scan(kb, passages, phrase):
    if len(phrase) < 2:
        with pytest.raises(QueryError):
            kb.search(phrase)
        return
    hits = kb.search(_exact_query(phrase), limit=None)
    assert _keys(hits) == _scan(passages, [phrase])
    assert kb.count(_exact_query(phrase)) == len(hits)
    for hit in hits:
        assert hit.spans and all(hit.text[s.start:s.end] == phrase for s in hit.spans)


def test_known_phrase_counts(kb):
    assert kb.count("村（社区）") == 4
    assert kb.count('"GB/T 9704"') == 2
    assert kb.count("1+4") == 3
    assert kb.count("一刻钟党建服务圈") == 4


def test_terms_are_anded_and_minus_excludes(kb, passages):
    assert _keys(kb.search("网格 基层治理", limit=None)) == _scan(passages, ["网格", "基层治理"])
    assert _keys(kb.search("网格 -网格员", limit=None)) == _scan(passages, ["网格"], ["网格员"])
    assert kb.count("网格 -网格") == 0


def test_spans_cover_every_occurrence(kb):
    [hit] = kb.search("步行一刻钟")
    assert [(s.start, s.end) for s in hit.spans] == [(hit.text.index("步行一刻钟"),) * 1 + (hit.text.index("步行一刻钟") + 5,)]
    hits = kb.search("一刻钟", limit=None)
    both = [h for h in hits if h.text.count("一刻钟") == 2]
    assert both and all(len(h.spans) == 2 for h in both)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_property_exact_search_equals_substring_scan(kb, passages, data):
    passage = data.draw(st.sampled_from(passages))
    start = data.draw(st.integers(0, max(0, len(passage.text) - 2)))
    length = data.draw(st.integers(2, 12))
    phrase = passage.text[start:start + length]
    if len(phrase) < 2 or '"' in phrase or "“" in phrase or phrase.strip() != phrase or " " in phrase:
        phrase = phrase.replace('"', "").replace("“", "").replace(" ", "")
    if len(phrase) < 2 or phrase.startswith("-"):
        return
    assert _keys(kb.search(phrase, limit=None)) == _scan(passages, [phrase])


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=0, max_size=12))
def test_search_never_raises_anything_but_query_error(kb, text):
    try:
        kb.search(text)
        kb.search(text, related=True)
    except QueryError:
        pass


@pytest.mark.parametrize("filters, keep", [
    ({"doc_type": "work_plan"}, lambda p: p.doc_type == "work_plan"),
    ({"role": "body"}, lambda p: p.role == "body"),
    ({"level": 1}, lambda p: p.level == 1),
    ({"headings": True}, lambda p: p.role in ("title", "heading")),
    ({"date_from": "2024"}, lambda p: (p.date or "") >= "2024"),
    ({"date_to": "2023-05"}, lambda p: p.date is not None and p.date[:7] <= "2023-05"),
    ({"date_from": "2023-03", "date_to": "2023-12-31"},
     lambda p: p.date is not None and "2023-03" <= p.date <= "2023-12-31"),
    ({"source": "方案"}, lambda p: "方案" in p.source),
], ids=["type", "role", "level", "headings", "from", "to", "range", "source"])
def test_filters_return_exactly_the_expected_passages(kb, passages, filters, keep):
    for phrase in ("网格", "工作", "基层治理"):
        assert _keys(kb.search(phrase, limit=None, **filters)) == _scan(passages, [phrase], keep=keep)
        assert kb.count(phrase, **filters) == len(_scan(passages, [phrase], keep=keep))


def test_headings_search_is_the_heading_library(kb):
    hits = kb.search("网格化", headings=True, limit=None)
    assert sorted(h.text for h in hits) == ["完善网格化管理", "提高站位，深化网格化管理", "网格化监管要延伸到每一家企业"]
    assert all(h.role == "heading" for h in hits)


def test_heading_match_ranks_before_body_match(kb):
    hits = kb.search("一征三议两公开")
    assert [h.role for h in hits] == ["heading", "body"]
    hits = kb.search("网格化管理")
    assert hits[0].role in ("heading", "title")
    assert hits[0].score >= hits[-1].score


def test_ranking_is_deterministic_and_sorted(kb):
    first = kb.search("网格", limit=None)
    assert first == kb.search("网格", limit=None)
    keys = [(-h.score, h.doc_id, h.ordinal) for h in first]
    assert [-k[0] for k in keys] == sorted((h.score for h in first), reverse=True)


def test_sort_by_date_is_newest_first_then_id_then_position(kb, passages):
    hits = kb.search("网格", sort="date", limit=None)
    order = sorted(hits, key=lambda h: h.ordinal)
    order = sorted(order, key=lambda h: h.doc_id)
    order = sorted(order, key=lambda h: h.date or "", reverse=True)
    assert hits == order
    assert kb.search("网格", sort="date", limit=3) == hits[:3]
    assert _keys(hits) == _scan(passages, ["网格"])


def test_related_search_ranks_passages_holding_the_words(kb):
    hits = kb.search("基层治理 网格", related=True, limit=5)
    assert len(hits) == 5
    assert all(("基层" in h.text or "治理" in h.text or "网格" in h.text) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert kb.count("基层治理 网格", related=True) >= kb.count("网格")
    filtered = kb.search("网格", related=True, doc_type="work_plan", limit=None)
    assert filtered and all(h.doc_type == "work_plan" for h in filtered)
    assert all("网格员" not in h.text for h in kb.search("网格 -网格员", related=True, limit=None))


def test_limit_and_no_hits(kb):
    assert len(kb.search("网格", limit=2)) == 2
    assert kb.search("完全没有的说法") == []


@pytest.mark.parametrize("text, expected", [
    ("一刻钟党建服务圈", Query(("一刻钟党建服务圈",))),
    ("基层治理  网格 ", Query(("基层治理", "网格"))),
    ('基层 -网格 "GB/T 9704"', Query(("基层", "GB/T 9704"), ("网格",))),
    ('"一征三议 两公开" -"村 社区" “1+4”', Query(("一征三议 两公开", "“1+4”"), ("村 社区",))),
    ("- 网格", Query(("-", "网格"))),
    ("网格 网格", Query(("网格",))),
], ids=["one", "spaces", "quoted", "quoted-minus", "hyphen", "dedupe"])
def test_parse_query(text, expected):
    assert parse_query(text) == expected


@pytest.mark.parametrize("text, message", [
    ("", "检索词不能为空"), ("   ", "检索词不能为空"), ('""', "检索词不能为空"),
    ("-网格", "只有排除词"),
], ids=["empty", "blank", "empty-quotes", "only-exclusions"])
def test_bad_queries_raise_query_error(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_single_character_query_needs_a_longer_term(kb, passages):
    with pytest.raises(QueryError, match="至少要有两个字"):
        kb.search("网")
    assert _keys(kb.search("网格 员", limit=None)) == _scan(passages, ["网格", "员"])


def test_two_character_term_with_a_control_character_is_still_exact(kb):
    assert kb.search("网\x00") == [] and kb.count("网\x00") == 0


def test_unknown_role_is_a_query_error(kb):
    with pytest.raises(QueryError, match="未知的段落角色"):
        kb.search("网格", role="正文")


def test_title_match_beats_body_match(tmp_path):
    doc_a = Document(title="抓好防汛工作", doc_type="speech", date="2020-01-01",
                     sections=(Section("heading", 1, "一、", "总体要求", ("各地要抓好防汛工作，抓好防汛准备。",)),))
    doc_b = Document(title="其他事项", doc_type="speech", date="2024-01-01",
                     opening=("抓好防汛工作是今年重点，抓好防汛工作要早部署。",))
    with KnowledgeBase.open(tmp_path / "kb") as base:
        base.add_document(doc_a, "/a.txt", b"a")
        base.add_document(doc_b, "/b.txt", b"b")
        hits = base.search("抓好防汛")
        assert hits[0].role == "title"
        assert [h.role for h in hits[1:]] == ["opening", "body"] or [h.role for h in hits[1:]] == ["body", "opening"]


def test_query_cut_without_jieba_matches_jieba_on_indexed_words(kb):
    # The index's words were cut by jieba, so a query made of them is cut the same way.
    from kb.analysis import query_words
    searcher = kb._searcher_now()
    for text in ["基层治理", "推进网格化管理", "一刻钟党建服务圈", "同志们", "GB/T 9704"]:
        assert searcher.query_words(parse_query(text)) == query_words(text), text


def test_ranking_by_lexicon_cut_keeps_jieba_order(kb, monkeypatch):
    # Membership never depends on the cut (every hit is confirmed against the text);
    # where jieba cuts a query into words the index holds, the order does not either.
    from kb.analysis import query_words
    searcher = kb._searcher_now()
    queries = [q for q in PHRASES + ["网格", "党建", "治理能力", "服务群众"]
               if q != "。" and all(searcher._frequency("words", w)[0] for w in query_words(q))]
    assert len(queries) >= 12
    ours = {q: [(h.doc_id, h.ordinal) for h in kb.search(q, limit=10)] for q in queries}
    monkeypatch.setattr(searcher, "query_words", lambda query: query_words(" ".join(query.include)))
    jiebas = {q: [(h.doc_id, h.ordinal) for h in kb.search(q, limit=10)] for q in queries}
    assert ours == jiebas


def test_lexicon_cut_ranks_a_phrase_learnt_after_indexing(kb):
    # jieba learns 提法 such as “1+4” after the passages holding them were cut, so its cut
    # of the query (one word, 1+4) is in no passage and every hit would score 0; the
    # index's own words (1, 4) rank the passage that says it most first.
    hits = kb.search("1+4", limit=10)
    assert hits and all(h.score > 0 for h in hits)
    assert hits[0].text.count("1+4") == max(h.text.count("1+4") for h in hits)
