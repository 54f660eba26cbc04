"""Topic search (--related) on the starter corpus: body passages first, headings one signal."""

import json

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from bigan.resources import speeches_dir
from kb.knowledge_base import KnowledgeBase
from kb.model import Document
from kb import search as search_module
from kb.search import HEADING_ROLES

TOPICS = ["科技创新 人才", "基层治理", "安全生产 隐患", "营商环境", "乡村振兴 产业", "作风建设"]


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("related") / "kb"
    with KnowledgeBase.open(path) as base:
        assert base.ingest([speeches_dir()]).counts()["added"] >= 40
    return path


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_search_returns_body_passages_first(kb_path, topic):
    with KnowledgeBase.open(kb_path) as base:
        hits = base.search(topic, related=True, limit=10)
        headings = base.search(topic, related=True, limit=10, headings=True)
    assert len(hits) == 10
    assert sum(h.role not in HEADING_ROLES for h in hits) >= 7, [h.role for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # the 标题库 still answers with headings and titles only, best first
    assert headings and all(h.role in HEADING_ROLES for h in headings)
    assert [h.score for h in headings] == sorted((h.score for h in headings), reverse=True)


def test_a_matching_title_lends_weight_to_its_body(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb") as base:
        for title, body in (("关于科技创新的讲话", "要加强科技创新，重在甲方面。"),
                            ("关于机关事务的讲话", "要加强科技创新，重在乙方面。")):
            doc = Document(title=title, doc_type="speech", opening=(body,))
            base.add_document(doc, f"/{title}.txt")
        hits = base.search("科技创新", related=True, limit=None)
    bodies = [h for h in hits if h.role not in HEADING_ROLES]
    assert [h.title for h in bodies] == ["关于科技创新的讲话", "关于机关事务的讲话"]
    assert bodies[0].score > bodies[1].score
    assert hits[0].role not in HEADING_ROLES


def test_cli_related_and_headings(kb_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["--kb", str(kb_path), "search", "--related", "营商环境", "--json"])
    roles = [h["role"] for h in json.loads(result.stdout)]
    assert len(roles) == 10 and sum(r not in HEADING_ROLES for r in roles) >= 7
    result = runner.invoke(cli, ["--kb", str(kb_path), "search", "--related", "营商环境", "--headings", "--json"])
    roles = [h["role"] for h in json.loads(result.stdout)]
    assert roles and set(roles) <= set(HEADING_ROLES)


@pytest.mark.parametrize("topic", TOPICS + ["工作"])
def test_topic_search_scores_a_bounded_pool_with_the_full_ranking_top(kb_path, topic, monkeypatch):
    with KnowledgeBase.open(kb_path) as base:
        everything = base.search(topic, related=True, limit=None)
        top = base.search(topic, related=True, limit=10)
        assert top == everything[:10]
        assert base.count(topic, related=True) == len(everything)
        # a pool far smaller than the matches: a filter that rejects most of them
        # still gets its hits (the pool grows until enough pass)
        plans = base.search(topic, related=True, limit=None, doc_type="work_plan")
        monkeypatch.setattr(search_module, "RELATED_POOL", 5)
        assert len(everything) > 5 * len(plans[:3]) and len(plans) >= 3
        found = base.search(topic, related=True, limit=3, doc_type="work_plan")
        assert len(found) == 3 and all(h.doc_type == "work_plan" for h in found)
