"""Candidates: for each slot of a template, the whole sections of the knowledge base that could fill it.

A part of a draft is a whole level-1 section of a past document (its
paragraphs and points). Candidates come from topic search over the
library; each is scored for the slot: the role is a hard filter (a 保障
slot never takes a 任务 section), the topic must reach the relevance floor,
and sources in a voice the unit cannot speak in (a State Council document,
a central leader, a regulation) stay out of speeches. Then come role fit,
the source's unit level, its recency and the meeting type. Documents are
taken in an explicit order, so ingest order never matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.model import Document, Section

from generator.model import Source
from generator.templates import Slot

_TRANSITION = re.compile(r"(下面|接下来|为此|围绕[^。]{0,30})，?(我|再)?[^。]{0,20}(讲|强调|谈)[^。]{0,10}(点意见|几点|方面|个问题|点要求)[^。]*[。：]$")
_MEETING_BOUND = re.compile(r"今天|刚才|这次会议|本次会议|这次会|会前|会上|今天的会")


@dataclass(frozen=True)
class Candidate:
    """A whole section of a stored document that could fill a slot."""

    doc_id: str
    doc: Document
    index: int  # position among the document's level-1 sections
    section: Section
    score: float
    topical: bool = True

    @property
    def source(self) -> Source:
        return Source(self.doc_id, self.doc.title, self.doc.date,
                      (self.section.marker + self.section.heading,))


@dataclass
class Library:
    """The knowledge base seen by the generator: search plus a cache of loaded documents."""

    kb: object
    docs: dict = field(default_factory=dict)
    searches: dict = field(default_factory=dict)
    profiles: dict = field(default_factory=dict)

    def document(self, doc_id: str) -> Document:
        if doc_id not in self.docs:
            self.docs[doc_id] = self.kb.document(doc_id)
        return self.docs[doc_id]

    def profile(self, doc_id: str, doc: Document | None = None) -> "DocProfile":
        """Return (once) the voice, level and year of a stored document."""
        if doc_id not in self.profiles:
            self.profiles[doc_id] = profile_document(doc or self.document(doc_id))
        return self.profiles[doc_id]

    def search(self, query: str, **filters):
        """Return topic-search hits; the same search is run once per draft."""
        if not query.strip():
            return []
        key = (query, tuple(sorted(filters.items())))
        if key not in self.searches:
            self.searches[key] = self.kb.search(query, related=True, **filters)
        return self.searches[key]


#: Words that are never topic words on their own: every topic of official writing has them.
GENERIC = frozenset("""全面 建设 环境 生产 促进 工作 发展 推进 加强 管理 服务 保障 体系 能力 水平 质量 高质量
治理 改革 创新 安全 提升 深化 推动 实施 开展 落实 问题 重点 任务 经济 社会 文化 机制 制度""".split())


def topic_words(topic: tuple[str, ...]) -> list[str]:
    """Return the words that mark a part as on topic: the topic as given and its related terms.

    The topic is never split into sub-words (全面从严治党 is not about 全面);
    related terms come from the curated table generator/topics.toml and, for a
    topic ending in 工作, the topic without it (信访工作 → 信访).

    >>> topic_words(("全面从严治党",))[:3]
    ['全面从严治党', '管党治党', '党风廉政']
    >>> topic_words(("营商环境",))[0], "环境" in topic_words(("营商环境",))
    ('营商环境', False)
    """
    table = _topic_table()
    words: list[str] = []
    for item in topic:
        core = item[:-2] if item.endswith("工作") and len(item) > 3 else item
        related = [w for w in table.get(item, table.get(core, {})).get("related", [])
                   if w not in item]  # a piece of the topic (网络 of 网络安全) is a sub-word, not a term
        for word in [item, core, *related]:
            if word not in words and len(word) >= 2 and word not in GENERIC:
                words.append(word)
    return words


_TABLES: dict[str, dict] = {}


def _topic_table() -> dict:
    return _package_table("topics.toml")


def _package_table(name: str) -> dict:
    if name not in _TABLES:
        import tomllib
        from pathlib import Path

        _TABLES[name] = tomllib.loads((Path(__file__).resolve().parent / name).read_text(encoding="utf-8"))
    return _TABLES[name]


def section_text(section: Section) -> str:
    """Return a section's whole text: heading, paragraphs and children."""
    parts = [section.heading, *section.paragraphs]
    parts.extend(section_text(c) for c in section.children)
    parts.extend(section.after)
    return "".join(parts)


def gather(library: Library, slot: Slot, topic: tuple[str, ...], *, kind: str,
           occasion: str | None, heading_hint: str | None = None, limit: int = 80,
           max_docs: int = 40) -> list[Candidate]:
    """Return the candidates for one part slot, best first; none below the relevance floor.

    The slot's role is a hard filter (a 保障 slot never takes a 任务 section);
    a part must hold the topic or one of its related terms (the relevance
    floor); sources in a voice the unit cannot speak in (a State Council
    document, a central leader, a regulation) are left out of speeches.
    """
    words = topic_words(topic)
    doc_type = "speech" if kind == "speech" else "work_plan"
    queries = [(" ".join(topic), {"doc_type": doc_type}), (" ".join(topic), {})]
    queries += [(w, {}) for w in words[1:6]]
    if heading_hint:
        queries.insert(0, (heading_hint + " " + " ".join(topic), {"role": "heading"}))
    scores: dict[str, float] = {}
    for query, filters in queries:
        for hit in library.search(query, limit=limit, **filters):
            scores[hit.doc_id] = max(scores.get(hit.doc_id, 0.0), getattr(hit, "score", 0.0) or 0.0)
    # Ingest order never matters: documents are taken in an explicit order.
    doc_ids = sorted(scores, key=lambda d: (-round(scores[d], 6), d))[:max_docs]
    candidates = []
    for doc_id in doc_ids:
        doc = library.document(doc_id)
        profile = library.profile(doc_id, doc)
        if kind == "speech" and profile.foreign:
            continue
        for index, section in enumerate(doc.sections):
            score = _score(doc, profile, index, section, slot, words, topic, doc_type, occasion,
                           heading_hint)
            if score is not None:
                candidates.append(Candidate(doc_id, doc, index, section, score, True))
    candidates.sort(key=lambda c: (-c.score, c.doc_id, c.index))
    return candidates


@dataclass(frozen=True)
class DocProfile:
    """What selection needs to know of a whole document: its voice, level and year."""

    foreign: bool      # a voice a local unit cannot speak in (central leader, State Council, law)
    level: str | None  # the level it speaks for (市, 区 …)
    year: int


def profile_document(doc: Document) -> DocProfile:
    """Return a document's profile from its type, title and self-references."""
    from kb.annotate import register, title_unit_level, unit_level
    from kb.structure import document_text

    text = "".join(document_text(doc))
    level = unit_level(text, doc.title or "")
    voice = register(text, doc_type=doc.doc_type)
    foreign = doc.doc_type in ("notice", "opinion", "regulation") or voice in ("中央领导", "法规") \
        or title_unit_level(doc.title or "") == "中央" \
        or (doc.doc_type == "speech" and level is None and text.count("全党") + text.count("全国") >= 3)
    year = int(doc.date[:4]) if doc.date and doc.date[:4].isdigit() else 0
    if re.search(r"[局厅](?:党组|党委)?(?:专题|工作|全体|干部)|局长|厅长", doc.title or ""):
        level = "部门"  # a department speaks for itself (我们局 / 局党委), not for a 市 or 区
    return DocProfile(foreign, level, year)


def relevance(text: str, title: str, words: list[str], topic: tuple[str, ...]) -> float:
    """Return how much a part is about the topic: 0 below the floor.

    The floor is a density: the topic (or its core: 信访工作 → 信访) about once
    in every 800 characters, or in the part's heading; failing that, at least
    three related terms, together about once in every 400 characters. A long
    section that mentions the topic once in passing is not about it.

    >>> relevance("信访工作要抓源头。" * 3, "", ["信访工作", "信访"], ("信访工作",)) > 0
    True
    >>> relevance("网格" * 600 + "信访", "", ["信访工作", "信访"], ("信访工作",))
    0.0
    """
    if not words:
        return 1.0
    cores = [t[:-2] if t.endswith("工作") and len(t) > 3 else t for t in topic]
    direct = sum(text.count(c) for c in cores)
    related = [w for w in words if w not in topic and w not in cores and w in text]
    mentions = sum(text.count(w) for w in related)
    in_title = any(c in title for c in cores)
    head = text[:40]
    size = max(len(text), 1)
    bonus = 1.0 if in_title else 0.0
    if direct and (direct >= size / 800 or any(c in head for c in cores)):
        return 2.0 + min(direct, 6) * 0.5 + 0.3 * len(related) + bonus
    if (len(related) >= 3 and mentions >= size / 400) or any(w in head for w in related) \
            or (related and in_title and mentions >= size / 600):
        return 1.0 + 0.3 * len(related) + bonus
    return 0.0


def _score(doc: Document, profile: DocProfile, index: int, section: Section, slot: Slot, words,
           topic, doc_type, occasion, heading_hint) -> float | None:
    from kb.annotate import SLOT_ROLES, foreign_voice, meeting_bound, section_role

    if section.level != 1 or section.kind != "heading":
        return None
    if slot.match and not re.match(f"(?:{slot.match})", section.heading):
        return None
    text = section_text(section)
    if len(text) < 30:
        return None
    plan = doc_type == "work_plan"
    if not slot.match:
        role = section_role(section.heading, "".join(section.paragraphs), plan=plan)
        fitting = SLOT_ROLES.get(slot.label, (slot.label,))
        if role not in fitting:
            return None  # the role is a hard filter
        # the slot's own role first: a 总结表彰会 opens with results, not with 认识
        role_bonus = 12.0 if role == fitting[0] else 0.0
    else:
        role_bonus = 0.0
    # A plan's 指导思想, 实施步骤 and 保障措施 are much alike whatever the topic: their points
    # need not each name it.
    generic = plan and slot.heading and slot.key in ("guiding", "steps", "safeguards")
    if not generic and not _points_on_topic(section, words, topic):
        return None
    rel = relevance(text, (doc.title or "") + "".join(doc.tags), words, topic)
    if rel <= 0 and not (generic and relevance("", doc.title or "", words, topic) > 0):
        return None  # the relevance floor
    if profile.level == "部门" and rel < 2.0:
        return None  # a department's own party work (局党委) is no unit's, unless it is the topic itself
    score = 4.0 * rel + role_bonus
    foreign = len(foreign_voice(text))
    if foreign:
        if doc_type == "speech" or foreign > 2:
            return None
        score -= 2.0 * foreign
    bound = meeting_bound(text)
    score -= 0.6 * sum(1 for b in bound if b.kind not in ("", occasion))
    score -= 0.2 * len(bound)
    if heading_hint:
        hint_chars = set(heading_hint)
        score += 3.0 * len(hint_chars & set(section.heading)) / max(len(hint_chars), 1)
    count = len(doc.sections)
    if slot.position == "first":
        score += 1.0 if index == 0 else -0.5
    elif slot.position == "last":
        score += 1.0 if index == count - 1 and count > 1 else -0.5
    if doc.doc_type == doc_type:
        score += 1.5
    elif profile.foreign:
        score -= 3.0
    else:
        score -= 1.0
    if profile.level in ("市", "区", "县"):
        score += 1.0
    elif profile.level == "部门":
        score -= 1.5
    elif profile.level is None:
        score -= 0.5
    if occasion and doc.occasion == occasion:
        score += 2.0  # two occasions on one topic should not give the same speech
    if profile.year:
        score += 0.15 * max(min(profile.year - 2018, 8), 0)
    return round(score, 6)


def _points_on_topic(section: Section, words: list[str], topic: tuple[str, ...]) -> bool:
    """Return False for a section of three or more sub-parts of which fewer than half name the topic.

    A 作风 section whose 为民服务 point mentions 信访 once is not about 信访,
    however short it is; a heading naming the topic is enough.
    """
    cores = [t[:-2] if t.endswith("工作") and len(t) > 3 else t for t in topic]
    points = [section_text(c) for c in section.children]
    if len(points) < 3 or not words or any(c in section.heading for c in cores):
        return True
    return 2 * sum(1 for p in points if any(w in p for w in words)) >= len(points)


def opening_material(library: Library, topic: tuple[str, ...], used: set[str]):
    """Return a borrowed opening paragraph about the topic (not bound to its own meeting), or None."""
    return _paragraph_material(library, topic, "opening", used, _clean_opening)


def closing_material(library: Library, topic: tuple[str, ...], used: set[str]):
    """Return a borrowed closing paragraph (a call to action) about the topic, or None."""
    def accept(text):
        if not text.startswith(("同志们", "让我们")) or not text.endswith(("！", "。")):
            return None
        return None if _MEETING_BOUND.search(text) else text
    return _paragraph_material(library, topic, "closing", used, accept)


def _paragraph_material(library, topic, role, used, accept):
    from kb.annotate import foreign_voice, meeting_bound

    hits = library.search(" ".join(topic), role=role, doc_type="speech", limit=60)
    best = None
    for hit in hits:
        text = accept(hit.text)
        if not text or text in used or len(text) < 40:
            continue
        # an opening must be about the topic itself, not a related word
        covered = sum(text.count(t) for t in topic)
        if topic and not covered:
            continue
        if meeting_bound(text) or foreign_voice(text) or library.profile(hit.doc_id).foreign:
            continue
        key = (-min(covered, 3), -min(len(text), 400), hit.doc_id, hit.ordinal)
        if best is None or key < best[0]:
            best = (key, text, Source(hit.doc_id, hit.title, hit.date, tuple(hit.section_path)))
    return None if best is None else (best[1], best[2])


def _clean_opening(text: str) -> str | None:
    """Drop a trailing transition sentence; refuse paragraphs bound to their own meeting."""
    sentences = re.findall(r"[^。！？]*[。！？]", text)
    if not sentences or "".join(sentences) != text:
        return None
    while sentences and _TRANSITION.search(sentences[-1]):
        sentences.pop()
    text = "".join(sentences)
    if not text or _MEETING_BOUND.search(text) or text.endswith("："):
        return None
    return text
