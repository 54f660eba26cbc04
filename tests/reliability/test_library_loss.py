"""Data-loss cases of issue 14: a damaged CURRENT, a missing store, a truncated stored
document, flipped bytes in the index. Each ends with every stored document still there."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan.cli import cli
from kb.knowledge_base import KnowledgeBase

DOCS = 6


def _write_corpus(folder: Path, n: int = DOCS, prefix: str = "存档") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}{i}.txt").write_text(
            f"第{i}号{prefix}讲话\n\n同志们：\n\n一、抓好第{i}项{prefix}工作\n\n"
            f"要推进{prefix}标记{i}号任务，落实不丢失的要求。\n\n二、压实责任\n\n"
            f"第{i}项{prefix}工作要有人管、有人抓。\n", encoding="utf-8")
    return folder


def run(runner, kb: Path, *args):
    return runner.invoke(cli, ["--kb", str(kb), *args])


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def library(tmp_path, runner) -> Path:
    kb = tmp_path / "kb"
    result = run(runner, kb, "ingest", str(_write_corpus(tmp_path / "材料")))
    assert result.exit_code == 0, result.output
    return kb


def _assert_all_there(kb: Path, n: int = DOCS, prefix: str = "存档") -> None:
    """Every document is listed, stored whole, searchable, and its original kept."""
    with KnowledgeBase.open(kb, create=False) as base:
        infos = base.documents()
        assert len(infos) == n
        for i in range(n):
            assert base.count(f"{prefix}标记{i}号") == 1
        for info in infos:
            assert len(base.passages(info.doc_id)) == info.passages
            assert (kb / "originals" / info.original).is_file()
    assert len(list((kb / "documents").glob("*.json"))) == n


def _assert_damage_line(result) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "已损坏" in result.stderr and "bigan reindex" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("command", [["search", "落实不丢失"], ["stats"]], ids=["search", "stats"])
def test_an_empty_current_is_damage_and_reindex_keeps_every_document(library, runner, command):
    (library / "CURRENT").write_bytes(b"")
    result = run(runner, library, *command)
    _assert_damage_line(result)
    assert "CURRENT 文件为空" in result.stderr
    rebuilt = run(runner, library, "reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "已修复" in rebuilt.stderr and f"已重建索引：{DOCS} 篇文档" in rebuilt.stderr
    _assert_all_there(library)


@pytest.mark.parametrize("target", ["../victim", "{victim}", "documents", "originals", ".", "..",
                                    "index-1/..", "index-1/../../victim", "index-99"],
                         ids=["relative", "absolute", "documents", "originals", "root", "parent",
                              "dot-dot", "escape", "missing"])
def test_current_pointing_elsewhere_never_deletes_it(library, runner, tmp_path, target):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "重要.txt").write_text("别人的文件", encoding="utf-8")
    (library / "CURRENT").write_text(target.format(victim=victim), encoding="utf-8")
    _assert_damage_line(run(runner, library, "search", "落实不丢失"))
    rebuilt = run(runner, library, "reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "已修复" in rebuilt.stderr
    assert (victim / "重要.txt").read_text(encoding="utf-8") == "别人的文件"
    _assert_all_there(library)
    assert (library / "CURRENT").read_text(encoding="utf-8").startswith("index-")


def test_a_missing_current_is_not_a_new_library_and_ingest_keeps_everything(library, runner, tmp_path):
    (library / "CURRENT").unlink()
    stats = run(runner, library, "stats")
    _assert_damage_line(stats)
    assert "不存在" not in stats.stderr.replace("CURRENT 文件缺失", "")
    more = run(runner, library, "ingest", str(_write_corpus(tmp_path / "新材料", 1, "新增")))
    assert more.exit_code == 0, more.output
    assert f"已从 {DOCS} 篇已存文档重建索引" in more.stderr
    assert "新增 1 篇" in more.stderr
    with KnowledgeBase.open(library, create=False) as base:
        assert len(base.documents()) == DOCS + 1 and base.count("新增标记0号") == 1
        for i in range(DOCS):
            assert base.count(f"存档标记{i}号") == 1
    assert len(list((library / "documents").glob("*.json"))) == DOCS + 1
    assert len(list((library / "originals").iterdir())) == DOCS + 1


def test_a_missing_current_through_the_library_too(library, tmp_path):
    (library / "CURRENT").unlink()
    with KnowledgeBase.open(library) as base:  # create=True must not make a new, empty index
        report = base.ingest([_write_corpus(tmp_path / "新材料", 1, "新增")])
        assert report.counts()["added"] == 1
        assert any("CURRENT 文件缺失" in n for n in base.notices)
        assert len(base.documents()) == DOCS + 1


def test_a_missing_store_is_restored_from_the_originals(library, runner):
    shutil.rmtree(library / "documents")
    rebuilt = run(runner, library, "reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"已从原件恢复 {DOCS} 篇" in rebuilt.stderr and f"已重建索引：{DOCS} 篇文档" in rebuilt.stderr
    _assert_all_there(library)
    with KnowledgeBase.open(library) as base:
        for info in base.documents():
            assert base.document(info.doc_id).title == info.title


def test_a_missing_store_without_originals_makes_reindex_refuse_unless_forced(library, runner):
    shutil.rmtree(library / "documents")
    shutil.rmtree(library / "originals")
    refused = run(runner, library, "reindex")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"已存文档比索引少 {DOCS} 篇" in refused.stderr and "--force" in refused.stderr
    assert "一篇也没有" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    # The index that still holds every text is untouched.
    found = run(runner, library, "search", "落实不丢失", "--count")
    assert found.exit_code == 0 and found.stdout.strip() == str(DOCS)
    with KnowledgeBase.open(library) as base:
        assert len(base.documents()) == DOCS


def _lose(library: Path, info, *, truncate: bool = False) -> bytes:
    """Damage (or delete) a stored document and delete its original; return what was left."""
    (library / "originals" / info.original).unlink()
    path = library / "documents" / f"{info.doc_id}.json"
    data = path.read_bytes()
    if truncate:
        path.write_bytes(data[: len(data) // 2])
        return data[: len(data) // 2]
    path.unlink()
    return b""


def test_one_missing_document_file_is_named_and_forced_reindex_keeps_the_rest(library, runner):
    with KnowledgeBase.open(library) as base:
        lost = base.documents()[2]
    _lose(library, lost)
    refused = run(runner, library, "reindex")
    assert refused.exit_code == 1
    assert "已存文档比索引少 1 篇" in refused.stderr and f"{lost.doc_id}.json" in refused.stderr
    assert lost.title in refused.stderr
    with KnowledgeBase.open(library) as base:
        assert len(base.documents()) == DOCS  # nothing dropped without a word
    forced = run(runner, library, "reindex", "--force")
    assert forced.exit_code == 0, forced.output
    assert f"已重建索引：{DOCS - 1} 篇文档" in forced.stderr
    with KnowledgeBase.open(library) as base:
        assert len(base.documents()) == DOCS - 1
        for info in base.documents():
            assert len(base.passages(info.doc_id)) == info.passages


def test_a_truncated_document_is_restored_from_its_original(library, runner):
    with KnowledgeBase.open(library) as base:
        broken = base.documents()[1]
        before = base.document(broken.doc_id)
    path = library / "documents" / f"{broken.doc_id}.json"
    path.write_bytes(path.read_bytes()[:100])
    shown = run(runner, library, "show", broken.doc_id)
    assert shown.exit_code == 1 and "Traceback" not in shown.output
    assert f"{broken.doc_id}.json" in shown.stderr and "已损坏" in shown.stderr
    assert len(shown.stderr.strip().splitlines()) == 1, shown.stderr
    rebuilt = run(runner, library, "reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "已从原件恢复 1 篇" in rebuilt.stderr and broken.title in rebuilt.stderr
    _assert_all_there(library)
    with KnowledgeBase.open(library) as base:
        assert base.document(broken.doc_id).sections == before.sections


def test_a_truncated_document_without_original_is_named_and_the_rest_rebuilt(library, runner):
    with KnowledgeBase.open(library) as base:
        broken = base.documents()[1]
    left = _lose(library, broken, truncate=True)
    path = library / "documents" / f"{broken.doc_id}.json"
    rebuilt = run(runner, library, "reindex")
    assert rebuilt.exit_code == 1 and "Traceback" not in rebuilt.output, rebuilt.output
    failed = [line for line in rebuilt.stderr.splitlines() if line.startswith("失败：")]
    assert len(failed) == 1 and str(path) in failed[0] and "已损坏" in failed[0]
    assert f"已重建索引：{DOCS - 1} 篇文档" in rebuilt.stderr
    assert path.with_name(path.name + ".damaged").read_bytes() == left
    with KnowledgeBase.open(library) as base:
        infos = base.documents()
        assert broken.doc_id not in {i.doc_id for i in infos} and len(infos) == DOCS - 1
        for info in infos:
            assert len(base.passages(info.doc_id)) == info.passages
            assert base.count(info.title) >= 1


def _segments(kb: Path) -> list[Path]:
    folder = kb / (kb / "CURRENT").read_text(encoding="utf-8").strip()
    return sorted(p for p in folder.iterdir() if p.suffix in (".seg", ".toc"))


def test_flipped_bytes_in_the_index_are_damage_never_a_traceback(library, runner, tmp_path):
    with KnowledgeBase.open(library) as base:
        some_id = base.documents()[0].doc_id
    extra = _write_corpus(tmp_path / "追加", 1, "追加")
    pristine = tmp_path / "pristine"
    shutil.copytree(library, pristine)
    rng = random.Random(51)
    trials = []
    # Segment names are random; order by kind and size so a failure can be replayed.
    for part in sorted(_segments(library), key=lambda p: (p.suffix, p.stat().st_size)):
        size = part.stat().st_size
        trials += [(part.name, offset) for offset in sorted(rng.sample(range(size), min(size, 20)))]
    damaged = 0
    for name, offset in trials:
        shutil.rmtree(library)
        shutil.copytree(pristine, library)
        part = next(p for p in _segments(library) if p.name == name)
        data = bytearray(part.read_bytes())
        data[offset] ^= 0xFF
        part.write_bytes(bytes(data))
        for command in (["stats"], ["show", some_id], ["search", "落实不丢失"], ["ingest", str(extra)]):
            result = run(runner, library, *command)
            where = f"{name}@{offset} {command[0]}"
            assert result.exception is None or isinstance(result.exception, SystemExit), \
                (where, repr(result.exception))
            assert "Traceback" not in result.output, where
            if result.exit_code != 0:
                assert "已损坏" in result.stderr and "bigan reindex" in result.stderr, (where, result.stderr)
                assert len(result.stderr.strip().splitlines()) == 1, (where, result.stderr)
                damaged += 1
        rebuilt = run(runner, library, "reindex")
        assert rebuilt.exit_code == 0, (name, offset, rebuilt.output)
        with KnowledgeBase.open(library) as base:
            for i in range(DOCS):
                assert base.count(f"存档标记{i}号") == 1, (name, offset)
    assert damaged >= len(trials) // 4, (damaged, len(trials))


def test_a_document_stored_but_missing_from_the_index_is_damage(library, runner):
    # What one flipped byte in a segment can do: the record of a stored document is gone.
    from whoosh import index as whoosh_index

    with KnowledgeBase.open(library) as base:
        lost = base.documents()[0]
    folder = library / (library / "CURRENT").read_text(encoding="utf-8").strip()
    ix = whoosh_index.open_dir(str(folder))
    with ix.writer() as writer:
        writer.delete_by_term("key", f"d:{lost.doc_id}")
    shown = run(runner, library, "show", lost.doc_id[:8])
    assert shown.exit_code == 1 and "Traceback" not in shown.output, shown.output
    assert "已损坏" in shown.stderr and "bigan reindex" in shown.stderr and lost.doc_id[:8] in shown.stderr
    assert "没有文档" not in shown.stderr
    assert run(runner, library, "show", "ffffffff").stderr.startswith("错误：素材库中没有文档")
    assert run(runner, library, "reindex").exit_code == 0
    _assert_all_there(library)
