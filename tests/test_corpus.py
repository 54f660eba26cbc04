"""The bundled starter corpus: every file parses as declared, the spread is wide, nothing repeats."""

import re
from collections import Counter, defaultdict

import pytest

from bigan.resources import speeches_dir
from kb.parse import load_document
from kb.structure import classify, document_text

MEETING_TYPES = {"动员部署会", "推进会", "座谈会", "总结表彰会", "全体会议", "专题党课", "调研座谈"}
TOPICS = {"基层党建", "基层治理", "作风建设", "安全生产", "乡村振兴", "营商环境", "生态环境保护", "科技创新",
          "民生保障", "应急管理", "招商引资", "教育"}
PLAN_PARTS = [r"指导思想|总体要求", r"工作目标|主要目标", r"主要任务|重点任务", r"实施步骤|工作步骤",
              r"保障措施|工作要求"]
FILES = sorted(p for p in speeches_dir().rglob("*.md") if p.name != "README.md")


@pytest.fixture(scope="module")
def corpus():
    return {path: load_document(path) for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_parses_as_declared(path):
    doc = load_document(path)
    assert doc.title
    # the title alone says the declared kind, so the file reads right without its metadata
    assert classify(doc.title, salutation=doc.salutation) == doc.doc_type
    level1 = [s for s in doc.sections if s.level == 1 and s.kind == "heading"]
    assert len(level1) >= 3
    if doc.doc_type == "speech":
        assert doc.salutation and doc.closing
        assert doc.occasion in MEETING_TYPES
        assert doc.closing[-1].endswith("！")
        announced = re.search(r"([一二三四五六七八九])(?:点意见|个方面|点要求|个问题)", doc.opening[-1])
        if announced:
            assert "一二三四五六七八九".index(announced.group(1)) + 1 == len(level1)
        assert any(s.kind == "point" for top in level1 for s in top.walk())
    if doc.doc_type == "work_plan":
        headings = [s.heading for s in level1]
        assert len(headings) == 5
        for pattern, heading in zip(PLAN_PARTS, headings):
            assert re.search(pattern, heading), heading
        assert doc.signature and re.search(r"\d{4}年\d{1,2}月\d{1,2}日$", doc.signature[-1])
    assert set(doc.tags) <= TOPICS and doc.tags


def test_spread(corpus):
    docs = list(corpus.values())
    kinds = Counter(d.doc_type for d in docs)
    assert len(docs) >= 40
    assert kinds["speech"] >= 24 and kinds["work_plan"] >= 10
    assert kinds["opinion"] + kinds["notice"] + kinds["report"] >= 3
    occasions = Counter(d.occasion for d in docs if d.doc_type == "speech")
    assert set(occasions) == MEETING_TYPES
    by_topic = defaultdict(set)
    for path, doc in corpus.items():
        for tag in doc.tags:
            by_topic[tag].add(path)
    covered = {t for t, paths in by_topic.items() if len(paths) >= 3}
    assert len(covered) >= 10, by_topic.keys()
    chinese = sum(len(re.findall(r"[\u4e00-\u9fff]", "".join(document_text(d)))) for d in docs)
    assert chinese >= 120_000


def _paragraphs(doc):
    yield from doc.opening
    for section in doc.walk():
        yield from section.paragraphs
    yield from doc.closing


def test_no_paragraph_repeats(corpus):
    seen = {}
    for path, doc in corpus.items():
        for line in _paragraphs(doc):
            if len(line) < 20:
                continue
            assert line not in seen, f"{path.name} 与 {seen.get(line)} 有重复段落：{line[:30]}"
            seen[line] = path.name


def test_numbered_phrases_are_written_one_way(corpus):
    text = "".join("".join(document_text(d)) for d in corpus.values())
    for phrase, variants in {"三社联动": ["三社联合", "三社互动"], "一岗双责": ["一岗两责"],
                             "三会一课": ["三会一讲"]}.items():
        assert phrase in text
        for variant in variants:
            assert variant not in text
