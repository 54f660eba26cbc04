"""The catalogue beside each commit: `stats` and `show` without reading every record, and
a missing or damaged catalogue read from the records as before."""

from pathlib import Path

import pytest

import kb.index
from bigan.resources import speeches_dir
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"


@pytest.fixture
def library(tmp_path) -> Path:
    with KnowledgeBase.open(tmp_path / "kb") as base:
        base.ingest([CORPUS])
    return tmp_path / "kb"


def _catalogues(library: Path) -> list[Path]:
    folder = library / (library / "CURRENT").read_text(encoding="utf-8").strip()
    return sorted(folder.glob("catalogue-*.bin"))


def _answers(library: Path):
    with KnowledgeBase.open(library) as base:
        infos = base.documents()
        stats = base.stats()
        stats.pop("index_bytes")  # the catalogue file is part of the index
        return stats, infos, [base.info(i.doc_id) for i in infos]


def _no_records(*_):
    raise AssertionError("read every record")


def test_stats_show_and_the_catalogue_read_no_record(library, monkeypatch):
    stats, infos, _ = _answers(library)
    assert stats["documents"] == len(infos) > 5
    assert stats["passages"] == sum(i.passages for i in infos)
    monkeypatch.setattr(kb.index, "read_records", _no_records)
    with KnowledgeBase.open(library) as base:
        assert {**base.stats(), "index_bytes": 0} == {**stats, "index_bytes": 0}
    for info in infos:
        with KnowledgeBase.open(library) as base:  # a fresh process's first question
            assert base.info(info.doc_id) == info
            assert base.info(info.doc_id[:6]) == info
            assert base.document(info.doc_id).title == info.title
    with KnowledgeBase.open(library) as base:
        assert base.documents() == infos
        assert base.info(infos[0].source) == infos[0]


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "missing"])
def test_a_damaged_or_missing_catalogue_is_read_from_the_records(library, damage):
    before = _answers(library)
    [path] = _catalogues(library)
    data = path.read_bytes()
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes({"garbage": b"\xff\x00{]", "empty": b"", "truncated": data[:len(data) - 40]}[damage])
    after = _answers(library)
    if damage != "truncated":  # a truncated file keeps its summary line: stats may read it
        assert after == before
    assert after[1:] == before[1:]


def test_each_commit_leaves_one_catalogue_of_its_own(library, tmp_path):
    with KnowledgeBase.open(library) as base:
        base.ingest([speeches_dir()])
        expected = base.stats()
    [path] = _catalogues(library)
    assert path.read_bytes().split(b"\n", 1)[0].startswith(b"{\"documents\": %d," % expected["documents"])
    with KnowledgeBase.open(library) as base:
        base.reindex()
    [rebuilt] = _catalogues(library)
    assert rebuilt.parent != path.parent and _answers(library)[0]["documents"] == expected["documents"]
