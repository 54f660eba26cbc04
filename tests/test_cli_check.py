"""`bigan check` and `bigan phrases` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bigan import cli_phrases
from bigan.cli_phrases import check, phrases
from kb.model import Passage
from kb.phrases import PhraseLibrary

DATA = Path(__file__).resolve().parent / "data" / "check"


@pytest.fixture
def runner():
    return CliRunner()


class _FakeKnowledgeBase:
    """Stands in for KnowledgeBase: the lead's phrase_library() returns the library."""

    def __init__(self, library, root):
        self.library = library
        self.root = root

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def phrase_library(self):
        return self.library


@pytest.fixture
def library():
    texts = ["全面实施“三社联动”，推进五大工程。", "深化“三社联动”，打造“邻里中心”。",
             "推进“三社联动”，建设“邻里中心”。", "会议强调，“要守住安全底线”。"]
    return PhraseLibrary.build(Passage(f"d{i}", 0, t, "body", title=f"文件{i}", date=f"202{i}-05-01")
                               for i, t in enumerate(texts))


@pytest.fixture
def with_kb(monkeypatch, tmp_path, library):
    fake = _FakeKnowledgeBase(library, tmp_path)
    monkeypatch.setattr(cli_phrases, "_knowledge_base", lambda ctx, required: fake)
    return fake


@pytest.fixture
def no_kb(tmp_path):
    return {"kb_path": str(tmp_path / "no-such-kb")}


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- check

def test_check_clean_file_exits_0(runner, no_kb):
    result = runner.invoke(check, [str(DATA / "clean_draft.txt")], obj=no_kb)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "未发现问题" in result.stderr


def test_check_reports_errors_and_exits_1(runner, no_kb, tmp_path):
    path = write(tmp_path / "draft.txt", "同志们:今天开会。\n习总书记总书记强调，要抓落实。\n")
    result = runner.invoke(check, [str(path)], obj=no_kb)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:1:4 [错误] 半角标点 中文里的半角“:”应为全角“：”（建议：：）",
        f"{path}:2:2 [错误] 重复词语 “总书记”连写了两次：“习总书记总书记强调，要抓落…”（建议：总书记）",
    ]
    assert "共 2 处：错误 2，疑似 0，提示 0" in result.stderr


def test_check_only_suspicions_exits_0(runner, no_kb, tmp_path):
    path = write(tmp_path / "draft.txt", "对其它人员一并登记。\n")
    result = runner.invoke(check, [str(path)], obj=no_kb)
    assert result.exit_code == 0
    assert "[疑似] 易错词 “其它”应为“其他”：“对其它人员一并登记…”（建议：其他）" in result.stdout


def test_check_json(runner, no_kb, tmp_path):
    path = write(tmp_path / "draft.txt", "会议于2020年05月07日召开。\n")
    result = runner.invoke(check, [str(path), "--json"], obj=no_kb)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(d["line"], d["column"], d["rule"], d["level"], d["fixable"], d["file"]) for d in data] == [
        (1, 9, "日期格式", "错误", True, str(path)), (1, 12, "日期格式", "错误", True, str(path))]


def test_check_json_empty_is_a_list(runner, no_kb):
    result = runner.invoke(check, [str(DATA / "clean_draft.txt"), "--json"], obj=no_kb)
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_fix_to_a_copy(runner, no_kb, tmp_path):
    path = write(tmp_path / "draft.txt", "同志们: 今天开会,研究社区(村)工作。\n会议于2020年05月07日召开。\n")
    out = tmp_path / "fixed.txt"
    result = runner.invoke(check, [str(path), "--fix", "-o", str(out)], obj=no_kb)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "同志们：今天开会，研究社区（村）工作。\n会议于2020年5月7日召开。\n"
    assert path.read_text(encoding="utf-8").startswith("同志们: ")
    assert "已修正 6 处" in result.stderr
    assert not (tmp_path / "draft.txt.bak").exists()


def test_fix_in_place_keeps_a_backup_and_the_encoding(runner, no_kb, tmp_path):
    original = "同志们:今天开会。\r\n习总书记总书记强调。\r\n"
    path = write(tmp_path / "draft.txt", original, "gb18030")
    result = runner.invoke(check, [str(path), "--fix"], obj=no_kb)
    # The doubled word is not a safe fix: it stays, and so does exit 1.
    assert result.exit_code == 1
    assert path.read_bytes().decode("gb18030") == "同志们：今天开会。\r\n习总书记总书记强调。\r\n"
    assert (tmp_path / "draft.txt.bak").read_bytes() == original.encode("gb18030")
    assert result.stdout.splitlines() == [
        f"{path}:2:2 [错误] 重复词语 “总书记”连写了两次：“习总书记总书记强调。”（建议：总书记）"]
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_fix_refuses_docx(runner, no_kb, tmp_path):
    path = tmp_path / "draft.docx"
    path.write_bytes(b"PK\x03\x04")
    result = runner.invoke(check, [str(path), "--fix"], obj=no_kb)
    assert result.exit_code == 2
    assert "--fix 只能修正 .txt 和 .md 文件" in result.output


def test_output_needs_fix(runner, no_kb, tmp_path):
    path = write(tmp_path / "draft.txt", "正文。\n")
    result = runner.invoke(check, [str(path), "-o", str(tmp_path / "x.txt")], obj=no_kb)
    assert result.exit_code == 2 and "-o 只能与 --fix 一起使用" in result.output


def test_unreadable_file_is_exit_1_with_message(runner, no_kb, tmp_path):
    path = tmp_path / "draft.xlsx"
    path.write_bytes(b"PK\x03\x04")
    result = runner.invoke(check, [str(path)], obj=no_kb)
    assert result.exit_code == 1 and "只能检查这些格式的文件：" in result.output
    assert all(f"{suffix}、" in result.output for suffix in (".doc", ".docx", ".html", ".pdf", ".wps"))


def test_user_rules_option(runner, no_kb, tmp_path):
    rules = write(tmp_path / "rules.tsv", "网络员\t网格员\t疑似\n")
    path = write(tmp_path / "draft.txt", "选好网络员。\n")
    result = runner.invoke(check, [str(path), "--rules", str(rules)], obj=no_kb)
    assert result.exit_code == 0
    assert "易错词 “网络员”应为“网格员”" in result.stdout


def test_check_uses_the_knowledge_base_phrases_and_rules(runner, with_kb, tmp_path):
    write(with_kb.root / "proofread_rules.tsv", "网络员\t网格员\t错误\n")
    path = write(tmp_path / "draft.txt", "健全“三社联合”机制，选好网络员。\n")
    result = runner.invoke(check, [str(path)], obj={})
    assert result.exit_code == 1
    assert [line.split(" ")[2] for line in result.stdout.splitlines()] == ["提法写法", "易错词"]
    assert "“三社联合”：素材库中这一提法通常写作“三社联动”（3 次）" in result.stdout


# ---------------------------------------------------------------- phrases

def test_phrases_lists_with_counts_and_example(runner, with_kb):
    result = runner.invoke(phrases, [], obj={})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "三社联动　［数字提法］　3 次 / 3 篇　2020-05-01 至 2022-05-01"
    assert lines[1] == "    例：全面实施“三社联动”，推进五大工程。"
    assert lines[2].startswith("邻里中心　［引号提法］　2 次 / 2 篇")


def test_phrases_query_kind_and_min_count(runner, with_kb):
    result = runner.invoke(phrases, ["三社", "--json"], obj={})
    assert [d["text"] for d in json.loads(result.stdout)] == ["三社联动"]
    result = runner.invoke(phrases, ["--kind", "quotation", "--json"], obj={})
    assert [d["text"] for d in json.loads(result.stdout)] == ["要守住安全底线"]
    result = runner.invoke(phrases, ["--min-count", "2", "--json"], obj={})
    assert [d["text"] for d in json.loads(result.stdout)] == ["三社联动", "邻里中心"]
    result = runner.invoke(phrases, ["--sort", "date", "--json"], obj={})
    assert [d["last_date"] for d in json.loads(result.stdout)][:2] == ["2023-05-01", "2022-05-01"]


def test_phrases_json_shape(runner, with_kb):
    data = json.loads(runner.invoke(phrases, ["邻里", "--json"], obj={}).stdout)
    assert data == [{
        "text": "邻里中心", "kind": "quoted", "count": 2, "documents": 2,
        "first_date": "2021-05-01", "last_date": "2022-05-01",
        "example": "深化“三社联动”，打造“邻里中心”。",
        "occurrences": [{"doc_id": "d1", "ordinal": 0, "date": "2021-05-01", "title": "文件1"},
                        {"doc_id": "d2", "ordinal": 0, "date": "2022-05-01", "title": "文件2"}],
    }]


def test_phrases_no_match_is_exit_0(runner, with_kb):
    result = runner.invoke(phrases, ["不存在的提法"], obj={})
    assert result.exit_code == 0 and result.stdout == ""
    assert "没有找到" in result.stderr
    result = runner.invoke(phrases, ["不存在的提法", "--json"], obj={})
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_phrases_bad_options_exit_2(runner, with_kb):
    assert runner.invoke(phrases, ["--kind", "slogan"], obj={}).exit_code == 2
    assert runner.invoke(phrases, ["--min-count", "0"], obj={}).exit_code == 2


def test_phrases_without_knowledge_base(runner, no_kb):
    result = runner.invoke(phrases, [], obj=no_kb)
    assert result.exit_code == 1
    assert "不存在" in result.output


@pytest.mark.parametrize("command", cli_phrases.COMMANDS, ids=lambda c: c.name)
def test_help_has_summary_and_examples(runner, command):
    result = runner.invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "示例" in result.stdout and "bigan " + command.name in result.stdout


def test_check_the_seed(runner, no_kb):
    seed = Path("/work/shared/corpus/seed/000_a918a184e0497794.txt")
    if not seed.is_file():
        pytest.skip("共享语料 /work/shared/corpus/seed 不存在")
    result = runner.invoke(check, [str(seed), "--json"], obj=no_kb)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    serious = {(d["rule"], d["level"]) for d in data if d["level"] != "提示"}
    # The scraper's × where names were removed (结合×实际) are leftovers to fill in.
    assert serious == {("重复词语", "错误"), ("半角标点", "错误"), ("段末标点", "疑似"), ("占位符", "错误")}
    assert [d["original"] for d in data if d["rule"] == "重复词语"] == ["总书记总书记"]


def test_check_without_a_readable_phrase_library_still_checks(runner, monkeypatch, tmp_path):
    from kb.errors import ReadError

    class Broken(_FakeKnowledgeBase):
        def phrase_library(self):
            raise ReadError(tmp_path / "phrases.json", "提法库文件内容已损坏", "请运行 bigan reindex 重建提法库")

    monkeypatch.setattr(cli_phrases, "_knowledge_base", lambda ctx, required: Broken(None, tmp_path))
    path = write(tmp_path / "draft.txt", "同志们:开会。\n")
    result = runner.invoke(check, [str(path)], obj={})
    assert result.exit_code == 1
    assert "跳过提法检查" in result.stderr and "半角标点" in result.stdout


def test_check_json_quotes_and_fills_original_for_every_finding(runner, no_kb):
    planted = DATA / "planted" / "planted.txt"
    result = runner.invoke(check, [str(planted), "--json"], obj=no_kb)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data) >= 58
    lines = planted.read_text(encoding="utf-8").splitlines()
    for item in data:
        assert item["original"] and "“" in item["message"], item
        assert lines[item["line"] - 1][item["column"] - 1:].startswith(item["original"]), item


def test_check_reads_html(runner, no_kb, tmp_path):
    page = tmp_path / "通知.html"
    page.write_text("<html><body><p>学习贯彻中国特色社会主意思想。</p></body></html>", encoding="utf-8")
    result = runner.invoke(check, [str(page)], obj=no_kb)
    assert result.exit_code == 1
    assert f"{page}:1:9 [错误] 提法错字 “社会主意”应为“社会主义”" in result.stdout


# ---------------------------------------------------------------- check --unit / --date

HANDMADE = ("在安全生产工作会议上的讲话\n同志们：\n"
            "新春伊始，全区上下要抓好安全生产，为×市发展保驾护航，区委要牵头抓总。\n"
            "全市各级要抓好春节前后的安全防范。\n")


def test_check_unit_flags_self_references_of_another_level(runner, no_kb, tmp_path):
    path = write(tmp_path / "稿.txt", HANDMADE)
    result = runner.invoke(check, [str(path), "--unit", "江州市", "--json"], obj=no_kb)
    assert result.exit_code == 0, result.output
    found = {(f["rule"], f["original"]) for f in json.loads(result.stdout)}
    assert ("单位层级", "全") in found and ("单位层级", "区") in found
    placeholder = [f for f in json.loads(result.stdout) if f["rule"] == "占位符" and "×市" in f["message"]]
    assert placeholder and placeholder[0]["suggestion"] == "江州市"
    # the title names no unit: without --unit the level is unknown and nothing is flagged
    result = runner.invoke(check, [str(path), "--json"], obj=no_kb)
    assert not [f for f in json.loads(result.stdout) if f["rule"] in ("单位层级", "占位符")]


def test_check_unit_of_a_district_accepts_its_own_words(runner, no_kb, tmp_path):
    path = write(tmp_path / "稿.txt", HANDMADE)
    result = runner.invoke(check, [str(path), "--unit", "南湖区", "--json"], obj=no_kb)
    found = json.loads(result.stdout)
    # 全区 and 区委 are its own words; 全市 is the city it belongs to
    assert [f for f in found if f["rule"] == "单位层级"] == []
    assert [f for f in found if f["rule"] == "占位符" and "×市" in f["message"]][0]["suggestion"] == ""


def test_check_date_judges_seasons_against_it(runner, no_kb, tmp_path):
    path = write(tmp_path / "稿.txt", HANDMADE)
    result = runner.invoke(check, [str(path), "--date", "2026-03-18"], obj=no_kb)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "季节不符" in line]
    assert len(lines) == 2 and "“新春伊始”与 2026年3月18日的日期不符" in lines[0] and "春节前后" in lines[1]
    result = runner.invoke(check, [str(path), "--date", "2026-02-25"], obj=no_kb)
    assert "季节不符" not in result.stdout
    # without --date a draft that names no date is not judged by season
    result = runner.invoke(check, [str(path)], obj=no_kb)
    assert "季节不符" not in result.stdout


def test_check_date_overrides_the_byline(runner, no_kb, tmp_path):
    text = "在江州市安全生产工作会议上的讲话\n（2026年2月20日）\n同志们：\n要确保到2025年底完成整治任务。\n"
    path = write(tmp_path / "稿.txt", text)
    assert "年份过时" in runner.invoke(check, [str(path)], obj=no_kb).stdout
    assert "年份过时" not in runner.invoke(check, [str(path), "--date", "2024-02-20"], obj=no_kb).stdout


@pytest.mark.parametrize("args, message", [
    (["--unit", "宣传部"], "看不出“宣传部”是哪一级单位"),
    (["--date", "2026-13-01"], "不是有效日期"),
    (["--date", "明天"], "请写成 YYYY-MM-DD"),
], ids=["unit", "month", "words"])
def test_check_bad_unit_or_date_is_exit_2(runner, no_kb, tmp_path, args, message):
    path = write(tmp_path / "稿.txt", HANDMADE)
    result = runner.invoke(check, [str(path), *args], obj=no_kb)
    assert result.exit_code == 2 and message in result.output


def test_check_unit_and_date_in_the_library_function(tmp_path):
    from kb.proofread import check_file

    path = write(tmp_path / "稿.txt", HANDMADE)
    rules = {f.rule for f in check_file(path, unit="江州市", date="2026-03-18")}
    assert {"单位层级", "季节不符", "占位符"} <= rules
    assert not {"单位层级", "季节不符"} & {f.rule for f in check_file(path)}


def test_check_leaves_an_attributed_quotation_as_spoken(runner, no_kb, tmp_path):
    # the quoted words are verbatim: an old formulation inside them is not the writer's to change
    text = ("在江州市工作会议上的讲话\n同志们：\n"
            "林某某总书记强调，“要深入贯彻党的十九大精神”。全市上下要深入贯彻党的十九大精神。\n")
    path = write(tmp_path / "稿.txt", text)
    result = runner.invoke(check, [str(path), "--date", "2026-03-18", "--json"], obj=no_kb)
    found = [f for f in json.loads(result.stdout) if f["rule"] == "提法过时"]
    assert [f["column"] for f in found] == [text.splitlines()[2].rindex("党的十九大精神") + 1]
