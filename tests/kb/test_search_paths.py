"""The fast paths of exact search: postings read by block, segments, deletions, lazy jieba."""

import subprocess
import sys
from pathlib import Path

import pytest

from kb import index as index_module
from kb.knowledge_base import KnowledgeBase
from kb.search import Searcher, _field_lengths, _Postings

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"
PHRASES = ["基层治理", "网格", "村（社区）", "同志们", "1+4", "工作", "。我们"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    # One ingest per folder, each its own commit, with merging at commit switched
    # off (the merge policy would fold these small segments into one): an index
    # of several segments.
    base = KnowledgeBase.open(tmp_path_factory.mktemp("paths") / "kb")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_module.Index, "merge", lambda self: 0)
        for folder in sorted(CORPUS.iterdir()):
            base.ingest([folder])
    yield base
    base.close()


def _scan(kb, phrase):
    return sorted((p.doc_id, p.ordinal) for info in kb.documents()
                  for p in kb.passages(info.doc_id) if phrase in p.text)


def test_the_fixture_index_has_several_segments(kb):
    assert len(kb._searcher_now()._leaves) >= 2


@pytest.mark.parametrize("phrase", PHRASES, ids=PHRASES)
def test_search_and_count_equal_a_scan_across_segments(kb, phrase):
    expected = _scan(kb, phrase)
    hits = kb.search(phrase, limit=None)
    assert sorted((h.doc_id, h.ordinal) for h in hits) == expected
    assert kb.count(phrase) == len(expected)
    dated = kb.search(phrase, limit=None, sort="date")
    assert sorted((h.doc_id, h.ordinal) for h in dated) == expected
    assert kb.search(phrase, limit=3, sort="date") == dated[:3]
    assert kb.search(phrase, limit=3) == hits[:3]


def test_postings_cursor_finds_exactly_the_ids_of_the_term(kb):
    searcher = kb._searcher_now()
    for leaf, _base, _end in searcher._leaves:
        for gram in ("工作", "治理", "。我"):
            if not leaf.doc_frequency("bi", gram):
                continue
            ids = _Postings(leaf.postings("bi", gram)).all_ids()
            assert ids == sorted(ids) and len(ids) == leaf.doc_frequency("bi", gram)
            cursor = _Postings(leaf.postings("bi", gram))
            found = [d for d in range(leaf.doc_count_all()) if cursor.find(d) >= 0]
            assert found == ids


def test_field_lengths_are_the_scorer_lengths(kb):
    searcher = kb._searcher_now()
    for leaf, base, end in searcher._leaves:
        lengths = _field_lengths(leaf, "words", end - base)
        passages = _Postings(leaf.postings("kind", "p")).all_ids()
        assert passages
        assert [lengths[d] for d in passages] == [leaf.doc_field_length(d, "words", 1)
                                                  for d in passages]


def test_field_lengths_are_read_as_one_block_not_passage_by_passage(kb, monkeypatch):
    # The per-passage lookup made a common word's first query read 100,000 lengths one by one.
    searcher = kb._searcher_now()
    leaf, base, end = searcher._leaves[0]
    expected = [leaf.doc_field_length(d, "words", 1) for d in range(end - base)]
    monkeypatch.setattr(type(leaf), "doc_field_length", lambda *a: pytest.fail("read one by one"))
    assert _field_lengths(leaf, "words", end - base) == expected


def test_removing_a_document_removes_its_hits_from_search_and_count(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb") as base:
        for folder in sorted(CORPUS.iterdir()):
            base.ingest([folder])
        victim = base.search("同志们", limit=1, sort="date")[0].doc_id
        base.remove(victim)
        expected = _scan(base, "同志们")
        assert all(doc_id != victim for doc_id, _ in expected)
        assert sorted((h.doc_id, h.ordinal) for h in base.search("同志们", limit=None)) == expected
        assert base.count("同志们") == len(expected)
        assert base.count("工作") == len(_scan(base, "工作"))


def test_no_search_loads_the_segmenter(kb):
    # Ranked search cuts the query against the index's words (issue 18): jieba's
    # dictionary, about a second to load, is never needed to answer a query.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from kb.knowledge_base import KnowledgeBase\n"
        "from kb import analysis\n"
        "with KnowledgeBase.open(sys.argv[2], create=False) as kb:\n"
        "    n = kb.count('基层治理'); d = kb.search('基层治理', sort='date')\n"
        "    before = analysis._jieba.cache_info().currsize\n"
        "    r = kb.search('基层治理')\n"
        "    after = analysis._jieba.cache_info().currsize\n"
        "print(n, len(d), before, after, len(r))\n")
    out = subprocess.run([sys.executable, "-c", probe, str(ROOT), str(kb.root)],
                         capture_output=True, text=True, check=True).stdout.split()
    n, dated, before, after, ranked = map(int, out)
    assert n == len(_scan(kb, "基层治理")) > 0
    assert dated == ranked == min(n, 10)
    assert (before, after) == (0, 0)


def test_search_reads_the_libraries_phrases_only_when_the_segmenter_loads(kb):
    # Reading a large library's phrases.json took longer than the search itself (issue 18):
    # searching leaves the 提法 waiting; loading the segmenter adds them.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from kb import knowledge_base, analysis\n"
        "from kb.phrases import PhraseLibrary\n"
        "loads = []\n"
        "original = PhraseLibrary.load.__func__\n"
        "PhraseLibrary.load = classmethod(lambda cls, path: loads.append(path) or original(cls, path))\n"
        "with knowledge_base.KnowledgeBase.open(sys.argv[2], create=False) as kb:\n"
        "    kb.search('基层治理'); kb.search('基层治理', related=True)\n"
        "    searched = len(loads)\n"
        "    words = set(knowledge_base._user_words(kb.root))\n"
        "    analysis.words('预热')\n"
        "    frequencies = analysis._jieba().FREQ\n"
        "print(searched, len(loads), len(words) > 0, all(w in frequencies for w in words))\n")
    out = subprocess.run([sys.executable, "-c", probe, str(ROOT), str(kb.root)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "2", "True", "True"]


@pytest.mark.parametrize("filters", [{"role": "closing"}, {"date_from": "2099"}, {"doc_type": "speech"}],
                         ids=["one closing", "none", "most"])
def test_topic_search_under_a_narrow_filter_needs_no_pass_over_every_match(kb, monkeypatch, filters):
    # A filter that passes few matches used to grow the pool until every match was scored.
    from kb import search as search_module

    monkeypatch.setattr(search_module, "RELATED_POOL", 4)  # pool 4 for one hit, on this small library
    every = kb.search("工作", related=True, limit=None, **filters)
    passes = _whoosh_passes(kb, monkeypatch)
    hits = kb.search("工作", related=True, limit=1, **filters)
    assert hits == every[:1]
    assert all(limit is not None for limit, _ in passes), passes
    if filters != {"doc_type": "speech"}:
        assert len(every) <= 1 and len(passes) <= 2
    if "date_from" in filters:
        assert passes == [(4, False), (4, True)] and hits == []


def test_a_topic_pass_is_kept_for_the_next_search_of_the_same_words(kb, monkeypatch):
    # Drafting searches a topic under a filter, then without: the first pass is the same.
    kb._searcher_now()._passes.clear()
    expected = (kb.search("基层治理", related=True, limit=3, doc_type="speech"),
                kb.search("基层治理", related=True, limit=3))
    passes = _whoosh_passes(kb, monkeypatch)
    assert kb.search("基层治理", related=True, limit=3, doc_type="speech") == expected[0]
    assert kb.search("基层治理", related=True, limit=3) == expected[1]
    assert passes == [(200, False)]


def _whoosh_passes(kb, monkeypatch) -> list[tuple[int | None, bool]]:
    """Record each search Whoosh runs from now on, as (limit, filtered), with no kept pass to answer."""
    searcher = kb._searcher_now()
    searcher._passes.clear()
    passes = []
    whoosh_search = searcher.s.search

    def search(q, **options):
        passes.append((options.get("limit"), options.get("filter") is not None))
        return whoosh_search(q, **options)

    monkeypatch.setattr(searcher.s, "search", search)
    return passes


@pytest.mark.parametrize("query", ["工作", "基层治理", "网格 工作"])
@pytest.mark.parametrize("walk", [0, 10**9], ids=["look up each hit", "walk the postings"])
def test_exact_ranking_scores_are_whooshs_bm25_on_both_paths(kb, query, walk, monkeypatch):
    # A common word's hits walk its postings, a rare word's are looked up in them: either
    # way each passage gets the score Whoosh's own BM25F gives it on the word field.
    from whoosh.query import Or, Term

    from kb import search as search_module

    monkeypatch.setattr(search_module, "_WALK_SHARE", walk)
    searcher = kb._searcher_now()
    parsed = search_module.parse_query(query)
    words = searcher.query_words(parsed)
    docnums = sorted(searcher._candidates(parsed))
    scores = searcher._bm25(docnums, words)
    whoosh = dict(searcher.s.search(Or([Term("words", w) for w in words]), limit=None).items())
    assert len(docnums) >= 3 and any(scores.values())
    assert all(scores[d] == whoosh.get(d, 0.0) for d in docnums)
