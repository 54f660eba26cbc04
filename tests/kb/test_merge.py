"""The merge policy: a library built in many batches keeps few segments and answers as one built at once."""

from pathlib import Path

import pytest

from bigan.resources import speeches_dir
from kb.index import MERGE_RATIO
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"
QUERIES = ["基层治理", "工作", "同志们", "安全生产", "科技创新", "。我们", "乡村振兴", "网格员", "作风"]


def _build(path: Path, batch_size: int) -> int:
    with KnowledgeBase.open(path, batch_size=batch_size, batch_growth=1) as base:
        report = base.ingest([speeches_dir(), CORPUS])
        return report.counts()["added"]


@pytest.fixture(scope="module")
def libraries(tmp_path_factory):
    root = tmp_path_factory.mktemp("merge")
    added = _build(root / "batched", batch_size=1)
    assert added >= 50  # one commit per document: at least 50 batches
    assert _build(root / "whole", batch_size=10_000) == added
    batched, whole = KnowledgeBase.open(root / "batched"), KnowledgeBase.open(root / "whole")
    yield batched, whole
    batched.close()
    whole.close()


def _segment_sizes(base):
    return sorted((leaf.doc_count_all() for leaf, _, _ in base._searcher_now()._leaves), reverse=True)


def test_fifty_batches_leave_a_handful_of_segments(libraries):
    batched, whole = libraries
    sizes = _segment_sizes(batched)
    assert len(sizes) <= 5, sizes
    assert len(_segment_sizes(whole)) == 1
    # the policy's invariant: each segment outweighs all smaller ones together
    for i, size in enumerate(sizes[:-1]):
        assert size >= MERGE_RATIO * sum(sizes[i + 1:]), sizes


# Scores agree closely, not exactly: Whoosh's BM25 statistics count the passages
# that later commits replaced until a merge drops them, and a library built in
# batches holds a few such passages. Membership and counts agree exactly. (Topic
# search is left out: each commit teaches the segmenter the 提法 it found, so
# passages ingested later are cut into words a little differently.)
@pytest.mark.parametrize("query", QUERIES)
def test_a_batched_library_answers_as_one_built_at_once(libraries, query):
    batched, whole = libraries
    assert batched.count(query) == whole.count(query) > 0

    def hits(base, **options):
        return sorted((h.doc_id, h.ordinal) for h in base.search(query, **options))

    assert hits(batched, limit=None) == hits(whole, limit=None)
    assert hits(batched, limit=None, sort="date") == hits(whole, limit=None, sort="date")
    top = [h.score for h in whole.search(query, limit=10)]
    assert [h.score for h in batched.search(query, limit=10)] == pytest.approx(top, rel=0.02)


def test_the_catalogue_is_the_same_on_both(libraries):
    batched, whole = libraries
    assert sorted(i.doc_id for i in batched.documents()) == sorted(i.doc_id for i in whole.documents())


def _notes(folder: Path, n: int, prefix: str) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{prefix}{i:02d}.txt").write_text(
            f"第{i}号{prefix}通知\n\n一、第{i}项安排\n\n请做好{prefix}记号{i:02d}号事项。\n", encoding="utf-8")
    return folder


def test_an_open_reader_sees_a_merged_segment_once(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb") as base:
        base.ingest([_notes(tmp_path / "旧", 10, "旧批")])
    with KnowledgeBase.open(tmp_path / "kb") as reader:
        assert reader.count("旧批记号") == 10
        with KnowledgeBase.open(tmp_path / "kb") as writer:
            writer.ingest([_notes(tmp_path / "新", 15, "新批")])
        # the commit merged the old segment into its own: Whoosh's refresh would keep both
        assert len(_segment_sizes(reader)) == 1
        assert (reader.count("旧批记号"), reader.count("新批记号")) == (10, 15)
