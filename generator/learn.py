"""Learning from the library: a topic's related terms and the frames of level-1 headings.

Two tables are learned from the writer's own library, beside the curated
ones in generator/topics.toml and generator/headings.toml:

- **related terms**: the words of headings (nouns and verbal nouns) and the
  提法 that co-occur with the topic: in a section whose heading, whose
  ancestors' headings or whose document's title name the topic, the words of
  its heading and its sub-headings and the 提法 of its own paragraphs. They
  are scored by pointwise mutual information with a minimum count of two
  sections from two documents; generic words, single characters, numbers and
  dated formulations (十四五) never count;
- **heading frames**: level-1 headings of local speeches that hold a known
  topic (a curated topic or the document's own topic tags) in a place any
  topic can take (深刻认识安全生产的重大意义 → 深刻认识{t}的重大意义), grouped
  by the role of their section, kept only in the shape compose.py requires
  of a parallel set, without unit names, years, numbers or another topic.

Reading every stored document is the costly part (about 6–8 ms of CPU a
document), so what is read of each document is cached in the library folder
(``learned.json``), keyed by the document's id and text hash: after an
ingest only new documents are read, and a library built before learning
existed learns once, on its first draft. Every result is computed from the
documents sorted by content, so ingest order never matters.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

#: The cache file in the library folder.
CACHE_FILE = "learned.json"
#: Bump when what is cached per document changes.
CACHE_VERSION = 4

#: Words that are never topic words: every topic of official writing has them (with the
#: generic words of generator.candidates), and the words that frame a heading.
FRAME_WORDS = frozenset("""各项 各方 各级 各类 重点 关键 环节 领域 方面 工作 责任 任务 目标 举措 措施 要求 意识
思想 认识 意义 作用 地位 位置 格局 氛围 合力 基础 底线 水平 效能 效益 成效 成果 成绩 经验 做法 问题 差距
短板 不足 形势 挑战 风险 机遇 信心 决心 自觉 站位 政治 组织 领导 统筹 协调 压实 落地 见效 扎实 切实 深刻
深入 全力 着力 聚焦 突出 坚持 坚决 持续 不断 进一步 充分 准确 清醒 正视 紧盯 强化 加快 推进 推动 提升 提高
增强 加强 完善 健全 构建 营造 形成 凝聚 确保 抓好 做好 办好 抓实 开展 实施 落实 保障 支撑 提供 优化 创新
全市 全区 全县 全省 全国 我市 我区 我县 上下 一起 新的 重要 重大 良好 浓厚 强大 坚强 有力 有效 长效 常态
常态化 长效化 更加 全面 建设 环境 生产 促进 发展 管理 服务 体系 能力 质量 高质量 治理 改革 安全 深化 开展
问题导向 目标导向 实事求是 当前 今年 去年 明年 全年 上半年 下半年 时期 阶段 新时代 新征程 时代 奋力 努力
主动 积极 大力 科学 系统 整体 全局 局面 态势 进展 取得 实现 守牢 筑牢 夯实 锤炼 担当 作为 干事 创业 过硬
作风 队伍 干部 同志 群众 人民 社会 经济 企业 单位 部门 机制 制度 政策 文件 会议 讲话 通知 方案 意见
行业 关系 渠道 规模 规模性 攻坚 培育 融合 基层 职责 研究 动员 优质 特色 培训 多样化 能级 科技 金融 产业 人才
全球 双向 市场 重点领域 薄弱环节 短板弱项 最后一公里 高地 品牌 示范 标准 规范 平台 载体 项目 资金 要素 数字 智慧 现代化""".split())

_NUMBER = re.compile(r"[0-9０-９]|[一二三四五六七八九十两百千万]+[个件项条大批年次点类]|第[一二三四五六七八九十]")
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
#: Dated formulations (十四五, 二十大, 三中全会) name a time, not a topic.
_DATED = re.compile(r"^(?:十[一二三四五六七八九]五|二?十[一二三四五六七八九]?大|.*全会)$")

#: What may stand right before a topic in a frame (做好{t}工作, 深刻认识{t}的…, 把{t}摆在…).
_FRAME_LEFT = ("做好", "抓好", "推进", "推动", "认识", "把握", "理解", "领会", "看待", "审视", "加强",
               "强化", "深化", "落实", "当前", "对", "为", "把", "将", "以", "在", "的", "确保", "保障",
               "凝聚", "扛起", "扛牢", "提升", "增强")
#: What may follow a topic in a frame (end of heading, {t}工作, {t}的…, {t}各项…).
_FRAME_RIGHT = ("工作", "的", "各项", "形势", "取得", "提供", "作为", "摆在", "向", "落地",
                "落到", "迈上", "再上", "走深", "不断", "提质", "全过程", "各环节", "重点", "任务", "责任")
#: A frame of a part that reflects (认识, 形势, 成效, 理论, 检视) says so in its second clause.
_REFLECTING = re.compile(r"认识|把握|理解|领会|看待|审视|分析|总结|肯定|增强|剖析|查摆|梳理|找准|统一|树立|坚定|摆在")
#: A frame's second clause opens with a verb, or an adverb before one.
_CLAUSE_LEAD = re.compile(
    r"^(?:进一步|不断|切实|深刻|全面|扎实|持续|坚决|着力|准确|清醒|充分|全力|努力|始终|牢固|积极|加快|"
    r"深入|客观|认真|逐项|勇于|敢于|奋力|更加|坚定|)(?:认识|增强|提高|提升|把握|推进|推动|抓好|做好|"
    r"构建|确保|凝聚|营造|形成|强化|筑牢|守牢|织密|打造|健全|完善|统一|审视|分析|总结|肯定|评价|剖析|"
    r"查摆|梳理|找准|理解|领会|落实|压实|锤炼|树立|看待|开展|实施|巩固|保障|夯实|为|以|把|在|向|对|让|"
    r"发挥|守住|防范|化解|打好|打赢|补齐|破解|解决|坚持|聚焦|突出|紧盯|加强|深化|优化|激发|汇聚)")
_UNIT = re.compile(r"×|[全我本各][省市区县镇乡州]|[省市区县乡镇](?:委|政府|级|直)|[市县区]域|"
                   r"[上下]半年|今年|去年|明年|全年|年度")
#: Frames are of the shape of the curated ones: a six-character phrase (a verb and a four-character
#: noun: 提高政治站位), a comma, a clause led by a verb.
FRAME_LENGTH = (13, 20)  # characters, without the topic


@dataclass(frozen=True)
class Unit:
    """One heading of a stored document and its children's headings, as learning sees it."""

    doc: str         # the document's text hash: ties are broken by content, never by ingest order
    title: str
    level: int
    heading: str
    path: str        # the headings above it, joined
    role: str        # a level-1 section's role (kb.annotate.section_role)
    text: str        # the heading and its children's headings, joined
    terms: tuple[str, ...]    # the heading words and the 提法 of the section
    speech: bool     # a local speech's heading (a frame may be learned from it)
    topics: tuple[str, ...]   # the document's own topic tags


@dataclass
class Learned:
    """What the library teaches: its sections, read once; terms and frames are computed per topic."""

    units: list[Unit] = field(default_factory=list)
    _memo: dict = field(default_factory=dict)  # what was computed, by topic and limits

    def terms(self, topic: str, *, limit: int = 8, min_count: int = 2) -> list[str]:
        """Return the terms that co-occur with ``topic`` in the library, best first (see module doc)."""
        key = (topic, limit, min_count)
        if key not in self._memo:
            self._memo[key] = related_terms(self.units, topic, limit=limit, min_count=min_count)
        return self._memo[key]

    def frames(self, known_topics=None, *, per_role: int = 4) -> dict[str, list[tuple[str, str]]]:
        """Return role → [(frame, source heading)], the frames most often learned first.

        ``known_topics`` defaults to the curated table's topics (generator/topics.toml).
        """
        if known_topics is None:
            from generator.candidates import _topic_table

            known_topics = _topic_table()
        key = ("frames", tuple(sorted(known_topics)), per_role)
        if key not in self._memo:
            self._memo[key] = heading_frames(self.units, known_topics, per_role=per_role)
        return self._memo[key]

    def frame_table(self) -> dict[str, list[str]]:
        """Return role → frames, as generator.compose.heading_sets takes them."""
        return {role: [frame for frame, _ in frames] for role, frames in self.frames().items()}


# -- reading the library --------------------------------------------------------------------------

def read_document(doc) -> list[dict]:
    """Return what learning keeps of one stored document: one entry per heading, in order.

    Each entry holds the heading's level, its text with its children's
    headings, the role of a level-1 section, whether an ancestor heading
    names a topic (its path), and its terms: the meaningful words of those
    headings and the 提法 of its own paragraphs.
    """
    from kb.annotate import section_role
    from kb.phrases import extract_phrases

    out = []
    cut: dict[str, list[str]] = {}  # each heading is segmented once, though read twice

    def visit(section, path: str) -> None:
        heads = [section.heading] + [c.heading for c in section.children
                                     if c.kind == "heading" and c.heading]
        text = "，".join(heads)
        terms = set()
        for head in heads:
            if head not in cut:
                cut[head] = _words(head)
            terms.update(cut[head])
        for paragraph in (*section.paragraphs, *section.after):
            terms.update(m.text for m in extract_phrases(paragraph) if _term(m.text))
        out.append({"level": section.level, "heading": section.heading, "path": path,
                    "role": section_role(section.heading, "".join(section.paragraphs))
                    if section.level == 1 else "",
                    "text": text, "terms": sorted(terms)})
        for child in section.children:
            if child.kind == "heading" and child.heading:
                visit(child, f"{path}，{section.heading}" if path else section.heading)

    for section in doc.sections:
        if section.kind == "heading" and section.heading:
            visit(section, "")
    return out


#: Parts of speech (jieba's dictionary) a topic term can have: nouns and verbal nouns
#: (隐患, 排查, 预警); words outside the dictionary (提法, new compounds) count too.
_TERM_TAGS = frozenset({"n", "nz", "vn", "j", "l", "nt", "ng"})


def _words(text: str) -> list[str]:
    from kb.analysis import dictionary_tag, words

    return [w for w in words(text) if _term(w) and dictionary_tag(w) in _TERM_TAGS | {None}]


def _term(word: str) -> bool:
    """Return whether a word can be a topic term: two or more Chinese characters, not generic."""
    from generator.candidates import GENERIC

    return (2 <= len(word) <= 10 and bool(_HAN_ONLY.match(word)) and word not in GENERIC
            and word not in FRAME_WORDS and not _NUMBER.search(word) and not _DATED.match(word))


def learned(kb) -> Learned:
    """Return the library's learned tables, read once per library content and cached in its folder.

    A library without documents, or an object that is not a knowledge base
    folder, gives empty tables (drafting falls back to the curated ones).
    """
    memo = getattr(kb, "_bigan_learned", None)
    try:
        infos = sorted(kb.documents(), key=lambda i: i.doc_id)
    except (AttributeError, TypeError):
        return Learned()
    key = hashlib.sha1(json.dumps([CACHE_VERSION] + [
        [i.doc_id, i.text_hash, i.title, i.doc_type] for i in infos]).encode("utf-8")).hexdigest()
    if memo is not None and memo[0] == key:
        return memo[1]
    root = getattr(kb, "root", None)
    path = Path(root) / CACHE_FILE if root is not None else None
    cached = _load(path)
    docs = {}
    changed = cached.get("key") != key
    for info in infos:
        entry = cached.get("docs", {}).get(info.doc_id)
        if entry is None or entry.get("hash") != info.text_hash or entry.get("title") != info.title \
                or entry.get("doc_type") != info.doc_type:
            entry = _read(kb, info)
            changed = True
        if entry is not None:
            docs[info.doc_id] = entry
    if changed and path is not None:
        _save(path, {"version": CACHE_VERSION, "key": key, "docs": docs})
    result = Learned(_units(docs))
    try:
        kb._bigan_learned = (key, result)
    except AttributeError:
        pass
    return result


def _read(kb, info) -> dict | None:
    from generator.candidates import profile_document

    from kb.errors import KbError

    try:
        doc = kb.document(info.doc_id)
    except KbError:
        return None  # a stored file missing or damaged: nothing to learn from it until reindex
    # only a local speech's headings give frames: other documents need no voice
    foreign = doc.doc_type != "speech" or profile_document(doc).foreign
    return {"hash": info.text_hash, "title": info.title, "doc_type": info.doc_type,
            "speech": doc.doc_type == "speech" and not foreign, "topics": list(doc.tags),
            "sections": read_document(doc)}


def _units(docs: dict) -> list[Unit]:
    units = []
    for entry in docs.values():
        for s in entry["sections"]:
            units.append(Unit(entry["hash"], entry["title"] or "", s["level"], s["heading"], s["path"],
                              s["role"], s["text"], tuple(s["terms"]), bool(entry["speech"]),
                              tuple(entry["topics"])))
    # content order, never ingest order
    units.sort(key=lambda u: (u.doc, u.heading, u.text))
    return units


def _load(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}  # missing or damaged: derived data, read again
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION \
            or not isinstance(data.get("docs"), dict):
        return {}
    return data


def _save(path: Path, data: dict) -> None:
    from kb.store import write_atomic

    try:
        write_atomic(path, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    except OSError:
        pass  # a read-only library still drafts; it learns again next time


# -- related terms --------------------------------------------------------------------------------

def related_terms(units: list[Unit], topic: str, *, limit: int = 8, min_count: int = 2) -> list[str]:
    """Return the terms that co-occur with ``topic``, by pointwise mutual information, best first.

    A section is about the topic when its heading, a heading above it or its
    document's title holds the topic; a term must occur in at least ``min_count`` such sections
    of two different documents, and be three times likelier there than in
    the library at large (PMI above log 3), or, in a library the topic
    fills, used mostly (two thirds of its sections) near the topic. Pieces of the topic and terms holding it are left
    out (安全生产 gives neither 安全 nor 安全生产工作).
    """
    if not topic or not units:
        return []
    total = len(units)
    df: dict[str, int] = {}
    hits: dict[str, int] = {}
    docs: dict[str, set] = {}
    inside = 0
    for unit in units:
        about = topic in unit.heading or topic in unit.path or topic in unit.title
        inside += about
        for term in unit.terms:
            df[term] = df.get(term, 0) + 1
            if about:
                hits[term] = hits.get(term, 0) + 1
                docs.setdefault(term, set()).add(unit.doc)
    if not inside:
        return []
    scored = []
    for term, n in hits.items():
        if n < min_count or len(docs[term]) < 2 or term in topic or topic in term or not _term(term):
            continue
        pmi = math.log(n * total / (df[term] * inside))
        # three times likelier near the topic; in a small library where the topic fills much of
        # it, a term used mostly (two thirds) near the topic will do
        if pmi <= math.log(3) and (n * 3 < df[term] * 2 or pmi <= math.log(1.5)):
            continue
        scored.append((-round(pmi * math.log2(1 + n), 9), term))
    scored.sort()
    return [term for _, term in scored[:limit]]


# -- heading frames -------------------------------------------------------------------------------

def frame_of(heading: str, topics) -> str | None:
    """Return the frame of a heading: the topic replaced by {t}, or None when no frame is kept.

    >>> frame_of("提高政治站位，深刻认识安全生产的重大意义", ["安全生产"])
    '提高政治站位，深刻认识{t}的重大意义'
    >>> frame_of("统一思想认识，把优化营商环境作为全局性工作来抓", ["营商环境"]) is None
    True
    """
    for topic in sorted({t for t in topics if t and t in heading}, key=lambda t: (-len(t), t)):
        if heading.count(topic) != 1:
            continue
        start = heading.index(topic)
        left, right = heading[:start], heading[start + len(topic):]
        if not (left.endswith(_FRAME_LEFT) or left.endswith("，")):
            continue
        if right and not right.startswith(_FRAME_RIGHT):
            continue
        frame = left + "{t}" + right
        return frame if _well_formed(frame, topics) else None
    return None


def _well_formed(frame: str, topics) -> bool:
    """Return whether a frame has the shape of a parallel set and nothing tied to its source."""
    bare = frame.replace("{t}", "")
    first, comma, second = frame.partition("，")
    if not comma or "，" in second or "{t}" not in second or len(first) not in _lead_lengths() \
            or not _HAN_ONLY.match(first):
        return False
    if not FRAME_LENGTH[0] <= len(bare) <= FRAME_LENGTH[1]:
        return False
    if re.search(r"[、；：。！？“”《》（）()]", bare) or not _CLAUSE_LEAD.match(second):
        return False
    if _UNIT.search(bare) or _NUMBER.search(bare):
        return False
    return not any(t and t in bare for t in topics)


def _lead_lengths() -> set[int]:
    """Return the lengths of the curated frames' first clauses (提高政治站位: 6)."""
    from generator.candidates import _package_table

    return {len(f.partition("，")[0]) for row in _package_table("headings.toml").values()
            for f in row.get("frames", [])}


def heading_frames(units: list[Unit], known_topics, *, per_role: int = 4) -> dict[str, list[tuple[str, str]]]:
    """Return role → [(frame, source heading)] learned from local speeches' level-1 headings.

    The topics a heading may hold are the known ones (the curated table's)
    and its document's own topic tags. Frames learned from more headings come
    first, then shorter ones, then by text; each frame once.
    """
    from kb.annotate import section_role

    known = set(known_topics)
    found: dict[str, dict[str, list[str]]] = {}
    for unit in units:
        if not unit.speech or unit.level != 1:
            continue
        topics = known | set(unit.topics)
        frame = frame_of(unit.heading, topics)
        if frame is None:
            continue
        # the frame must say what its part is by its own words
        role = section_role(frame.replace("{t}", "某项工作"))
        if role != unit.role or (role in ("认识", "形势", "成效", "理论", "检视")
                                 and not _REFLECTING.search(frame.partition("，")[2])):
            continue
        found.setdefault(role, {}).setdefault(frame, []).append(unit.heading)
    out = {}
    for role, frames in sorted(found.items()):
        ranked = sorted(frames.items(), key=lambda kv: (-len(set(kv[1])), len(kv[0]), kv[0]))
        out[role] = [(frame, sorted(sources)[0]) for frame, sources in ranked[:per_role]]
    return out
