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

from kb.model import Document, DocumentAnnotation, Section

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
    annotations: dict = field(default_factory=dict)
    _learned: object = None

    @property
    def learned(self):
        """Return what the library teaches (generator.learn.Learned), read once per draft."""
        if self._learned is None:
            from generator.learn import learned

            self._learned = learned(self.kb)
        return self._learned

    def document(self, doc_id: str) -> Document:
        if doc_id not in self.docs:
            self.docs[doc_id] = self.kb.document(doc_id)
        return self.docs[doc_id]

    def annotation(self, doc_id: str) -> DocumentAnnotation:
        """Return (once) the role, level and voice of a stored document and its parts, made at ingest."""
        if doc_id not in self.annotations:
            self.annotations[doc_id] = self.kb.annotation(doc_id)
        return self.annotations[doc_id]

    def profile(self, doc_id: str, doc: Document | None = None) -> "DocProfile":
        """Return (once) the voice, level and year of a stored document."""
        if doc_id not in self.profiles:
            self.profiles[doc_id] = profile_document(doc or self.document(doc_id), self.annotation(doc_id))
        return self.profiles[doc_id]

    def part_role(self, doc_id: str, doc: Document, index: int, *, plan: bool) -> str:
        """Return the role of a document's level-1 section ``index``, read as a plan's part or a speech's.

        The role made at ingest is the one wanted when the document is itself
        a plan (or not); otherwise it is worked out for the other reading.
        """
        parts = self.annotation(doc_id).parts
        if plan == (doc.doc_type == "work_plan") and index < len(parts):
            return parts[index].role
        from kb.annotate import section_role

        section = doc.sections[index]
        return section_role(section.heading, "".join(section.paragraphs), plan=plan)

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


def topic_cores(topic: tuple[str, ...], *, stems: bool = False) -> list[str]:
    """Return the topic as a text names it: 信访工作 → 信访; with ``stems`` also 作风建设 → 作风.

    >>> topic_cores(("信访工作", "作风建设")), topic_cores(("作风建设",), stems=True)
    (['信访', '作风建设'], ['作风'])
    """
    endings = ("工作", "建设", "治理") if stems else ("工作",)
    return [t[:-2] if t.endswith(endings) and len(t) > 3 else t for t in topic]


def topic_words(topic: tuple[str, ...], learned=None) -> list[str]:
    """Return the words that mark a part as on topic: the topic as given and its related terms.

    The topic is never split into sub-words (全面从严治党 is not about 全面);
    related terms come from the curated table generator/topics.toml or, for a
    topic the table lacks, from ``learned`` (a generator.learn.Learned: the
    terms that co-occur with the topic in the library's headings and 提法:
    learned terms beside a curated list let in material the curated list
    keeps out, such as a school-safety point in a 安全生产 speech), and, for a
    topic ending in 工作, the topic without it (信访工作 → 信访).

    >>> topic_words(("全面从严治党",))[:3]
    ['全面从严治党', '管党治党', '党风廉政']
    >>> topic_words(("营商环境",))[0], "环境" in topic_words(("营商环境",))
    ('营商环境', False)
    """
    table = _topic_table()
    words: list[str] = []
    for item in topic:
        core = topic_cores((item,))[0]
        curated = table.get(item, table.get(core, {})).get("related", [])
        related = [w for w in curated if w not in item]  # a piece of the topic (网络 of 网络安全) is a sub-word
        if learned is not None and not curated:
            # the curated table speaks for the common topics; for the others the library does
            related += [w for w in learned.terms(item) if w not in item]
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
    from kb.annotate import section_text as text

    return text(section)


def gather(library: Library, slot: Slot, topic: tuple[str, ...], *, kind: str,
           occasion: str | None, heading_hint: str | None = None, limit: int = 80,
           max_docs: int = 40) -> list[Candidate]:
    """Return the candidates for one part slot, best first; none below the relevance floor.

    The slot's role is a hard filter (a 保障 slot never takes a 任务 section);
    a part must hold the topic or one of its related terms (the relevance
    floor); sources in a voice the unit cannot speak in (a State Council
    document, a central leader, a regulation) are left out of speeches.
    """
    words = topic_words(topic, library.learned)
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
            score = _score(library, doc_id, doc, profile, index, section, slot, words, topic, doc_type,
                           occasion, heading_hint)
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


def profile_document(doc: Document, annotation: DocumentAnnotation | None = None) -> DocProfile:
    """Return a document's profile from its type, title and annotation (made at ingest, else now)."""
    from kb.annotate import annotate_document, title_unit_level
    from kb.structure import document_text

    text = "".join(document_text(doc))
    whole = (annotation or annotate_document(doc)).document
    level = whole.unit_level or None
    voice = whole.voice
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
    cores = topic_cores(topic)
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


def _score(library: Library, doc_id: str, doc: Document, profile: DocProfile, index: int, section: Section,
           slot: Slot, words, topic, doc_type, occasion, heading_hint) -> float | None:
    from kb.annotate import SLOT_ROLES, foreign_voice, meeting_bound

    if section.level != 1 or section.kind != "heading":
        return None
    if slot.match and not re.match(f"(?:{slot.match})", section.heading):
        return None
    text = section_text(section)
    if len(text) < 30:
        return None
    plan = doc_type == "work_plan"
    if not slot.match:
        role = library.part_role(doc_id, doc, index, plan=plan)
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
    bound = meeting_bound(text) if library.annotation(doc_id).parts[index].meeting_bound else []
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
    # the heading may name the topic by its stem (作风建设 → 当前作风方面存在的突出问题)
    cores = topic_cores(topic, stems=True)
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


def quotation_material(library: Library, topic: tuple[str, ...], used: set[str]):
    """Return (quotation, source) of a central leader's sentence on the topic, or None.

    Only from a speech whose speaker is a central leader the metadata names
    (kb.annotate.leader): 习近平总书记强调，“…”。 with the words verbatim.
    An unknown speaker is never quoted; State Council documents never are.
    """
    from kb.annotate import leader, quotable_sentences, quotation

    # the topic's own stem counts too (作风建设 → 作风: 党的作风是党的形象 is on topic)
    words = topic_words(topic) + [c for c in topic_cores(topic, stems=True) if c not in topic]
    best = None
    for hit in library.search(" ".join(topic), doc_type="speech", limit=80):
        if hit.role not in ("body", "point", "opening"):
            continue
        doc = library.document(hit.doc_id)
        who = leader(doc.speaker, doc.date, doc.byline)
        if not who:
            continue
        for sentence in quotable_sentences(hit.text, words):
            text = quotation(*who, sentence)
            if text in used:
                continue
            # the topic itself before a related term; then a middling length; then a fixed order
            key = (-sum(sentence.count(t) for t in topic), -sum(sentence.count(w) for w in words),
                   abs(len(sentence) - 30), hit.doc_id, hit.ordinal, sentence)
            if best is None or key < best[0]:
                # the speaker's name before the title; a title inside the title takes 〈〉
                name = doc.title if who[0] in doc.title else f"{who[0]}：{doc.title}".replace(
                    "《", "〈").replace("》", "〉")
                best = (key, text, Source(hit.doc_id, name, doc.date, tuple(hit.section_path)))
    return None if best is None else (best[1], best[2])


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
