"""`bigan check`: proofreading rules for a draft, as the writer typed it.

The rules run on the raw text (before cleaning), so a finding points at what the
writer wrote: ``line`` is the line of a .txt/.md file (the paragraph of a .docx),
``column`` the character in it, both from 1. "Better to miss than to misreport":
each rule fires only where the text is wrong beyond reasonable doubt (错误), or
says 疑似 / 提示 when a human should look.

>>> [(f.rule, f.original, f.suggestion) for f in check_text("同志们:今天召开会议。")]
[('半角标点', ':', '：')]
>>> fix_text("同志们:今天召开会议。", check_text("同志们:今天召开会议。"))
'同志们：今天召开会议。'
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from kb.errors import ReadError

LEVELS = ("错误", "疑似", "提示")
_IGNORE = "忽略"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HAN_RE = re.compile(f"[{_HAN}]")
_CJK_PUNCT = "，。、；：！？（）【】《》“”‘’…—·「」『』〔〕"
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Finding:
    """One problem found by `bigan check`, with where it is and what to write instead.

    ``original`` is the flagged text, found at (line, column); when the finding is
    ``fixable``, it is what ``suggestion`` replaces.
    """

    line: int
    column: int
    rule: str
    level: str  # "错误" | "疑似" | "提示"
    message: str
    suggestion: str = ""
    fixable: bool = False
    original: str = ""

    def to_json(self) -> dict:
        """Return the finding in the documented ``bigan check --json`` shape."""
        return asdict(self)


@dataclass(frozen=True)
class _Para:
    """A line to check: ``text`` starts at character ``offset`` of line ``line``."""

    line: int
    text: str
    offset: int = 0


# ---------------------------------------------------------------- entry points

def check_text(text: str, *, library=None, rules_path=None, markdown: bool = False,
               unit: str | None = None, date: str | None = None) -> list[Finding]:
    """Return the findings of ``text``, one line a paragraph, sorted by position.

    ``library`` (a :class:`kb.phrases.PhraseLibrary`) enables the 提法 rules;
    ``rules_path`` adds a user's misspelling rules to the built-in list;
    ``markdown`` skips the metadata block and code, and reads ``#`` headings;
    ``unit`` (the writer's unit, 江州市) and ``date`` (YYYY-MM-DD, the meeting's date)
    replace what the draft rules would otherwise take from the title and the byline.
    """
    lines = text.removeprefix("\ufeff").splitlines()
    paras = _markdown_paras(lines) if markdown else [_Para(i + 1, line) for i, line in enumerate(lines)]
    return _check_paras(paras, library=library, rules=load_rules(rules_path), unit=unit, date=date)


def check_file(path, *, library=None, encoding: str | None = None, rules_path=None,
               unit: str | None = None, date: str | None = None) -> list[Finding]:
    """Return the findings of a file of any format the readers accept, on the text as written.

    For .txt and .md, ``line`` is the line of the file; for the others (Word, WPS, RTF,
    OpenDocument, PDF, saved pages), the paragraph. ``unit`` and ``date`` as for :func:`check_text`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".text", ".md", ".markdown"):
        return check_text(read_text(path, encoding=encoding), library=library,
                          rules_path=rules_path, markdown=suffix in (".md", ".markdown"), unit=unit, date=date)
    from kb.readers import SUFFIXES, read_document

    if suffix in SUFFIXES:
        # Every other format: ``line`` is the paragraph the reader found.
        raw = read_document(path, encoding=encoding)
        paras = [_Para(i + 1, block.text) for i, block in enumerate(raw.blocks)]
        # A paragraph of Word or of a page is a block of its own: its marks pair inside it.
        return _check_paras(paras, library=library, rules=load_rules(rules_path), wrapped=False,
                            unit=unit, date=date)
    names = "、".join(sorted({s for s in SUFFIXES}))
    raise ReadError(path, f"只能检查这些格式的文件：{names}", "请把文件另存为其中一种格式")


def read_text(path, *, encoding: str | None = None) -> str:
    """Return the decoded text of a .txt or .md file, detecting the encoding unless given."""
    from kb.readers.encoding import decode_bytes
    from kb.readers.source import read_bytes

    text = decode_bytes(read_bytes(path), path, encoding)
    if not text.replace("\ufeff", "").strip():
        # "未发现问题" for an empty file would hide a wrong path or a failed export.
        raise ReadError(path, "文件是空的", "请确认文件里有正文")
    return text


def fix_text(text: str, findings: Iterable[Finding]) -> str:
    """Return ``text`` with the fixable findings applied (punctuation width, leading zeros).

    A fix whose original text is no longer at its place is skipped, so applying
    findings of another version of the text never corrupts it.
    """
    lines = text.splitlines(keepends=True)
    by_line: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.fixable:
            by_line.setdefault(finding.line, []).append(finding)
    bom = text.startswith("\ufeff")
    for number, fixes in by_line.items():
        if not 1 <= number <= len(lines):
            continue
        line = lines[number - 1]
        shift = 1 if bom and number == 1 else 0
        # Right to left, so that earlier columns stay valid.
        for finding in sorted(fixes, key=lambda f: f.column, reverse=True):
            start = finding.column - 1 + shift
            if line[start:start + len(finding.original)] == finding.original:
                line = line[:start] + finding.suggestion + line[start + len(finding.original):]
        lines[number - 1] = line
    return "".join(lines)


# ---------------------------------------------------------------- misspelling rules

@dataclass(frozen=True)
class SpellingRule:
    """One row of the misspelling table: a wrong form, its correction, a level, a condition."""

    wrong: str
    correct: str
    level: str
    condition: re.Pattern | None = None
    rule: str = "易错词"


def default_rules_path() -> Path:
    """Return the path of the built-in misspelling table (package data of kb)."""
    return Path(__file__).resolve().parent / "data" / "proofread_rules.tsv"


def political_terms_path() -> Path:
    """Return the path of the built-in table of misspelt political terms (社会主意 → 社会主义)."""
    return Path(__file__).resolve().parent / "data" / "political_terms.tsv"


def load_rules(extra_path=None) -> tuple[SpellingRule, ...]:
    """Return the built-in misspelling rules plus those of ``extra_path`` (a user's TSV).

    The built-in rules are the common misspellings and the misspelt political terms
    (reported as 提法错字). A user row with the level 忽略 switches off the built-in rule
    of the same wrong form.
    """
    rules = {rule.wrong: rule for rule in _read_rules(default_rules_path(), allow_ignore=False)}
    for rule in _read_rules(political_terms_path(), allow_ignore=False):
        rules[rule.wrong] = SpellingRule(rule.wrong, rule.correct, rule.level, rule.condition, "提法错字")
    if extra_path is not None:
        for rule in _read_rules(Path(extra_path), allow_ignore=True):
            if rule.level == _IGNORE:
                rules.pop(rule.wrong, None)
            else:
                rules[rule.wrong] = rule
    return tuple(rules.values())


def _read_rules(path: Path, *, allow_ignore: bool) -> list[SpellingRule]:
    hint = "每行四列，用制表符分隔：错误写法、正确写法、级别（错误/疑似/提示）、条件（可省略）"
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReadError(path, "规则文件不存在", "请检查路径") from None
    except UnicodeDecodeError:
        raise ReadError(path, "规则文件不是 UTF-8 编码", "请用 UTF-8 保存") from None
    levels = LEVELS + ((_IGNORE,) if allow_ignore else ())
    rules = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) < 3 or len(fields) > 4 or not fields[0]:
            raise ReadError(path, f"第 {number} 行格式不对", hint)
        wrong, correct, level = (f.strip() for f in fields[:3])
        if level not in levels:
            raise ReadError(path, f"第 {number} 行的级别“{level}”不认识", hint)
        condition = None
        if len(fields) == 4 and fields[3].strip():
            try:
                condition = re.compile(fields[3].strip())
            except re.error as error:
                raise ReadError(path, f"第 {number} 行的条件不是有效的正则表达式（{error}）", hint) from None
        rules.append(SpellingRule(wrong, correct, level, condition))
    return rules


# ---------------------------------------------------------------- the checker

_FOOTNOTE_DEF = re.compile(r"\s*\[\^[^\]]+\]:")
_FOOTNOTE_REFS = re.compile(r"(?:\[\^[^\]]+\])+\s*$")


def _markdown_paras(lines: list[str]) -> list[_Para]:
    paras = []
    in_meta = bool(lines) and lines[0].strip() == "---"
    in_code = False
    for index, line in enumerate(lines):
        number = index + 1
        if in_meta:
            if index > 0 and line.strip() in ("---", "..."):
                in_meta = False
            continue
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        # Tables and footnote definitions ([^1]: 来源：…) are not prose.
        if in_code or line.lstrip().startswith("|") or _FOOTNOTE_DEF.match(line):
            continue
        prefix = re.match(r"\s*(?:#{1,6}\s+|>\s*)?", line)
        paras.append(_Para(number, line[prefix.end():], prefix.end()))
    return paras


def _check_paras(paras: list[_Para], *, library, rules, wrapped: bool = True, unit: str | None = None,
                 date: str | None = None) -> list[Finding]:
    # ``wrapped``: a paragraph of plain text may run over several lines, up to a blank line.
    findings: list[Finding] = []
    forms = _library_forms(library) if library is not None else None
    for index, para in enumerate(paras):
        findings += _doubled(para)
        findings += _half_width(para)
        findings += _missing_end(para)
        findings += _numbered_heading_mark(para)
        findings += _mixed_series(para)
        findings += _spelling(para, rules)
        findings += _date_zeros(para)
        findings += _impossible_dates(para)
        findings += _placeholders(para)
        findings += _chinese_date(para)
        if forms is not None:
            findings += _phrase_variants(para, library, forms)
    blocks = list(_blocks(paras)) if wrapped else [[para] for para in paras if para.text.strip()]
    for index, block in enumerate(blocks):
        following = blocks[index + 1][0].text if index + 1 < len(blocks) else ""
        findings += _unbalanced(block, following)
    findings += _heading_sequence(paras)
    findings += _lonely_first_point(paras)
    findings += _mixed_date_formats(paras)
    from kb.proofread_draft import draft_findings  # the draft rules (issue 13)

    findings += [_finding(p, i, rule, level, message, *suggestion) for p, i, rule, level, message, *suggestion
                 in draft_findings(paras, unit=unit, date=date)]
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule))


def _finding(para: _Para, index: int, rule: str, level: str, message: str, suggestion: str = "",
             *, fixable: bool = False, original: str = "") -> Finding:
    # Every finding names what it flags: the text at its place, one character at least.
    return Finding(para.line, para.offset + index + 1, rule, level, message, suggestion,
                   fixable, original or para.text[index:index + 1])


def _quote(text: str, start: int, end: int, *, context: int = 6) -> str:
    """Return ``text[start:end]`` with a little context, for a message: “…标准”."""
    left = max(0, start - context)
    right = min(len(text), end + context)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _blocks(paras: list[_Para]) -> Iterable[list[_Para]]:
    """Yield runs of paragraphs on consecutive lines: a blank line ends a block."""
    block: list[_Para] = []
    for para in paras:
        if block and (para.line != block[-1].line + 1 or not para.text.strip()):
            yield block
            block = []
        if para.text.strip():
            block.append(para)
    if block:
        yield block


# Doubled words. Verb reduplication (研究研究) and counts (一个一个) are Chinese grammar;
# a doubled title or noun (总书记总书记) is a slip.
# Two-character words whose doubling is a slip; any other two-character double may be
# two words meeting (义务教育|教育集团, 党组织|组织开展), so it is not reported.
_DOUBLED_ERRORS = frozenset("""
书记 同志 主席 总理 部长 市长 县长 区长 乡长 镇长 主任 局长 厅长 省长 干部 群众
我们 你们 他们 大家 各级 工作 加强 推进 落实 进一步 切实 认真 深入 坚持 全面
""".split())
_DOUBLED = re.compile(f"([{_HAN}]{{2,8}}?)\\1")
_DOUBLED_DE = re.compile(r"(?<![目有])的的(?!确)")


def intentional_repetitions() -> frozenset[str]:
    """Return the set phrases that repeat a word on purpose (坚持坚持再坚持), package data of kb."""
    return _repetitions()


@functools.cache
def _repetitions() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "data" / "repetitions.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_intentional(text: str, start: int, end: int, unit: str) -> bool:
    # 坚持坚持再坚持, 学习学习再学习: a doubled word that goes on with 再/又/还 and itself.
    if re.match(r"[，、,]?\s*[再又还更][%s]" % re.escape(unit[0]), text[end:end + 3]):
        return True
    return any(phrase in text[max(0, start - len(phrase)):end + len(phrase)]
               and unit * 2 in phrase for phrase in _repetitions())


def _doubled(para: _Para) -> list[Finding]:
    out = []
    for match in _DOUBLED.finditer(para.text):
        unit = match.group(1)
        if len(unit) == 2 and unit not in _DOUBLED_ERRORS or len(set(unit)) == 1:
            continue
        # 干部干部，干字当头: a doubled word as the topic of a saying.
        if re.match(r"[，,：:]\s*[%s]字" % unit, para.text[match.end():]):
            continue
        if _is_intentional(para.text, match.start(), match.end(), unit):
            continue
        out.append(_finding(para, match.start(), "重复词语", "错误",
                            f"“{unit}”连写了两次：“{_quote(para.text, match.start(), match.end())}”",
                            unit, original=match.group()))
    for match in _DOUBLED_DE.finditer(para.text):
        out.append(_finding(para, match.start(), "重复词语", "疑似",
                            f"“的”连写了两次：“{_quote(para.text, match.start(), match.end())}”", "的",
                            original="的的"))
    return out


# Paired marks. Half-width parentheses count with the full-width ones here;
# their width is the half-width rule's business.
_PAIRS = (("“", "”", "引号"), ("‘", "’", "单引号"), ("（(", "）)", "括号"), ("《", "》", "书名号"),
          ("【", "】", "方头括号"))
# "1）" or "a)" opening a paragraph is a list label, not half of a pair.
_LIST_LABEL = re.compile(r"\s*[0-9A-Za-z一二三四五六七八九十]{1,2}[）)]")


def _unbalanced(block: list[_Para], after: str = "") -> list[Finding]:
    """Return the unpaired marks of a block of lines: 【 on one line may close on the next.

    ``after`` is the paragraph after the block, where a quotation may go on.
    """
    out = []
    for opens, closes, name in _PAIRS:
        stack: list[tuple[int, int]] = []  # (paragraph of the block, index) of open marks
        for number, para in enumerate(block):
            text = para.text
            label = _LIST_LABEL.match(text)
            for index, char in enumerate(text):
                if char in opens:
                    stack.append((number, index))
                elif char in closes:
                    if stack:
                        stack.pop()
                    elif not (label and index == label.end() - 1):
                        out.append(_finding(para, index, "标点不配对", "错误",
                                            f"右{name}“{char}”前面没有对应的左{name}："
                                            f"“{_quote(text, index, index + 1)}”"))
            if opens == "“":
                # A quotation running over several paragraphs opens each of them and closes
                # only the last: an open “ before a paragraph that opens with “ is correct.
                following = block[number + 1].text if number + 1 < len(block) else after
                if stack and following.lstrip().startswith("“"):
                    stack = [(n, i) for n, i in stack if n != number]
        for number, index in stack[-1:]:
            para = block[number]
            out.append(_finding(para, index, "标点不配对", "错误",
                                f"左{name}“{para.text[index]}”没有对应的右{name}："
                                f"“{_quote(para.text, index, index + 1)}”"))
    return out


_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_HALF_PAREN = re.compile(r"\(([^()\n]{0,80})\)")


def _is_chinese(char: str) -> bool:
    return bool(char) and (bool(_HAN_RE.match(char)) or char in _CJK_PUNCT)


def _half_width(para: _Para) -> list[Finding]:
    out = []
    text = para.text
    for index, char in enumerate(text):
        if char not in _WIDTH:
            continue
        prev = text[index - 1] if index > 0 else ""
        after = index + 1
        while after < len(text) and text[after] in " \t":
            after += 1
        nxt = text[after] if after < len(text) else ""
        chinese_before = _is_chinese(prev) and not (char == ":" and nxt.isdigit() and prev.isdigit())
        if chinese_before and (not nxt or _is_chinese(nxt) or nxt.isdigit() or nxt in "“‘《（("):
            pass
        elif prev.isdigit() and _HAN_RE.match(nxt or " ") and char != ":":
            pass
        else:
            continue
        # The spaces a converter left after the mark go with it: “同志们: 在” → “同志们：在”.
        original = text[index:after] if (_is_chinese(nxt) or nxt.isdigit()) else char
        out.append(_finding(para, index, "半角标点", "错误",
                            f"中文里的半角“{char}”应为全角“{_WIDTH[char]}”", _WIDTH[char],
                            fixable=True, original=original))
    for match in _HALF_PAREN.finditer(text):
        inner = match.group(1)
        before = text[match.start() - 1] if match.start() > 0 else ""
        after_char = text[match.end()] if match.end() < len(text) else ""
        if _HAN_RE.search(inner) or _is_chinese(before) or _is_chinese(after_char):
            for index, char, full in ((match.start(), "(", "（"), (match.end() - 1, ")", "）")):
                out.append(_finding(para, index, "半角标点", "错误",
                                    f"中文里的半角“{char}”应为全角“{full}”", full,
                                    fixable=True, original=char))
    return out


_END_MARKS = "。！？；：…”’）」』》—."
_MIN_SENTENCE_PARA = 20


def _missing_end(para: _Para) -> list[Finding]:
    # Only a paragraph that already holds a full sentence is prose: titles, headings,
    # salutations, signatures and dates have no 。 inside and need no final mark.
    # A footnote reference ([^3]) after the full stop is where a draft cites its source.
    text = _FOOTNOTE_REFS.sub("", para.text).rstrip()
    if len(text) < _MIN_SENTENCE_PARA or "。" not in text[:-1] or text[-1] in _END_MARKS:
        return []
    return [_finding(para, len(text) - 1, "段末标点", "疑似",
                     f"段落末尾缺少句末标点：“{_quote(text, len(text) - 1, len(text), context=10)}”", "。")]


# Headings: 一、 （一） 1. （1）, and the misused 1、.
_HEADING = (
    (1, re.compile(r"\s*([一二三四五六七八九十]{1,3})、(?![一二三四五六七八九十])")),
    (2, re.compile(r"\s*[（(]([一二三四五六七八九十]{1,3})[）)]")),
    (3, re.compile(r"\s*(\d{1,2})(?:[.．](?!\d)|、(?!\d))")),
    (4, re.compile(r"\s*[（(](\d{1,2})[）)]")),
)
_MARKER_FORM = {1: "{}、", 2: "（{}）", 3: "{}.", 4: "（{}）"}
# An attachment restarts the numbering: 附件 / 附件2：关于… on a line of its own.
_ATTACHMENT = re.compile(r"\s*附件\s*\d*\s*(?:[:：].{0,40})?\s*$")


def _heading(text: str) -> tuple[int, int, re.Match] | None:
    for rank, pattern in _HEADING:
        match = pattern.match(text)
        if match:
            value = _numeral(match.group(1))
            if value:
                return rank, value, match
    return None


def _numeral(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0) if len(text) == 1 else 0


def _marker(rank: int, value: int) -> str:
    if rank in (1, 2):
        return _MARKER_FORM[rank].format(_chinese_number(value))
    return _MARKER_FORM[rank].format(value)


def _chinese_number(value: int) -> str:
    digits = "一二三四五六七八九"
    if value < 10:
        return digits[value - 1]
    tens, ones = divmod(value, 10)
    return (digits[tens - 1] if tens > 1 else "") + "十" + (digits[ones - 1] if ones else "")


def _numbered_heading_mark(para: _Para) -> list[Finding]:
    match = re.match(r"(\s*)(\d{1,2})、(?!\d)(?=[%s“（(])" % _HAN, para.text)
    if not match or re.match(r"\d{1,2}[日月号]", para.text[match.end():]):
        return []
    number = match.group(2)
    return [_finding(para, match.start(2), "序号格式", "错误",
                     f"阿拉伯数字序号后应用“.”，不用“、”：“{number}、”应为“{number}.”", f"{number}.",
                     original=f"{number}、")]


def _heading_sequence(paras: list[_Para]) -> list[Finding]:
    # The outline reader's rule (kb.structure.continues_numbering): numbering restarts at 1
    # under each parent, or runs straight through all parts (（一）…（十五） across 一、二、三、).
    from kb.structure import continues_numbering

    out = []
    last: dict[int, int | None] = {rank: None for rank in (1, 2, 3, 4)}
    seen: dict[int, int] = {rank: 0 for rank in (1, 2, 3, 4)}
    skip_reported: set[int] = set()
    for para in paras:
        if _ATTACHMENT.match(para.text):
            last = {rank: None for rank in last}
            seen = {rank: 0 for rank in seen}
            continue
        found = _heading(para.text)
        if not found:
            continue
        rank, value, match = found
        previous = last[rank]
        index = match.start(1) - (1 if rank in (2, 4) else 0)
        written = para.text[index:match.end(1) + (1 if rank in (1, 2, 4) else 0)]
        if not continues_numbering(value, previous or 0, seen[rank]):
            if previous is not None:
                out.append(_finding(para, index, "序号不连续", "错误",
                                    f"“{_marker(rank, previous)}”之后应是“{_marker(rank, previous + 1)}”，"
                                    f"这里是“{_marker(rank, value)}”",
                                    _marker(rank, previous + 1), original=written))
            else:
                expected = _marker(rank, seen[rank] + 1 if seen[rank] else 1)
                out.append(_finding(para, index, "序号不连续", "疑似",
                                    f"这一层的第一个序号是“{_marker(rank, value)}”，应是“{expected}”",
                                    expected, original=written))
        if rank > 1 and last[rank - 1] is None and previous is None and rank not in skip_reported:
            skip_reported.add(rank)
            out.append(_finding(para, index, "层级跳跃", "提示",
                                f"“{_marker(rank, value)}”上面没有“{_marker(rank - 1, 1)}”这一层标题",
                                "", original=written))
        last[rank] = value
        seen[rank] = value
        for deeper in range(rank + 1, 5):
            last[deeper] = None
            skip_reported.discard(deeper)
    return out


# Run-in points: 一是…二是…, and a 第一，… series beside them.
_POINT_START = r"(?:(?<=^)|(?<=[。；：！？，、）)\s]))"
_FIRST_POINT = re.compile(_POINT_START + "一是")
_SECOND_POINT = re.compile(_POINT_START + "二是")
_ORDINAL_POINT = re.compile(_POINT_START + r"第[一二三四五六七八九十][，、：,:]")


#: How many paragraphs after an 一是 its 二是 may come; points are never longer.
_POINT_REACH = 30


def _lonely_first_point(paras: list[_Para]) -> list[Finding]:
    out = []
    for index, para in enumerate(paras):
        for match in _FIRST_POINT.finditer(para.text):
            rest = [para.text[match.end():]]
            for later in paras[index + 1:index + 1 + _POINT_REACH]:
                if _heading(later.text):
                    break
                rest.append(later.text)
            if not any(_SECOND_POINT.search(chunk) for chunk in rest):
                out.append(_finding(para, match.start(), "一是无二是", "疑似",
                                    f"有“一是”却没有“二是”：“{_quote(para.text, match.start(), match.end(), context=10)}”，"
                                    "请检查是否漏写或改为不分点", original="一是"))
    return out


def _mixed_series(para: _Para) -> list[Finding]:
    # 第一，…一是…二是… nests points under a 第一 point and is correct; switching
    # series midway (一是…二是…第三，…) is the slip.
    first = _FIRST_POINT.search(para.text)
    if not first:
        return []
    return [_finding(para, match.start(), "序号混用", "疑似",
                     f"同一段里“一是”与“{match.group()[:2]}”两种序列混用，请统一", original=match.group()[:2])
            for match in _ORDINAL_POINT.finditer(para.text, first.end())]


def _spelling(para: _Para, rules: tuple[SpellingRule, ...]) -> list[Finding]:
    out = []
    text = para.text
    taken: list[tuple[int, int]] = []
    # Longest wrong forms first: 特色社会主议 is reported once, not again as 社会主议.
    for rule in sorted(rules, key=lambda r: -len(r.wrong)):
        start = text.find(rule.wrong)
        while start >= 0:
            end = start + len(rule.wrong)
            if any(s <= start and end <= e for s, e in taken):
                start = text.find(rule.wrong, end)
                continue
            if not (rule.condition and any(m.start() < end and m.end() > start
                                           for m in rule.condition.finditer(text))):
                taken.append((start, end))
                out.append(_finding(para, start, rule.rule, rule.level,
                                    f"“{rule.wrong}”应为“{rule.correct}”：“{_quote(text, start, end)}”",
                                    rule.correct, original=rule.wrong))
            start = text.find(rule.wrong, end)
    return out


# 2020年05月07日; an ISO date (2020-05-07) keeps its zeros by definition.
_ZERO_MONTH = re.compile(r"(?<=\d{4}年)0(?=[1-9]月)")
_ZERO_DAY = re.compile(r"(?<=\d月)0(?=[1-9]日)")
_CN_DATE = re.compile(r"[一二三四五六七八九〇零○Ｏ]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日")
_DATE_LINE = re.compile(r"\s*[（(]?%s[）)]?\s*" % _CN_DATE.pattern)


def _date_zeros(para: _Para) -> list[Finding]:
    out = []
    for pattern in (_ZERO_MONTH, _ZERO_DAY):
        for match in pattern.finditer(para.text):
            out.append(_finding(para, match.start(), "日期格式", "错误",
                                f"日期中的月、日不加前导零：“{_quote(para.text, match.start(), match.end(), context=5)}”",
                                "", fixable=True, original="0"))
    return out


_YMD = re.compile(r"(?<!\d)(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")


def _impossible_dates(para: _Para) -> list[Finding]:
    # 2026年4月31日, 2月30日, 13月: a date no calendar has. Without a year, 2月29日 may be right.
    out = []
    for match in _YMD.finditer(para.text):
        year = int(match.group(1)) if match.group(1) else None
        month, day = int(match.group(2)), int(match.group(3))
        if not 1 <= month <= 12:
            problem = f"没有{month}月"
        else:
            days = calendar.monthrange(year if year else 2000, month)[1]
            if 1 <= day <= days:
                continue
            problem = f"{f'{year}年' if year else ''}{month}月只有 {days} 天" if day else "日不能为 0"
        out.append(_finding(para, match.start(), "日期错误", "错误",
                            f"“{match.group()}”不是有效的日期：{problem}", original=match.group()))
    return out


# × in place of a name. One × before a unit (×市, ×区委, ×高新区) is the house style of
# anonymised examples and is left alone; ××, ××× (a name to fill in) and a lone × (结合×实际,
# 市委×届×次全会, ×月×日: a name removed and nothing put back) are reported.
_UNIT_AFTER = "省市县区州盟旗乡镇街村社委局厅办处科部室院校所司队团组企河江湖山海岛路园港湾"
_PLACEHOLDER = re.compile(r"[×Ｘ]{2,}|×(?![%s]{0,4}[%s])" % (_HAN, _UNIT_AFTER))


def _placeholders(para: _Para) -> list[Finding]:
    out = []
    text = para.text
    for match in _PLACEHOLDER.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        # 3×4, 5×24小时, 天数×8小时, a×b: a multiplication sign; “数据要素×”: the name of a policy.
        if len(match.group()) == 1 and (before.isdigit() or after.isdigit()):
            continue
        if before.isascii() and before.isalnum() and (after.isascii() and after.isalnum() or after == "("):
            continue
        if _HAN_RE.match(before or " ") and not _HAN_RE.match(after or " ") and not after.isdigit():
            continue
        level = "疑似" if len(match.group()) > 1 else "错误"
        out.append(_finding(para, match.start(), "占位符", level,
                            f"留有占位符“{match.group()}”：“{_quote(text, match.start(), match.end())}”，"
                            "请填写实际内容", original=match.group()))
    return out


def _chinese_date(para: _Para) -> list[Finding]:
    # Only a line holding nothing but the date is a 成文日期; a date inside prose may be quoted.
    if not _DATE_LINE.fullmatch(para.text):
        return []
    match = _CN_DATE.search(para.text)
    return [_finding(para, match.start(), "成文日期", "疑似",
                     f"成文日期应用阿拉伯数字（GB/T 9704-2012）：“{match.group()}”应为“{_arabic_date(match.group())}”",
                     _arabic_date(match.group()), original=match.group())]


def _arabic_date(text: str) -> str:
    digits = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", **{k: str(v) for k, v in _CN_DIGITS.items()}}
    year, rest = text.split("年", 1)
    month, rest = rest.split("月", 1)
    day = rest.rstrip("日")
    return "".join(digits[c] for c in year) + f"年{_numeral(month)}月{_numeral(day)}日"


_DATE_FORMATS = (
    ("年月日", re.compile(r"(?<!\d)\d{4}年\d{1,2}月\d{1,2}日")),
    ("短横线", re.compile(r"(?<![\d-])\d{4}-\d{1,2}-\d{1,2}(?![\d-])")),
    ("圆点", re.compile(r"(?<![\d.])\d{4}\.\d{1,2}\.\d{1,2}(?![\d.])")),
    ("斜线", re.compile(r"(?<![\d/])\d{4}/\d{1,2}/\d{1,2}(?![\d/])")),
    ("汉字", _CN_DATE),
)


def _mixed_date_formats(paras: list[_Para]) -> list[Finding]:
    seen: dict[str, list[tuple[_Para, re.Match]]] = {}
    for para in paras:
        for name, pattern in _DATE_FORMATS:
            for match in pattern.finditer(para.text):
                seen.setdefault(name, []).append((para, match))
    if len(seen) < 2:
        return []
    main = max(seen, key=lambda name: (len(seen[name]), name == "年月日"))
    return [_finding(para, match.start(), "日期格式", "提示",
                     f"同一文件中日期写法不统一：“{match.group()}”，多数写作{main}格式", original=match.group())
            for name, places in seen.items() if name != main for para, match in places]


# 提法 rules against the knowledge base's phrase library.
_LIB_NUMERALS = "一二三四五六七八九十两双"
_VARIANT_RATIO = 5


def _library_forms(library) -> tuple[list, list]:
    # Looked up once per check, not once per paragraph.
    numbered = [p for p in library.dominant_forms() if p.kind == "numbered"]
    variants = [p for p in numbered if len(p.text) >= 3 and _HAN_RE.match(p.text[1])]
    counts = [p for p in numbered if _COUNT_FORM.fullmatch(p.text)]
    return variants, counts


def _phrase_variants(para: _Para, library, forms: tuple[list, list]) -> list[Finding]:
    out = []
    text = para.text
    variants, counts = forms
    for phrase in variants:
        form = phrase.text
        for start in _candidate_starts(text, form):
            candidate = text[start:start + len(form)]
            diffs = [i for i, (a, b) in enumerate(zip(form, candidate)) if a != b]
            if len(diffs) != 1 or library.count(candidate) * _VARIANT_RATIO > phrase.count:
                continue
            i = diffs[0]
            ours, theirs = form[i], candidate[i]
            if not _HAN_RE.match(theirs):
                continue
            if i == 0 or (ours in _LIB_NUMERALS) != (theirs in _LIB_NUMERALS):
                continue
            if _numbered_term(text, start, start + len(candidate), i):
                continue
            if ours in _LIB_NUMERALS:
                rule, message = "提法数字", f"“{candidate}”：素材库中这一提法写作“{form}”（{phrase.count} 次），数字不一致"
            else:
                rule, message = "提法写法", f"“{candidate}”：素材库中这一提法通常写作“{form}”（{phrase.count} 次）"
            out.append(_finding(para, start, rule, "疑似", message, form, original=candidate))
    out += _count_disagreements(para, library, counts)
    return out


# After a numeral these make an ordinal or a count (第十八条, 二十届四中全会, 第二十次会议),
# never a 提法 such as 十八大.
_COUNTED = "条届次章节款项号年月日期批个名位轮号卷册页版"


def _numbered_term(text: str, start: int, end: int, diff: int) -> bool:
    """Return True when ``text[start:end]`` is an ordinal or a count, not a variant of a 提法.

    ``diff`` is the position inside the candidate where it differs from the 提法.
    """
    before = text[start - 1] if start > 0 else ""
    if before == "第" or before in _LIB_NUMERALS + "百千万零〇" or before.isdigit():
        return True
    candidate = text[start:end]
    return candidate[diff] in _COUNTED or any(c in _COUNTED for c in candidate[1:diff + 1])


def _candidate_starts(text: str, form: str) -> Iterable[int]:
    # Same numeral and first character: 三社联合 for 三社联动.
    head = form[:2]
    start = text.find(head)
    while start >= 0:
        if start + len(form) <= len(text) and text[start:start + len(form)] != form:
            yield start
        start = text.find(head, start + 1)


_COUNT_FORM = re.compile(r"[一二三四五六七八九十两]个[%s]{2,4}" % _HAN)


def _count_disagreements(para: _Para, library, forms: list) -> list[Finding]:
    # 三个意识 where the library knows only 四个意识: the number of a national formulation.
    out = []
    for phrase in forms:
        tail = phrase.text[1:]
        for match in re.finditer(r"(?<![%s])([%s])%s" % (_LIB_NUMERALS, _LIB_NUMERALS, re.escape(tail)),
                                 para.text):
            candidate = match.group()
            if candidate == phrase.text or library.count(candidate) * _VARIANT_RATIO > phrase.count:
                continue
            if _numbered_term(para.text, match.start(), match.end(), 0):
                continue
            out.append(_finding(para, match.start(), "提法数字", "疑似",
                                f"“{candidate}”：素材库中这一提法写作“{phrase.text}”（{phrase.count} 次），数字不一致",
                                phrase.text, original=candidate))
    return out
