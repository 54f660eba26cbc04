"""The index format: display fields stored once per document, and libraries of the first format."""

import json
from pathlib import Path

import pytest
from whoosh import columns, fields, formats
from whoosh.filedb.filestore import FileStorage

from kb.analysis import BigramTokenizer, WordTokenizer
from kb.errors import IndexCorruptError
from kb.index import INDEX_NAME, SEP, is_legacy
from kb.knowledge_base import KnowledgeBase
from kb.passages import document_passages

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"
QUERIES = [("基层治理", {}), ("同志们", {"sort": "date", "limit": None}), ("工作", {"doc_type": "speech"}),
           ("网格", {"related": True}), ("工作", {"source": "kb/corpus", "headings": True})]


def _legacy_schema():
    # The first format, as kb/index.py wrote it: every display field stored on every passage.
    return fields.Schema(
        kind=fields.ID(stored=True), key=fields.ID(unique=True), doc_id=fields.ID(stored=True),
        bi=fields.FieldType(formats.Existence(), analyzer=BigramTokenizer(), scorable=True),
        words=fields.TEXT(analyzer=WordTokenizer(), phrase=False),
        text=fields.COLUMN(columns.VarBytesColumn()), meta=fields.COLUMN(columns.VarBytesColumn()),
        ordinal=fields.STORED(), role=fields.STORED(), level=fields.STORED(),
        section_path=fields.STORED(), title=fields.STORED(), doc_type=fields.STORED(),
        date=fields.STORED(), source=fields.STORED(), record=fields.STORED())


def _write_legacy(base: KnowledgeBase) -> None:
    """Replace ``base``'s index by one of the first format holding the same documents."""
    infos = base.documents()
    folder = base.root / "index-99"
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(_legacy_schema(), indexname=INDEX_NAME)
    writer = ix.writer()
    for info in infos:
        writer.add_document(kind="d", key=f"d:{info.doc_id}", doc_id=info.doc_id,
                            record=json.dumps(info.to_dict(), ensure_ascii=False))
        for p in document_passages(base.store.load(info.doc_id)[1], info.doc_id, info.source):
            meta = SEP.join((p.date or "", p.doc_id, f"{p.ordinal:06d}", p.role, str(p.level),
                             p.doc_type, p.source or "")).encode("utf-8")
            writer.add_document(kind="p", doc_id=p.doc_id, bi=p.text, words=p.text,
                                text=p.text.encode("utf-8"), meta=meta, ordinal=p.ordinal,
                                role=p.role, level=p.level, section_path=p.section_path,
                                title=p.title, doc_type=p.doc_type, date=p.date, source=p.source)
    writer.commit()
    ix.close()
    base.close()
    (base.root / "CURRENT").write_text("index-99", encoding="utf-8")


#: What a hit says of its part (issue 13's annotations): a first-format library predates them.
ANNOTATION = ("part", "unit_level", "voice", "meeting_bound", "time_bound")


def _answers(base: KnowledgeBase) -> list:
    return [[{k: v for k, v in h.to_json().items() if k not in ANNOTATION} for h in base.search(q, **options)]
            for q, options in QUERIES]


@pytest.fixture
def libraries(tmp_path):
    """(a library of the current format, one holding the same files in the first format)."""
    new, old = KnowledgeBase.open(tmp_path / "new"), KnowledgeBase.open(tmp_path / "old")
    for base in (new, old):
        base.ingest([CORPUS])
    _write_legacy(old)
    yield new, old
    new.close()
    old.close()


def test_passages_store_no_fields_and_records_hold_the_section_paths(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb") as base:
        base.ingest([CORPUS])
        searcher = base._searcher_now().s
        assert not is_legacy(searcher.schema)
        passages = list(searcher.document_numbers(kind="p"))
        assert passages and all(searcher.stored_fields(d) == {} for d in passages)
        info = base.documents()[0]
        record = searcher.stored_fields(searcher.document_number(key=f"d:{info.doc_id}"))
        paths = {tuple(p.section_path) for p in base.passages(info.doc_id)}
        assert sorted(map(tuple, record["paths"])) == sorted(paths)
        assert json.loads(record["record"])["title"] == info.title


def test_a_first_format_library_answers_as_before(libraries):
    new, old = libraries
    assert old.index.legacy() and not new.index.legacy()
    answers = _answers(new)
    assert all(answers) and _answers(old) == answers
    assert old.count("工作", source="kb/corpus") == new.count("工作", source="kb/corpus") > 0


def test_writing_to_a_first_format_library_asks_for_reindex(libraries):
    _new, old = libraries
    doc_id = old.documents()[0].doc_id
    with pytest.raises(IndexCorruptError, match="旧版格式.*请运行 bigan reindex"):
        old.edit(doc_id, title="新的标题")
    assert old.index.legacy()  # nothing written
    assert old.reindex() == len(old.documents())
    assert not old.index.legacy()
    assert old.edit(doc_id, title="新的标题").title == "新的标题"


def test_ingest_upgrades_a_first_format_library(libraries, tmp_path):
    new, old = libraries
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.txt").write_text("关于新增事项的通知\n\n请各单位做好新增事项登记工作。\n", encoding="utf-8")
    for base in (new, old):
        assert base.ingest([extra]).counts()["added"] == 1
    assert any("旧版格式" in notice and "重建为新格式" in notice for notice in old.notices)
    assert not old.index.legacy()
    assert _answers(old) == _answers(new)


def test_a_library_whose_notes_are_one_value_a_passage_answers_as_one_storing_each_once(tmp_path, monkeypatch):
    # Libraries built before the note column kept each distinct value once (RefBytesColumn)
    # wrote every passage's note in full; they are read with the schema they were written with.
    from kb import index as index_module

    current = KnowledgeBase.open(tmp_path / "current")
    current.ingest([CORPUS])
    schema = index_module.build_schema
    assert isinstance(schema()["note"].column_type, columns.RefBytesColumn)

    def earlier():
        built = schema()
        built.remove("note")
        built.add("note", fields.COLUMN(columns.VarBytesColumn()))
        return built

    with monkeypatch.context() as patch:
        patch.setattr(index_module, "build_schema", earlier)
        before = KnowledgeBase.open(tmp_path / "before")
        before.ingest([CORPUS])
    note = before._searcher_now().s.schema["note"].column_type
    assert isinstance(note, columns.VarBytesColumn) and not isinstance(note, columns.RefBytesColumn)
    queries = [("工作", {"part": "保障"}), ("工作", {"voice": "地方讲话", "limit": None}),
               ("基层", {"meeting_bound": False, "related": True})]
    for query, options in queries:
        expected = [h.to_json() for h in current.search(query, **options)]
        assert expected and [h.to_json() for h in before.search(query, **options)] == expected
    info = current.documents()[0]
    assert before.annotation(info.doc_id) == current.annotation(info.doc_id)
    current.close()
    before.close()
