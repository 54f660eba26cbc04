"""What each section is, known at ingest: role, unit level, voice, bound sentences; stored, filtered, shown."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import kb.index
from bigan.cli import cli
from kb import KnowledgeBase
from kb.annotate import annotate_document
from kb.errors import IndexOutdatedError, QueryError
from kb.index import pack_note, unpack_note
from kb.model import Annotation, Document, DocumentAnnotation, Passage, Section

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "kb" / "annotate"
SPEECH = "在南湖区防汛救灾工作会议上的讲话"
PLAN = "江州市防汛物资储备工作方案"
OPINION = "国务院关于加强应急物资保障体系建设的意见"


def _ids(kb) -> dict[str, str]:
    return {info.title: info.doc_id for info in kb.documents()}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("annotated") / "kb"
    with KnowledgeBase.open(root) as base:
        report = base.ingest([FIXTURES])
        assert report.counts()["added"] == 3, report.summary()
    return root


@pytest.fixture
def base(library):
    with KnowledgeBase.open(library, create=False) as opened:
        yield opened


def _row(a: Annotation) -> tuple:
    return (a.role, a.unit_level, a.voice, a.meeting_bound, a.time_bound)


# -- what ingest stores ---------------------------------------------------------------------

def test_speech_sections_get_role_level_voice_and_bound_flags(base):
    notes = base.annotation(_ids(base)[SPEECH])
    assert _row(notes.document) == ("", "区", "地方讲话", True, True)
    assert _row(notes.opening) == ("opening", "区", "地方讲话", True, True)
    assert _row(notes.closing) == ("closing", "区", "地方讲话", False, False)
    assert [_row(p) for p in notes.parts] == [
        ("认识", "区", "地方讲话", False, False),
        ("形势", "区", "地方讲话", False, True),   # 2024年入汛以来
        ("任务", "区", "地方讲话", False, False),
        ("保障", "区", "地方讲话", False, False),
    ]


def test_plan_sections_get_the_plan_roles(base):
    notes = base.annotation(_ids(base)[PLAN])
    assert _row(notes.document) == ("", "市", "地方方案", False, True)
    assert [(p.role, p.time_bound) for p in notes.parts] == [
        ("总体要求", False), ("工作目标", True), ("主要任务", False), ("实施步骤", True), ("保障措施", False)]
    assert {p.unit_level for p in notes.parts} == {"市"}


def test_state_council_opinion_speaks_for_the_centre(base):
    notes = base.annotation(_ids(base)[OPINION])
    assert _row(notes.document) == ("", "中央", "国务院文件", False, False)
    assert [(p.unit_level, p.voice) for p in notes.parts] == [("中央", "国务院文件")] * 3


def test_passages_carry_their_part_and_their_own_flags(base):
    passages = base.passages(_ids(base)[SPEECH])
    rows = [(p.role, p.part, p.unit_level, p.meeting_bound, p.time_bound, p.text[:6]) for p in passages]
    assert rows[:5] == [
        ("title", "", "区", False, False, "在南湖区防汛"),
        ("opening", "opening", "区", False, False, "同志们"),
        ("opening", "opening", "区", True, True, "今天召开这次"),
        ("heading", "认识", "区", False, False, "提高政治站位"),
        ("body", "认识", "区", False, False, "防汛救灾关系"),
    ]
    assert rows[-1] == ("closing", "closing", "区", False, False, "同志们，防汛")


def test_a_section_speaks_for_its_own_unit_or_the_documents():
    doc = Document(title="在江州市安全生产工作会议上的讲话", doc_type="speech", sections=(
        Section("heading", 1, "一、", "统一思想认识", ("全市上下要绷紧安全这根弦。",)),
        Section("heading", 1, "二、", "抓好重点任务", ("全县要抓紧排查，县委要牵头。",)),
        Section("heading", 1, "三、", "强化组织领导", ("各省、自治区、直辖市人民政府要抓好落实。",)),
        Section("heading", 1, "四、", "狠抓工作落实", ("要把责任落到人头。",))))
    notes = annotate_document(doc)
    assert (notes.document.unit_level, notes.document.voice) == ("市", "地方讲话")
    # 二 speaks as a county (borrowed text), 四 shows nothing of its own and takes the document's
    assert [(p.unit_level, p.voice) for p in notes.parts] == [
        ("市", "地方讲话"), ("县", "地方讲话"), ("市", "国务院文件"), ("市", "地方讲话")]


def test_level_unknown_and_from_the_issuer():
    bare = Document(title="关于做好志愿服务工作的几点思考", doc_type="speech",
                    sections=(Section("heading", 1, "一、", "把握要求", ("要抓好落实。",)),))
    assert annotate_document(bare).document.unit_level == ""
    from kb.model import DocMeta
    issued = Document(title="关于做好志愿服务工作的通知", doc_type="notice",
                      meta=DocMeta(issuer="江州市人民政府办公室"))
    assert (annotate_document(issued).document.unit_level, annotate_document(issued).document.voice) \
        == ("市", "地方方案")


def test_annotation_json_round_trip(base):
    notes = base.annotation(_ids(base)[PLAN])
    assert DocumentAnnotation.from_json(json.loads(json.dumps(notes.to_json()))) == notes


def test_note_column_round_trip():
    passage = Passage("abc", 3, "今天，我讲三点。", "body", part="任务", unit_level="市", voice="地方讲话",
                      meeting_bound=True)
    assert unpack_note(pack_note(passage)) == ("任务", "市", "地方讲话", True, False)


# -- filters in the API ---------------------------------------------------------------------

def _texts(hits) -> list[str]:
    return [h.text for h in hits]


def test_search_filters_on_part(base):
    hits = base.search("防汛", part="形势", limit=None)
    assert _texts(hits) == ["清醒认识当前防汛形势面临的风险挑战"]
    assert base.count("防汛", part="形势") == 1
    assert _texts(base.search("入汛", part="形势")) == ["2024年入汛以来，我区先后遭遇三轮强降雨，一些堤防出现险情，短板弱项依然突出。"]
    steps = base.search("阶段", part="实施步骤", limit=None, sort="date")
    assert sorted(_texts(steps)) == ["建设阶段（2026年5月—10月）", "摸底阶段（2026年3月—4月）"]
    assert base.search("阶段", part="主要任务") == []


def test_search_filters_on_unit_level_and_voice(base):
    central = base.search("应急", unit_level="中央", limit=None)
    assert sorted(_texts(central)) == sorted([
        OPINION, "为提升应急物资保障能力，现提出如下意见。", "健全应急物资储备体系", "提升应急物资调运能力",
        "完善应急物流网络，建立跨区域调运协调机制。"])
    assert all((h.unit_level, h.voice) == ("中央", "国务院文件") for h in central)
    assert base.count("应急", voice="国务院文件") == 5
    assert base.count("应急", voice="地方讲话") == 0
    assert {h.title for h in base.search("防汛", unit_level="区", limit=None)} == {SPEECH}
    assert base.search("防汛", unit_level="不详") == []


def test_search_filters_on_bound_sentences(base):
    assert _texts(base.search("会议", meeting_bound=True, limit=None)) == ["今天召开这次会议，主要是部署今年的防汛救灾工作。"]
    unbound = base.search("防汛", meeting_bound=False, time_bound=False, unit_level="区", limit=None)
    assert sorted(_texts(unbound)) == sorted([
        SPEECH, "提高政治站位，深刻认识防汛救灾的重大意义",
        "防汛救灾关系群众生命财产安全。全区各级干部要把防汛救灾摆在突出位置，区委将把这项工作纳入年度考核。",
        "清醒认识当前防汛形势面临的风险挑战", "各级各部门要落实防汛责任人，严格值班值守，对失职失责的严肃追责问责。",
        "同志们，防汛救灾责任重大，让我们以实际行动守护群众平安！"])
    timed = base.search("2026年", time_bound=True, limit=None)
    assert sorted(_texts(timed)) == ["到2026年底，全市防汛物资储备点覆盖所有乡镇。", "建设阶段（2026年5月—10月）",
                                     "摸底阶段（2026年3月—4月）"]
    # topic search takes the same filters
    related = base.search("防汛 物资", related=True, part="工作目标", limit=None)
    assert _texts(related) == ["到2026年底，全市防汛物资储备点覆盖所有乡镇。"]
    assert base.count("防汛 物资", related=True, part="工作目标") == 1


def test_hits_carry_the_annotation(base):
    hit = base.search("入汛以来", limit=1)[0]
    assert (hit.part, hit.unit_level, hit.voice, hit.meeting_bound, hit.time_bound) == \
        ("形势", "区", "地方讲话", False, True)
    assert hit.to_json()["part"] == "形势"


@pytest.mark.parametrize("kwargs, word", [
    ({"part": "结论"}, "部分"), ({"unit_level": "村"}, "单位层级"), ({"voice": "报告"}, "口吻")],
    ids=["part", "unit_level", "voice"])
def test_unknown_filter_values_are_named(base, kwargs, word):
    with pytest.raises(QueryError, match=f"未知的{word}"):
        base.search("防汛", **kwargs)


# -- the CLI ------------------------------------------------------------------------------

def _cli(library, *args):
    return CliRunner().invoke(cli, ["--kb", str(library), *args])


def test_cli_search_options(library):
    result = _cli(library, "search", "阶段", "--part", "实施步骤", "--json")
    assert result.exit_code == 0, result.output
    assert sorted(h["text"] for h in json.loads(result.stdout)) == ["建设阶段（2026年5月—10月）", "摸底阶段（2026年3月—4月）"]
    assert _cli(library, "search", "应急", "--unit-level", "中央", "--voice", "国务院文件", "--count").stdout == "5\n"
    assert _cli(library, "search", "会议", "--meeting-bound", "--count").stdout == "1\n"
    assert _cli(library, "search", "会议", "--no-meeting-bound", "--count").stdout == \
        f"{int(_cli(library, 'search', '会议', '--count').stdout) - 1}\n"
    assert _cli(library, "search", "2026年", "--time-bound", "--count").stdout == "3\n"
    bad = _cli(library, "search", "防汛", "--unit-level", "村")
    assert bad.exit_code == 2 and "中央" in bad.output and "乡镇" in bad.output


def test_cli_search_help_lists_the_choices(library):
    out = _cli(library, "search", "--help").stdout
    assert "--part" in out and "--unit-level" in out and "--voice" in out and "--meeting-bound" in out
    assert "总体要求" in out and "国务院文件" in out and "只查以某一层级单位的口吻说的段落" in out


def test_show_prints_level_voice_and_each_parts_annotation(library, base):
    doc_id = _ids(base)[SPEECH]
    result = _cli(library, "show", doc_id)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "单位层级：区" in lines and "口吻：地方讲话" in lines and "语境：含会议语境句、时间语境句" in lines
    assert lines[lines.index("提纲：") + 1:] == [
        "  一、提高政治站位，深刻认识防汛救灾的重大意义　〔认识｜区｜地方讲话〕",
        "  二、清醒认识当前防汛形势面临的风险挑战　〔形势｜区｜地方讲话｜时间句〕",
        "  三、聚焦重点环节，扎实推进隐患排查整治　〔任务｜区｜地方讲话〕",
        "  四、压实工作责任，确保各项措施落地见效　〔保障｜区｜地方讲话〕",
    ]
    plan = _cli(library, "show", _ids(base)[PLAN]).stdout.splitlines()
    assert "  四、实施步骤　〔实施步骤｜市｜地方方案｜时间句〕" in plan
    assert "    （一）摸底阶段（2026年3月—4月）" in plan
    data = json.loads(_cli(library, "show", doc_id, "--json").stdout)
    assert data["annotation"]["document"] == {"role": "", "unit_level": "区", "voice": "地方讲话",
                                              "meeting_bound": True, "time_bound": True}
    assert [p["role"] for p in data["annotation"]["parts"]] == ["认识", "形势", "任务", "保障"]
    assert data["document"]["title"] == SPEECH  # the existing keys stay


# -- libraries built before annotations ---------------------------------------------------

def _old_schema():
    schema = _NEW_SCHEMA()
    schema.remove("note")
    schema.remove("annotation")
    return schema


_NEW_SCHEMA = kb.index.build_schema


@pytest.fixture
def old_library(tmp_path, monkeypatch):
    """A library whose index was made by the version before annotations (no note field)."""
    folder = tmp_path / "材料"
    shutil.copytree(FIXTURES, folder)
    root = tmp_path / "kb"
    monkeypatch.setattr(kb.index, "build_schema", _old_schema)
    with KnowledgeBase.open(root) as base:
        base.ingest([folder / "区防汛讲话.md", folder / "国务院应急物资意见.txt"])
    monkeypatch.setattr(kb.index, "build_schema", _NEW_SCHEMA)
    return root, folder


def test_old_library_still_searches_and_shows(old_library):
    root, folder = old_library
    with KnowledgeBase.open(root, create=False) as base:
        assert not kb.index.annotated(base.index.open())
        hits = base.search("入汛以来")
        assert len(hits) == 1 and hits[0].part == ""  # not annotated, not a crash
        assert base.annotation(_ids(base)[SPEECH]) == annotate_document(base.document(_ids(base)[SPEECH]))
    shown = _cli(root, "show", _ids(KnowledgeBase.open(root, create=False))[SPEECH])
    assert shown.exit_code == 0 and "  二、清醒认识当前防汛形势面临的风险挑战　〔形势｜区｜地方讲话｜时间句〕" in shown.stdout
    # a new file still lands in the old index
    added = _cli(root, "ingest", str(folder / "市防汛方案.txt"))
    assert added.exit_code == 0 and "新增 1 篇" in added.stderr


def test_old_library_asks_for_reindex_then_reindex_fills_the_fields(old_library, library):
    root, folder = old_library
    with KnowledgeBase.open(root, create=False) as base:
        with pytest.raises(IndexOutdatedError, match="bigan reindex"):
            base.search("防汛", part="形势")
        with pytest.raises(IndexOutdatedError, match="bigan reindex"):
            base.count("防汛", related=True, voice="地方讲话")
    refused = _cli(root, "search", "防汛", "--unit-level", "区")
    assert refused.exit_code == 1
    assert "索引建于旧版本" in refused.stderr and "请先运行 bigan reindex" in refused.stderr
    assert "Traceback" not in refused.output
    assert _cli(root, "ingest", str(folder / "市防汛方案.txt")).exit_code == 0  # lands unannotated
    reindexed = _cli(root, "reindex")
    assert reindexed.exit_code == 0, reindexed.output
    with KnowledgeBase.open(root, create=False) as base, KnowledgeBase.open(library, create=False) as fresh:
        assert kb.index.annotated(base.index.open())
        assert _texts(base.search("防汛", part="形势", limit=None)) == _texts(fresh.search("防汛", part="形势", limit=None))
        assert base.count("应急", unit_level="中央") == 5
        old_id, new_id = _ids(base)[SPEECH], _ids(fresh)[SPEECH]
        assert base.annotation(old_id) == fresh.annotation(new_id)
        def notes(hits):
            return sorted((h.doc_id, h.ordinal, h.part, h.unit_level, h.voice, h.meeting_bound, h.time_bound)
                          for h in hits)
        assert notes(base.search("防汛", limit=None)) == notes(fresh.search("防汛", limit=None))
        assert len(notes(base.search("防汛", limit=None))) == 11


def test_edit_recomputes_the_annotation(tmp_path):
    root = tmp_path / "kb"
    with KnowledgeBase.open(root) as base:
        base.ingest([FIXTURES / "市防汛方案.txt"])
        doc_id = base.documents()[0].doc_id
        assert base.annotation(doc_id).parts[0].role == "总体要求"
        base.edit(doc_id, doc_type="speech", title="在全县防汛物资储备工作会议上的讲话")
        notes = base.annotation(doc_id)
        # read as a speech now: the speech roles, and the title's level
        assert [p.role for p in notes.parts] == ["任务", "任务", "任务", "实施步骤", "保障"]
        assert notes.document.unit_level == "县"
        assert base.count("防汛", part="总体要求") == 0
