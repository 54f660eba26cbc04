"""`bigan check` on whole documents: clean official texts stay quiet, planted mistakes are caught.

The texts under tests/data/check/official/ and tests/data/check/planted/ are our own writing
in the style of State Council opinions, regulations, implementation plans, speeches and notices.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.model import Passage
from kb.phrases import PhraseLibrary
from kb.proofread import check_file, check_text

DATA = Path(__file__).resolve().parents[1] / "data" / "check"
OFFICIAL = sorted((DATA / "official").glob("*.txt"))
PLANTED = DATA / "planted"


@pytest.fixture(scope="module")
def library():
    # The numbered 提法 that used to be matched inside 第十八条 and 二十届四中全会.
    texts = ["深入学习贯彻党的十八大、十九大和二十大精神，增强“四个意识”。",
             "党的十八大以来，特别是党的二十大以来，我们推进“三社联动”。",
             "全面贯彻党的二十大精神，总结党的十八大以来的经验，深化“三社联动”。",
             "党的十八大、党的二十大作出部署，健全“三社联动”机制。"]
    return PhraseLibrary.build(Passage(f"d{i}", 0, text, "body") for i, text in enumerate(texts))


def test_the_official_texts_are_five_and_use_the_hard_cases():
    assert len(OFFICIAL) == 5
    text = "".join(path.read_text(encoding="utf-8") for path in OFFICIAL)
    for case in ("（十五）", "第十八条", "第十九条", "第二十条", "第二十次会议", "二十届四中全会",
                 "第十八届省运会", "坚持坚持再坚持", "抓抓抓", "一次又一次", "【特别提示\n"):
        assert case in text, case


def test_clean_official_texts_raise_no_errors_and_at_most_two_suspicions(library):
    findings = {path.name: check_file(path, library=library) for path in OFFICIAL}
    errors = [(name, f.message) for name, found in findings.items() for f in found if f.level == "错误"]
    suspicions = [(name, f.message) for name, found in findings.items() for f in found if f.level == "疑似"]
    assert errors == []
    assert len(suspicions) <= 2, suspicions


def test_the_library_is_used_on_the_official_texts(library):
    # The same library does catch a real variant, so the silence above is not an empty library.
    findings = check_text("落实党的十八届四中全会和党的二十大精神，推进“三社联合”。", library=library)
    assert [(f.rule, f.original) for f in findings] == [("提法写法", "三社联合")]


def _planted_table() -> list[tuple[str, str, str]]:
    rows = []
    for line in (PLANTED / "planted.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            clean, planted, rule = line.split("\t")
            rows.append((clean, planted, rule))
    return rows


def _plant(clean: str, table) -> str:
    text = clean
    for original, planted, _ in table:
        assert text.count(original) == 1, original
        text = text.replace(original, planted)
    return text


def test_planted_file_is_the_clean_twin_with_the_table_applied():
    table = _planted_table()
    assert len(table) >= 40
    clean = (PLANTED / "clean.txt").read_text(encoding="utf-8")
    assert (PLANTED / "planted.txt").read_text(encoding="utf-8") == _plant(clean, table)


def test_clean_twin_has_no_false_errors(library):
    findings = check_file(PLANTED / "clean.txt", library=library)
    assert [f.message for f in findings if f.level == "错误"] == []


def _caught(findings, text: str, planted: str, rule: str) -> bool:
    # Caught: a finding of the expected rule inside the planted words.
    lines = text.splitlines()
    for finding in findings:
        if finding.rule != rule:
            continue
        line = lines[finding.line - 1]
        start = line.find(planted)
        while start >= 0:
            if start <= finding.column - 1 < start + len(planted):
                return True
            start = line.find(planted, start + 1)
    return False


def test_planted_mistakes_are_caught(library):
    table = _planted_table()
    text = (PLANTED / "planted.txt").read_text(encoding="utf-8")
    findings = check_file(PLANTED / "planted.txt", library=library)
    missed = [(planted, rule) for _, planted, rule in table if not _caught(findings, text, planted, rule)]
    caught = len(table) - len(missed)
    assert caught / len(table) >= 0.9, missed
    # Every kind of mistake is caught at least once.
    assert {rule for _, _, rule in table} == {rule for _, planted, rule in table
                                             if (planted, rule) not in missed}
