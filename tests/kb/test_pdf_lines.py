"""PDF paragraph rebuilding on laid-out lines (no PDF needed): page furniture, breaks, columns.

A4 page, 16 pt characters, text block from x=80 to x=528 (28 characters a line), as
GB/T 9704 sets it; the round trip through real PDFs is in tests/test_archive.py.
"""

import pytest

from kb.readers.pdf import _drop_page_furniture, _Line, _order_columns, _Page, _paragraphs

SIZE = 16.0
LEFT, RIGHT = 80.0, 528.0


def line(text, row, *, indent=0, x0=None, size=SIZE):
    start = x0 if x0 is not None else LEFT + indent * size
    top = 80 + row * 29
    return _Line(text=text, x0=start, x1=start + len(text) * size, top=top, bottom=top + size, size=size)


def page(*lines):
    return _Page(width=595, height=842, lines=list(lines))


def full(prefix, n=28):
    return (prefix * n)[:n]


def rebuild(pages):
    _drop_page_furniture(pages)
    _order_columns(pages)
    return _paragraphs(pages)


@pytest.mark.parametrize("number", ["— 1 —", "-1-", "第1页", "第 1 页 共 2 页", "1/2", "1"])
def test_page_numbers_go_and_a_paragraph_runs_over_the_page_break(number):
    first = page(line(full("甲", 26), 0, indent=2), line(full("乙"), 1), line(full("丙"), 2),
                 line(number, 24, x0=400))
    second = page(line("丁丁丁。", 0), line(full("戊", 26), 1, indent=2), line("己己。", 2),
                  line(number.replace("1", "2", 1), 24, x0=100))
    assert rebuild([first, second]) == [full("甲", 26) + full("乙") + full("丙") + "丁丁丁。",
                                        full("戊", 26) + "己己。"]


def test_running_header_and_footer_repeated_on_every_page_go():
    pages = [page(line("某县人民政府办公室文件", 0, x0=200),
                  line(full(c, 26), 2, indent=2), line(f"{c}。", 3),
                  line(f"内部资料 第{n}页", 25, x0=200))
             for n, c in enumerate("甲乙丙", 1)]
    assert rebuild(pages) == [full("甲", 26) + "甲。", full("乙", 26) + "乙。", full("丙", 26) + "丙。"]


def test_centred_title_over_two_lines_is_one_paragraph():
    title = [line("关于开展机关档案", 0, x0=208, size=22), line("整理工作的通知", 1, x0=219, size=22)]
    body = [line(full("正", 26), 3, indent=2), line(full("文"), 4), line("完。", 5)]
    assert rebuild([page(*title, *body)]) == ["关于开展机关档案整理工作的通知", full("正", 26) + full("文") + "完。"]


def test_short_line_ends_a_paragraph_even_without_indent():
    lines = [line("各乡镇人民政府：", 0), line(full("现", 26), 1, indent=2), line("特此通知。", 2),
             line("某县人民政府办公室", 4, x0=300), line("2026年2月16日", 5, x0=330)]
    assert rebuild([page(*lines)]) == ["各乡镇人民政府：", full("现", 26) + "特此通知。", "某县人民政府办公室",
                                       "2026年2月16日"]


def test_line_pushed_short_by_line_breaking_rules_continues():
    # A number is not broken and "（" may not end a line: the line before ends short,
    # yet the paragraph goes on; a line as short before an ordinary one ends it.
    lines = [line(full("甲", 26), 0, indent=2), line(full("乙", 25), 1), line("2026年（丙）。", 2),
             line(full("丁", 26), 3, indent=2), line(full("戊", 25), 4), line("（己）。", 5),
             line(full("庚", 26), 6, indent=2), line(full("辛", 25), 7), line("壬壬。", 8)]
    assert rebuild([page(*lines)]) == [full("甲", 26) + full("乙", 25) + "2026年（丙）。",
                                       full("丁", 26) + full("戊", 25) + "（己）。",
                                       full("庚", 26) + full("辛", 25), "壬壬。"]


def test_two_columns_are_read_left_then_right():
    def column(text, row, right=False, indent=0):
        start = (312.0 if right else LEFT) + indent * SIZE
        top = 80 + row * 29
        return _Line(text=text, x0=start, x1=start + len(text) * SIZE, top=top, bottom=top + SIZE, size=SIZE)

    lines = []
    for row in range(6):
        lines.append(column(["甲" * 12, "乙" * 14, "甲。", "丙" * 12, "丁" * 14, "丙。"][row], row,
                            indent=2 if row in (0, 3) else 0))
        lines.append(column(["戊" * 12, "己" * 14, "戊。", "庚" * 12, "辛" * 14, "庚。"][row], row, right=True,
                            indent=2 if row in (0, 3) else 0))
    lines.sort(key=lambda item: (item.top, item.x0))
    assert rebuild([page(*lines)]) == ["甲" * 12 + "乙" * 14 + "甲。", "丙" * 12 + "丁" * 14 + "丙。",
                                       "戊" * 12 + "己" * 14 + "戊。", "庚" * 12 + "辛" * 14 + "庚。"]
