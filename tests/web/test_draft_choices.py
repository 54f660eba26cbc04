"""起草's choices in the web page: 换用 a part's candidate or a heading set, then download that draft.

The library is three district and county speeches on 垃圾分类 (tests/data/swap); the
draft is for 江州市, so a swapped-in part is adapted like any other (县级 → 市级).
"""

from __future__ import annotations

import html
import re

import docx
import pytest

from bigan.web import create_app
from tests.web.support import csrf_of, swap_kb  # noqa: F401 (fixture)

OLD = "各街道党工委书记是垃圾分类的第一责任人"          # part 3 as selected (南湖区)
NEW = "市级财政要安排垃圾分类专项资金，市委组织部要把垃圾分类纳入乡镇领导班子考核"  # 青山县's, adapted


@pytest.fixture
def client(swap_kb):
    return create_app(swap_kb).test_client()


def _spec(client) -> dict:
    return {"csrf_token": csrf_of(client, "/draft"), "kind": "speech", "template": "动员部署会",
            "topic": "垃圾分类", "unit": "江州市", "meeting": "", "speaker": "", "date": "2026-03-01",
            "length": "", "headings": "", "seed": ""}


def _hidden(page: str) -> dict:
    """Return the draft's hidden choice fields (basis, picks, heading_set) of a preview page."""
    return {name: html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" form="draft-form" name="(\w+)" value="([^"]*)">', page)}


def _preview(page: str) -> str:
    """Return the text of the previewed draft, without the candidates offered beside it."""
    article = re.search(r'<article class="draft">(.*)</article>', page, re.S).group(1)
    article = re.sub(r'<details class="(candidates|alternatives)".*?</details>', "", article, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def _headings(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<p class="part-heading">[一二三四五六七八九]、([^<]+)</p>', page)]


def _heading_sets(page: str) -> list[list[str]]:
    return [html.unescape(s).split(" ／ ") for s in re.findall(r'<span class="set-headings">([^<]+)</span>', page)]


def _docx_text(client, page: str, tmp_path) -> str:
    link = re.search(r'href="(/files/[^"]+)" id="download-docx"', page).group(1)
    response = client.get(link)
    target = tmp_path / "draft.docx"
    target.write_bytes(response.get_data())
    response.close()
    return "\n".join(p.text for p in docx.Document(str(target)).paragraphs)


def _markdown(client, page: str) -> str:
    link = re.search(r'href="(/files/[^"]+)" id="download-md"', page).group(1)
    response = client.get(link)
    text = response.get_data(as_text=True)
    response.close()
    return text


def test_preview_offers_candidates_and_heading_sets(client):
    page = client.post("/draft", data=_spec(client)).get_data(as_text=True)
    assert _hidden(page)["picks"] == "0,0,0" and _hidden(page)["heading_set"] == "0"
    assert page.count('class="candidates"') == 3
    assert "换用材料（另有 2 份候选）" in page and "换用材料（另有 1 份候选）" in page
    assert 'name="swap" value="3:2"' in page and 'name="swap" value="3:1"' not in page  # 3:1 is in use
    assert '<span class="cand-heading">强化保障，推动垃圾分类取得实效</span>' in page
    assert "《在青山县垃圾分类工作推进会上的讲话》（2025-06-20）</a>" in page
    assert "县级财政要安排垃圾分类专项资金" in page  # the candidate's first words, as its source wrote them
    sets = _heading_sets(page)
    assert len(sets) >= 2 and _headings(page) == sets[0]
    assert 'name="use_heading_set" value="2"' in page and 'name="use_heading_set" value="1"' not in page


def test_swap_a_part_then_a_heading_set_and_download_that_draft(client, tmp_path):
    first = client.post("/draft", data=_spec(client)).get_data(as_text=True)
    assert OLD in _preview(first) and NEW not in _preview(first)

    response = client.post("/draft", data={**_spec(client), **_hidden(first), "swap": "3:2"})
    swapped = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NEW in _preview(swapped) and OLD not in _preview(swapped)
    assert _hidden(swapped)["picks"] == "0,0,1"
    assert _headings(swapped) == _headings(first)
    assert "县级财政" not in _docx_text(client, swapped, tmp_path)
    assert NEW in _docx_text(client, swapped, tmp_path)

    sets = _heading_sets(swapped)
    response = client.post("/draft", data={**_spec(client), **_hidden(swapped), "use_heading_set": "3"})
    chosen = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _headings(chosen) == sets[2] != sets[0]
    assert NEW in _preview(chosen) and _hidden(chosen) == {**_hidden(swapped), "heading_set": "2"}
    text = _docx_text(client, chosen, tmp_path)
    assert NEW in text and OLD not in text
    assert all(f"{n}、{h}" in text for n, h in zip("一二三", sets[2]))
    markdown = _markdown(client, chosen)
    assert NEW in markdown and f"## 三、{sets[2][2]}" in markdown

    # the same choices give the same draft; a new 生成草稿 starts from the selection again
    again = client.post("/draft", data={**_spec(client), **_hidden(swapped), "use_heading_set": "3"})
    assert _markdown(client, again.get_data(as_text=True)) == markdown
    fresh = client.post("/draft", data={**_spec(client), **_hidden(chosen)}).get_data(as_text=True)
    assert OLD in _preview(fresh) and _hidden(fresh)["picks"] == "0,0,0"


@pytest.mark.parametrize("fields, message", [
    ({"swap": "9:1"}, "没有第九部分（本稿共 3 部分）"),
    ({"swap": "3:99"}, "第三部分没有第 99 个候选材料（共 4 个）"),
    ({"swap": "三:二"}, "换用写成“部分:候选”，都从 1 数起"),
    ({"use_heading_set": "9"}, "没有第 9 组标题"),
    ({"use_heading_set": "0"}, "标题组的序号应为 1 到 100 之间的整数"),
    ({"swap": "3:2", "picks": "0,x,0"}, "当前选材的序号应为 0 到 999 之间的整数，现在是“x”"),
    ({"swap": "3:2", "topic": "河湖治理"}, "起草要求已经改动，换用材料之前请先点“生成草稿”"),
], ids=["no-part", "no-candidate", "not-a-pick", "no-heading-set", "heading-set-zero", "bad-picks",
        "spec-changed"])
def test_bad_choices_are_a_clear_message(client, fields, message):
    first = client.post("/draft", data=_spec(client)).get_data(as_text=True)
    response = client.post("/draft", data={**_spec(client), **_hidden(first), **fields})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    assert 'id="result"' not in page


@pytest.mark.parametrize("fields", [{"kind": "work_plan", "template": ""}, {"headings": "统一思想\n突出重点\n压实责任"}],
                         ids=["plan", "own-headings"])
def test_swap_without_heading_sets(client, fields):
    """A plan, or a speech on the writer's own headings, has no heading sets; its parts still swap."""
    first = client.post("/draft", data={**_spec(client), **fields}).get_data(as_text=True)
    hidden = _hidden(first)
    assert hidden["heading_set"] == "" and 'class="heading-sets"' not in first
    swap = re.search(r'name="swap" value="(\d+):(\d+)"', first)
    part, pick = int(swap.group(1)), int(swap.group(2))
    response = client.post("/draft", data={**_spec(client), **fields, **hidden, "swap": f"{part}:{pick}"})
    assert response.status_code == 200
    picks = hidden["picks"].split(",")
    picks[part - 1] = str(pick - 1)
    assert _hidden(response.get_data(as_text=True))["picks"] == ",".join(picks)


def test_a_swap_after_the_library_changed_asks_for_a_new_draft(tmp_path):
    from kb.knowledge_base import KnowledgeBase

    from tests.web.support import DATA

    root = tmp_path / "kb"
    with KnowledgeBase.open(root) as kb:
        kb.ingest([DATA.parent / "swap"])
    client = create_app(root).test_client()
    first = client.post("/draft", data=_spec(client)).get_data(as_text=True)
    extra = tmp_path / "西湖区垃圾分类讲话.txt"
    extra.write_text("在西湖区垃圾分类工作会议上的讲话\n同志们：\n一、压实责任，抓好垃圾分类\n"
                     "全区各街道要把垃圾分类抓在手上，区委督查室每月通报垃圾分类进展。\n", encoding="utf-8")
    with KnowledgeBase.open(root) as kb:
        assert kb.ingest([extra]).counts()["added"] == 1
    response = client.post("/draft", data={**_spec(client), **_hidden(first), "swap": "3:2"})
    assert response.status_code == 400
    assert "生成草稿之后素材库有了变动" in html.unescape(response.get_data(as_text=True))
