"""Analysis, passages, the stored-document format and the Whoosh index."""

import dataclasses
import json
import threading

import pytest

from kb.analysis import BigramTokenizer, WordTokenizer, add_words, bigrams, words
from kb.errors import IndexCorruptError, IndexLockedError
from kb.index import Index, pack_meta, unpack_meta
from kb.knowledge_base import KnowledgeBase
from kb.model import Attachment, DocMeta, Document, Passage, Section
from kb.passages import document_passages
from kb.store import DocumentInfo, Store, document_from_dict, document_to_dict

DOC = Document(
    title="关于推进基层治理的讲话", doc_type="speech", date="2023-05-01", meeting="推进会",
    speaker="县长", meta=DocMeta(doc_number="县政发〔2023〕5号", issuer="县政府"),
    byline="（2023年5月1日）", salutation="同志们：",
    opening=("今天召开会议，部署村（社区）工作。",),
    sections=(
        Section("heading", 1, "一、", "统一思想认识", ("要落实“1+4”工作机制。",),
                (Section("heading", 2, "（一）", "抓好学习", ("原原本本学。",)),
                 Section("point", 3, "一是", "加强组织领导", ("各级党组织要负总责。",)))),
        Section("heading", 1, "二、", "狠抓落实", ("执行GB/T 9704标准。",), inline=True),
    ),
    closing=("谢谢大家。",), signature=("县人民政府", "2023年5月1日"),
    attachments=(Attachment("任务分工表", (Section("heading", 1, "一、", "牵头单位", ("县民政局。",)),),
                            ("本表列出分工。",), "附件1"),),
    tags=("基层治理",), occasion="推进会", source_path="/材料/讲话.txt")


def test_bigrams_keep_punctuation_digits_and_latin():
    assert bigrams("1+4") == {"1+", "+4"}
    assert bigrams("村（社区）") == {"村（", "（社", "社区", "区）"}
    assert bigrams("a") == set()
    assert bigrams("a\x00b") == set()


def test_bigram_tokenizer_yields_distinct_sorted_bigrams_without_positions():
    assert [t.text for t in BigramTokenizer()("治理治理")] == ["治理", "理治"]


def test_words_drop_punctuation_and_lowercase_latin():
    assert words("推进基层治理，完善网格。") == ["推进", "基层", "治理", "完善", "网格"]
    assert [t.text for t in WordTokenizer()("GB标准")] == ["gb", "标准"]


def test_add_words_makes_a_phrase_one_word():
    # a phrase no other test adds: the segmenter's dictionary is shared by the process
    assert "九社共融" not in words("推动九社共融工作")
    assert add_words(["九社共融", " ", "x"]) == 1
    assert "九社共融" in words("推动九社共融工作")


def test_passages_roles_levels_and_section_paths():
    got = [(p.ordinal, p.role, p.level, p.section_path, p.text)
           for p in document_passages(DOC, "abc", "/s.txt")]
    assert got == [
        (0, "title", 0, (), "关于推进基层治理的讲话"),
        (1, "opening", 0, (), "（2023年5月1日）"),
        (2, "opening", 0, (), "同志们："),
        (3, "opening", 0, (), "今天召开会议，部署村（社区）工作。"),
        (4, "heading", 1, (), "统一思想认识"),
        (5, "body", 0, ("一、统一思想认识",), "要落实“1+4”工作机制。"),
        (6, "heading", 2, ("一、统一思想认识",), "抓好学习"),
        (7, "body", 0, ("一、统一思想认识", "（一）抓好学习"), "原原本本学。"),
        (8, "point", 3, ("一、统一思想认识",), "加强组织领导"),
        (9, "point", 3, ("一、统一思想认识", "一是加强组织领导"), "各级党组织要负总责。"),
        (10, "heading", 1, (), "狠抓落实"),
        # a run-in heading and its body are one line: the body passage reads as the line does
        (11, "body", 0, ("二、狠抓落实",), "二、狠抓落实。执行GB/T 9704标准。"),
        (12, "closing", 0, (), "谢谢大家。"),
        (13, "closing", 0, (), "县人民政府"),
        (14, "closing", 0, (), "2023年5月1日"),
        (15, "heading", 1, (), "任务分工表"),
        (16, "body", 0, ("任务分工表",), "本表列出分工。"),
        (17, "heading", 1, ("任务分工表",), "牵头单位"),
        (18, "body", 0, ("任务分工表", "一、牵头单位"), "县民政局。"),
    ]
    first = document_passages(DOC, "abc", "/s.txt")[0]
    assert (first.doc_id, first.title, first.doc_type, first.date, first.source) == (
        "abc", "关于推进基层治理的讲话", "speech", "2023-05-01", "/s.txt")


def test_document_json_round_trip_is_identical():
    data = json.loads(json.dumps(document_to_dict(DOC), ensure_ascii=False))
    assert document_from_dict(data) == DOC


def test_store_save_and_load(tmp_path):
    store = Store(tmp_path)
    store.create()
    info = DocumentInfo("abc", "题", "speech", None, "/s.txt", "h1", "h2", "2024-01-01T00:00:00",
                        aliases=(("/t.txt", "h3"),))
    store.save(info, DOC)
    assert store.load("abc") == (info, DOC)
    assert store.stored_ids() == ["abc"]
    store.discard("abc")
    assert store.stored_ids() == []


def test_meta_column_round_trip():
    passage = Passage("abc", 7, "正文", "body", 0, (), "题", "speech", "2023-05-01", "/a/b.txt")
    assert unpack_meta(pack_meta(passage, 3)) == ("2023-05-01", "abc", 7, "body", 0, "speech", "3")


def test_lock_held_by_another_writer_gives_clear_message(tmp_path):
    store = Store(tmp_path)
    store.create()
    held, release = threading.Event(), threading.Event()

    def hold():
        with store.lock():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(IndexLockedError) as error:
            with store.lock(timeout=0.2):
                pass
    finally:
        release.set()
        thread.join()
    assert str(error.value) == f"素材库正被另一个进程写入（锁文件 {tmp_path / 'lock'}），请稍后再试"
    with store.lock(timeout=0.2):
        pass


def _kb_with_doc(path):
    kb = KnowledgeBase.open(path)
    kb.add_document(DOC, "/材料/讲话.txt", b"original")
    return kb


def test_damaged_index_is_reported_and_reindex_repairs_it(tmp_path):
    kb = _kb_with_doc(tmp_path / "kb")
    kb.close()
    folder = Index(tmp_path / "kb").folder()
    for path in folder.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"garbage")
    damaged = KnowledgeBase.open(tmp_path / "kb")
    with pytest.raises(IndexCorruptError) as error:
        damaged.search("统一思想")
    assert "bigan reindex" in str(error.value) and str(folder) in str(error.value)
    assert damaged.reindex() == 1
    assert [h.text for h in damaged.search("统一思想")] == ["统一思想认识"]
    assert Index(tmp_path / "kb").folder() != folder and not folder.exists()
    damaged.close()


def test_reindex_gives_the_same_answers(tmp_path):
    kb = _kb_with_doc(tmp_path / "kb")
    before = [dataclasses.astuple(h) for h in kb.search("落实")]
    assert kb.reindex() == 1
    assert [dataclasses.astuple(h) for h in kb.search("落实")] == before
    kb.close()
