"""The writer's choices (generator/choices.py): another candidate for a part, another heading set.

The library is three district and county speeches on 垃圾分类 of our own
writing (tests/data/swap); the draft is for a 市, so every swapped-in part is
adapted as a normal draft's parts are (全县 → 全市, 县委 → 市委).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import Choices, DraftSpec, GeneratorError, draft
from generator.choices import parse_pick
from generator.render.markdown import render_markdown
from kb import KnowledgeBase

SWAP = Path(__file__).resolve().parent.parent / "data" / "swap"
SPEC = DraftSpec(kind="speech", topic=("垃圾分类",), occasion="动员部署会", unit="江州市", date="2026-03-01")
NANHU = "在南湖区垃圾分类工作动员部署会上的讲话"
QINGSHAN = "在青山县垃圾分类工作推进会上的讲话"
DONGCHENG = "在东城区垃圾分类工作座谈会上的讲话"


@pytest.fixture(scope="module")
def swap_kb(tmp_path_factory):
    kb = KnowledgeBase.open(tmp_path_factory.mktemp("swap") / "kb")
    assert kb.ingest([SWAP]).counts()["added"] == 3
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def base(swap_kb):
    return draft(SPEC, swap_kb)


def _text(part) -> str:
    return "".join(node.heading + "".join(p.text for p in node.own_paragraphs()) for node in part.walk())


def test_a_draft_offers_each_parts_candidates_and_says_which_it_uses(base):
    assert base.picks == (0, 0, 0)
    assert base.heading_set == 0
    assert [[c.source.title for c in found] for found in base.candidates] == [
        [NANHU, QINGSHAN, DONGCHENG], [QINGSHAN, NANHU], [NANHU, QINGSHAN, DONGCHENG, DONGCHENG]]
    offered = base.candidates[2][1]
    assert (offered.index, offered.heading) == (1, "强化保障，推动垃圾分类取得实效")
    assert offered.preview.startswith("县级财政要安排垃圾分类专项资金，县委组织部")  # as the source wrote it
    assert base.candidates[1][0].preview.startswith("一是推进源头减量。倡导净菜进城")
    assert [p.heading for p in base.parts] == list(base.heading_sets[0])


def test_swapping_a_part_puts_that_sources_text_there_adapted_and_keeps_the_others(swap_kb, base):
    swapped = draft(SPEC, swap_kb, choices=Choices(parts={2: 1}))
    assert swapped.picks == (0, 0, 1)
    third = swapped.parts[2]
    assert [p.text for p in third.paragraphs] == [
        "市级财政要安排垃圾分类专项资金，市委组织部要把垃圾分类纳入乡镇领导班子考核，考核结果与评先评优挂钩。"]
    assert {p.source.title for p in third.paragraphs} == {QINGSHAN}
    assert "县" not in _text(third)
    assert "各街道党工委书记" not in render_markdown(swapped.to_document())  # the old part is gone
    assert swapped.parts[:2] == base.parts[:2]
    assert (swapped.opening, swapped.closing, swapped.title) == (base.opening, base.closing, base.title)
    assert third.heading == base.parts[2].heading  # the heading set stays the draft's


def test_choosing_a_heading_set_gives_its_headings_and_keeps_the_bodies(swap_kb, base):
    chosen = draft(SPEC, swap_kb, choices=Choices(heading_set=2))
    assert chosen.heading_set == 2
    assert chosen.heading_sets == base.heading_sets
    assert [p.heading for p in chosen.parts] == list(base.heading_sets[2])
    assert not set(base.heading_sets[2]) & set(base.heading_sets[0])
    assert base.parts[0].heading in chosen.parts[0].alternatives
    assert [p.paragraphs for p in chosen.parts] == [p.paragraphs for p in base.parts]
    assert [p.marker for p in chosen.parts] == ["一、", "二、", "三、"]


def test_the_same_choices_give_the_same_draft(swap_kb, base):
    choices = Choices(heading_set=1, parts={0: 1, 2: 2})
    first, second = (render_markdown(draft(SPEC, swap_kb, choices=choices).to_document()) for _ in range(2))
    assert first == second
    assert "全县各乡镇" not in first and "全市各县（区）要看到" in first  # part one from 青山县, adapted (its 各乡镇 are a 市's 各县（区）)
    # choosing what the selection chose anyway changes nothing
    same = draft(SPEC, swap_kb, choices=Choices(heading_set=0, parts={0: 0, 1: 0, 2: 0}))
    assert render_markdown(same.to_document()) == render_markdown(base.to_document())


@pytest.mark.parametrize("choices, message", [
    (Choices(parts={5: 0}), "没有第六部分（本稿共 3 部分）"),
    (Choices(parts={1: 9}), "第二部分没有第 10 个候选材料（共 2 个）"),
    (Choices(heading_set=7), "没有第 8 组标题（共 4 组）"),
], ids=["no-such-part", "no-such-candidate", "no-such-heading-set"])
def test_choices_out_of_range_are_a_clear_message(swap_kb, choices, message):
    with pytest.raises(GeneratorError) as error:
        draft(SPEC, swap_kb, choices=choices)
    assert str(error.value) == message


def test_one_section_cannot_fill_two_parts(swap_kb):
    spec = SPEC.merged(parts=4)  # two 任务 parts: one list of candidates
    four = draft(spec, swap_kb)
    assert four.picks == (0, 1, 0, 1)
    with pytest.raises(GeneratorError) as error:
        draft(spec, swap_kb, choices=Choices(parts={2: 1}))
    assert str(error.value) == (f"第二部分和第三部分用了同一段材料（《{NANHU}》· 突出重点，扎实推进垃圾分类各项任务）"
                                "，请换用别的候选")
    # trading the two is fine
    traded = draft(spec, swap_kb, choices=Choices(parts={1: 0, 2: 1}))
    assert traded.picks == (0, 0, 1, 1)
    # (a part may take a donor point from another source, so compare where each part starts)
    assert _first_source(traded.parts[1]) == _first_source(four.parts[2]) == QINGSHAN
    assert _first_source(traded.parts[2]) == _first_source(four.parts[1]) == NANHU


def _first_source(part) -> str:
    return next(p.source.title for node in part.walk() for p in node.own_paragraphs())


def test_own_headings_have_no_heading_sets_to_choose(swap_kb):
    spec = SPEC.merged(headings=("统一思想", "突出重点", "压实责任"))
    with pytest.raises(GeneratorError, match="没有可换用的标题组"):
        draft(spec, swap_kb, choices=Choices(heading_set=1))


@pytest.mark.parametrize("kwargs", [{"parts": {0: -1}}, {"heading_set": "1"}, {"parts": [(0, 1), (0, 2)]},
                                    {"parts": [1, 2]}], ids=["negative", "text", "one-part-twice", "not-pairs"])
def test_bad_choices_are_refused(kwargs):
    with pytest.raises(GeneratorError):
        Choices(**kwargs)


def test_parse_pick_counts_from_one():
    assert parse_pick("2:3") == (1, 2)
    assert parse_pick(" 1：1 ") == (0, 0)
    for bad in ("0:1", "2", "a:b", "2:0", ""):
        with pytest.raises(GeneratorError, match="部分:候选"):
            parse_pick(bad)


def test_json_carries_the_candidates_and_picks(swap_kb):
    data = draft(SPEC, swap_kb, choices=Choices(parts={1: 1})).to_json()
    assert data["picks"] == [0, 1, 0]
    assert data["heading_set"] == 0
    assert [c["source"]["title"] for c in data["candidates"][1]] == [QINGSHAN, NANHU]
    assert data["candidates"][1][1]["heading"] == "突出重点，扎实推进垃圾分类各项任务"


def test_doctests():
    import doctest

    import generator.choices

    result = doctest.testmod(generator.choices)
    assert result.failed == 0 and result.attempted > 0


def test_cli_outline_lists_candidates_and_pick_swaps_them(swap_kb, tmp_path):
    from click.testing import CliRunner

    from bigan.cli import cli as main

    runner = CliRunner()
    args = ["--kb", str(swap_kb.root), "draft"]
    spec = ["--topic", "垃圾分类", "--occasion", "动员部署会", "--unit", "江州市", "--date", "2026-03-01"]
    outline = runner.invoke(main, args + ["outline"] + spec)
    assert outline.exit_code == 0, outline.output
    assert "  3:1  压实责任，确保垃圾分类落地见效（当前） ——《在南湖区垃圾分类工作动员部署会上的讲话》" in outline.stdout
    assert "  3:2  强化保障，推动垃圾分类取得实效 ——《在青山县垃圾分类工作推进会上的讲话》" in outline.stdout

    result = runner.invoke(main, args + ["speech"] + spec + ["--pick", "3:2", "--heading-set", "2", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["picks"] == [0, 0, 1] and data["heading_set"] == 1
    assert [p["heading"] for p in data["parts"]] == data["heading_sets"][1]
    assert data["parts"][2]["paragraphs"][0]["text"].startswith("市级财政要安排垃圾分类专项资金")

    out_of_range = runner.invoke(main, args + ["speech"] + spec + ["--pick", "3:9"])
    assert out_of_range.exit_code == 1
    assert "第三部分没有第 9 个候选材料（共 4 个）" in out_of_range.stderr
    malformed = runner.invoke(main, args + ["speech"] + spec + ["--pick", "三"])
    assert malformed.exit_code == 2
    assert "--pick 的值无效：换用写成“部分:候选”" in malformed.stderr
    assert "Traceback" not in malformed.output + out_of_range.output
