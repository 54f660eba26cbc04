"""Learning from the library (generator/learn.py): related terms, heading frames, cache, fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import DraftSpec, draft_outline
from generator.candidates import topic_words
from generator.compose import heading_frames, heading_sets
from generator.learn import CACHE_FILE, frame_of, learned
from kb import KnowledgeBase

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "learn"
GENERIC = {"全面", "建设", "环境", "生产", "促进", "工作"}
HEADINGS = {line.split("、", 1)[1] for path in FIXTURES.glob("*.md")
            for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("## ")}


def _library(path: Path, files: list[Path]) -> KnowledgeBase:
    kb = KnowledgeBase.open(path)
    for file in files:
        kb.ingest([file])  # one at a time: the order is the test's
    return kb


@pytest.fixture
def fixture_kb(tmp_path):
    with _library(tmp_path / "kb", sorted(FIXTURES.glob("*.md"))) as kb:
        yield kb


def test_related_terms_from_headings_and_phrases(fixture_kb):
    tables = learned(fixture_kb)
    # 清淤 from the sub-headings of both 河湖治理 speeches, 一河一策 from their quoted 提法
    assert tables.terms("河湖治理") == ["清淤", "一河一策"]
    assert tables.terms("文明创建") == ["农贸市场", "小巷", "背街", "整治"]
    # a topic the library never names has no learned terms
    assert tables.terms("古树名木保护") == []


def test_generic_words_are_never_topic_words(fixture_kb):
    # the fixtures say 全面建设…生产生活环境 and 全面建设促进生产工作环境 beside 文明创建
    tables = learned(fixture_kb)
    for topic in ("河湖治理", "文明创建", "背街小巷", "农贸市场"):
        terms = tables.terms(topic, limit=50, min_count=1)
        assert not GENERIC & set(terms), (topic, terms)
        assert all(len(t) >= 2 and not any(c.isdigit() for c in t) for t in terms)
    assert not GENERIC & set(topic_words(("文明创建",), tables))


def test_learned_terms_stand_in_only_where_the_curated_table_has_none(fixture_kb):
    tables = learned(fixture_kb)
    assert topic_words(("河湖治理",), tables) == ["河湖治理", "清淤", "一河一策"]
    # 安全生产 has a curated list: the library does not widen it
    assert topic_words(("安全生产",), tables) == topic_words(("安全生产",))


def test_frames_learned_from_the_library_headings(fixture_kb):
    frames = learned(fixture_kb).frames()
    assert frames == {
        "保障": [("强化责任担当，为{t}提供坚强保障", "强化责任担当，为河湖治理提供坚强保障"),
                 ("压实各方责任，构建齐抓共管的{t}工作格局", "压实各方责任，构建齐抓共管的河湖治理工作格局")],
        "认识": [("提高政治站位，深刻认识{t}的重大意义", "提高政治站位，深刻认识文明创建的重大意义"),
                 ("深化思想认识，把{t}摆在更加突出的位置", "深化思想认识，把河湖治理摆在更加突出的位置"),
                 ("提高政治站位，切实增强做好{t}工作的思想自觉",
                  "提高政治站位，切实增强做好河湖治理工作的思想自觉")],
    }


def test_learned_frames_give_the_heading_sets_of_another_topic(fixture_kb):
    table = learned(fixture_kb).frame_table()
    sets = heading_sets(["认识", "任务", "保障"], ("垃圾分类",), learned=table)
    assert sets[0] == ["提高政治站位，深刻认识垃圾分类的重大意义",
                       "突出工作重点，扎实推进垃圾分类各项任务",   # no 任务 frame learned: the curated one
                       "强化责任担当，为垃圾分类提供坚强保障"]
    assert sets[1] == ["深化思想认识，把垃圾分类摆在更加突出的位置",
                       "聚焦关键环节，全力抓好垃圾分类重点工作",
                       "压实各方责任，构建齐抓共管的垃圾分类工作格局"]
    # the curated frames follow the learned ones
    assert heading_frames("认识", table)[3:] == heading_frames("认识")


@pytest.mark.parametrize("heading", [
    "统一思想认识，把河湖治理摆在县域发展的突出位置",   # a unit's own words
    "加强组织领导，推动十件河湖治理实事落地见效",       # a number
    "优化工作机制，推动文明创建和河湖治理同向发力",     # another topic beside it
    "统一思想认识，把优化河湖治理作为全局性工作来抓",   # a verb only this topic takes
    "正视差距、保持定力，切实增强抓河湖治理的紧迫感",   # not the shape of a parallel set
], ids=["unit", "number", "two-topics", "collocation", "shape"])
def test_headings_that_give_no_frame(heading):
    assert frame_of(heading, ["河湖治理", "文明创建"]) is None


def test_same_tables_whatever_the_ingest_order(tmp_path):
    files = sorted(FIXTURES.glob("*.md"))
    results = []
    for sub, order in (("a", files), ("b", list(reversed(files)))):
        with _library(tmp_path / sub, order) as kb:
            tables = learned(kb)
            results.append(({t: tables.terms(t) for t in ("河湖治理", "文明创建", "背街小巷")},
                            tables.frames()))
    assert results[0] == results[1]


def test_cache_is_kept_in_the_library_and_follows_its_content(tmp_path):
    files = sorted(FIXTURES.glob("*.md"))
    with _library(tmp_path / "kb", files[:2]) as kb:
        first = learned(kb)
        cache = json.loads((tmp_path / "kb" / CACHE_FILE).read_text(encoding="utf-8"))
        assert len(cache["docs"]) == 2
        assert first.terms("文明创建") == []
        kb.ingest(files[2:])
        assert learned(kb).terms("文明创建") == ["农贸市场", "小巷", "背街", "整治"]
    cache = json.loads((tmp_path / "kb" / CACHE_FILE).read_text(encoding="utf-8"))
    assert len(cache["docs"]) == 4


def test_library_without_cache_or_with_a_damaged_one_still_learns(fixture_kb):
    path = Path(fixture_kb.root) / CACHE_FILE
    expected = learned(fixture_kb).frames()
    for damage in (None, "{not json", json.dumps({"version": 0, "docs": []})):
        if damage is None:
            path.unlink()
        else:
            path.write_text(damage, encoding="utf-8")
        with KnowledgeBase.open(fixture_kb.root) as fresh:  # a library built before learning
            assert learned(fresh).frames() == expected
        assert json.loads(path.read_text(encoding="utf-8"))["docs"]


def test_empty_library_falls_back_to_the_curated_tables(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        tables = learned(kb)
        assert tables.terms("安全生产") == [] and tables.frames() == {}
        assert heading_sets(["认识", "任务", "保障"], ("安全生产",), learned=tables.frame_table()) == \
            heading_sets(["认识", "任务", "保障"], ("安全生产",))
    assert learned(object()).frames() == {}  # not a knowledge base: nothing learned, no error


def test_outline_offers_learned_and_curated_sets(fixture_kb):
    spec = DraftSpec(kind="speech", topic=("河湖治理",), occasion="动员部署会", unit="江州市")
    outline = draft_outline(spec, fixture_kb)
    firsts = [s[0] for s in outline.heading_sets]
    assert "深化思想认识，把河湖治理摆在更加突出的位置" in firsts      # learned
    assert "提高政治站位，深刻认识河湖治理的重要意义" in firsts        # curated
    for heading_set in outline.heading_sets:
        lengths = [len(h) for h in heading_set]
        assert max(lengths) - min(lengths) <= 6
        assert all(len(h.split("，")[0]) == 6 for h in heading_set)
    # a composed heading keeps the source of its part, with the heading it replaced
    sources = outline.sources()
    for part in outline.parts:
        assert part.heading in outline.heading_sets[0]
        original = part.source.section_path[0]
        assert original[:2] in ("一、", "二、", "三、", "四、") and original[2:] in HEADINGS
        assert sources[part.heading].endswith(" · " + original)


def test_library_that_cannot_be_written_still_learns(fixture_kb, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "只读")

    assert not (Path(fixture_kb.root) / CACHE_FILE).exists()  # nothing learned yet
    monkeypatch.setattr("kb.store.write_atomic", refuse)
    with KnowledgeBase.open(fixture_kb.root) as kb:
        assert learned(kb).terms("河湖治理") == ["清淤", "一河一策"]
    assert not (Path(fixture_kb.root) / CACHE_FILE).exists()
