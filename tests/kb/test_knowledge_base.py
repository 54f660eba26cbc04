"""The façade: ingest outcomes, batches, removal, concurrency and crash safety."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kb.errors import IndexLockedError, KbError, NotFoundError
from kb.knowledge_base import KnowledgeBase, default_path

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"


@pytest.fixture
def corpus(tmp_path):
    target = tmp_path / "材料"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def kb(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb") as base:
        yield base


def test_open_creates_and_default_path(tmp_path, monkeypatch):
    monkeypatch.setenv("BIGAN_KB", str(tmp_path / "env-kb"))
    assert default_path() == tmp_path / "env-kb"
    monkeypatch.delenv("BIGAN_KB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "bigan" / "kb"
    with KnowledgeBase.open() as base:
        assert base.stats()["documents"] == 0
    assert (tmp_path / "data" / "bigan" / "kb" / "CURRENT").is_file()
    with pytest.raises(KbError, match="不存在"):
        KnowledgeBase.open(tmp_path / "missing", create=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(KbError, match="不是文件夹"):
        KnowledgeBase.open(tmp_path / "file")


def test_ingest_then_reingest_is_a_no_op(kb, corpus):
    first = kb.ingest([corpus])
    assert first.counts() == {"added": 10, "updated": 0, "unchanged": 0, "duplicates": 0, "failed": 0}
    stats = kb.stats()
    assert (stats["documents"], stats["by_type"]) == (10, {"speech": 6, "work_plan": 4})
    again = kb.ingest([corpus])
    assert again.counts()["unchanged"] == 10 and again.counts()["added"] == 0
    assert kb.stats() == stats
    assert again.summary() == "新增 0 篇，更新 0 篇，未变 10 篇，重复 0 篇，失败 0 个"


def test_modified_file_replaces_its_old_version(kb, corpus):
    kb.ingest([corpus])
    path = corpus / "讲话" / "安全生产会讲话.md"
    old_id = kb.info(str(path)).doc_id
    path.write_text(path.read_text(encoding="utf-8").replace("逐项整改销号", "限期整改到位"), encoding="utf-8")
    report = kb.ingest([corpus])
    assert report.updated == (str(path),) and report.counts()["unchanged"] == 9
    assert kb.count("逐项整改销号") == 0 and kb.count("限期整改到位") == 1
    assert kb.stats()["documents"] == 10
    with pytest.raises(NotFoundError, match="素材库中没有文档"):
        kb.document(old_id)
    assert not (kb.root / "documents" / f"{old_id}.json").exists()


def test_duplicate_under_another_name_is_stored_once(kb, corpus):
    kb.ingest([corpus])
    source = corpus / "讲话" / "安全生产会讲话.md"
    copy = corpus / "副本.md"
    copy.write_text(source.read_text(encoding="utf-8").replace("# 在安全生产", "\n# 在安全生产"), encoding="utf-8")
    report = kb.ingest([copy])
    assert report.duplicates == (str(copy),)
    assert kb.stats()["documents"] == 10 and kb.count("隐患排查要见底") == 1
    assert kb.ingest([copy]).counts()["unchanged"] == 1
    info = kb.info(str(copy))
    assert info.source == str(source) and info.aliases[0][0] == str(copy)
    removed = kb.remove(str(copy))
    assert removed.doc_id == info.doc_id and kb.info(info.doc_id).aliases == ()


def test_bad_files_are_reported_and_the_rest_lands(kb, corpus):
    (corpus / "空.txt").write_bytes(b"")
    (corpus / "坏.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (corpus / "图片.png").write_bytes(b"\x89PNG")
    report = kb.ingest([corpus, corpus / "图片.png", corpus / "没有.txt"])
    failed = dict(report.failed)
    assert report.counts()["added"] == 10
    assert str(corpus / "坏.docx") in failed
    assert "不支持的文件类型" in failed[str(corpus / "图片.png")]
    assert "文件不存在" in failed[str(corpus / "没有.txt")]
    assert all(message for message in failed.values())


def test_file_size_limit(tmp_path, corpus):
    with KnowledgeBase.open(tmp_path / "kb", max_file_bytes=100) as base:
        report = base.ingest([corpus / "讲话" / "安全生产会讲话.md"])
    assert "文件太大" in report.failed[0][1]


def test_small_batches_commit_separately_and_hook_sees_changes(tmp_path, corpus):
    seen = []

    class Recording(KnowledgeBase):
        def _after_commit(self, changed_doc_ids):
            seen.append(changed_doc_ids)

    with Recording.open(tmp_path / "kb", batch_size=3) as base:
        base.ingest([corpus])
        assert base.stats()["documents"] == 10
    assert [len(ids) for ids in seen] == [3, 3, 3, 1]


def test_documents_show_and_remove(kb, corpus):
    kb.ingest([corpus])
    infos = kb.documents()
    assert [i.source for i in infos] == sorted(i.source for i in infos)
    info = kb.info(str(corpus / "方案" / "公文排版工作方案.md"))
    doc = kb.document(info.doc_id[:6])
    assert doc.title == "关于规范公文格式的工作方案"
    assert [p.text for p in kb.passages(info.doc_id)][:2] == ["关于规范公文格式的工作方案", "为规范全县公文格式，制定本方案。"]
    assert (kb.root / "originals" / info.original).read_bytes() == (corpus / "方案" / "公文排版工作方案.md").read_bytes()
    kb.remove(info.doc_id)
    assert kb.count('"GB/T 9704"') == 0 and kb.stats()["documents"] == 9
    assert not (kb.root / "originals" / info.original).exists()
    with pytest.raises(NotFoundError):
        kb.remove(info.doc_id)


def test_second_writer_gets_the_lock_message(tmp_path, corpus):
    path = tmp_path / "kb"
    KnowledgeBase.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(ROOT)!r})
            from kb.store import Store
            from pathlib import Path
            with Store(Path({str(path)!r})).lock():
                print("held", flush=True)
                time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with KnowledgeBase.open(path, lock_timeout=0.3) as base:
            with pytest.raises(IndexLockedError) as error:
                base.ingest([corpus])
            assert str(error.value) == f"素材库正被另一个进程写入（锁文件 {path / 'lock'}），请稍后再试"
            assert base.search("网格") == []  # readers still work
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_killed_ingest_leaves_a_working_kb_and_rerun_completes(tmp_path, corpus):
    for i in range(60):
        (corpus / f"批量{i:02d}.txt").write_text(
            f"第{i}号材料\n\n同志们：\n\n一、第{i}项任务\n\n要抓好第{i}项重点工作，推进网格化管理。\n",
            encoding="utf-8")
    path = tmp_path / "kb"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from kb.knowledge_base import KnowledgeBase
        def progress(source):
            print(source, flush=True)
        with KnowledgeBase.open({str(path)!r}, batch_size=5) as kb:
            kb.ingest([{str(corpus)!r}], progress=progress)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    for _ in range(23):
        child.stdout.readline()
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    with KnowledgeBase.open(path) as base:
        committed = base.stats()["documents"]
        assert 0 < committed < 70 and committed % 5 == 0
        assert base.count("网格") >= 1
        report = base.ingest([corpus])
        assert report.counts()["unchanged"] == committed
        assert report.counts()["added"] == 70 - committed and not report.failed
        assert base.stats()["documents"] == 70
        assert base.count("推进网格化管理") == 60
        assert len(list((path / "documents").glob("*.json"))) == 70
