"""Section selection: for each slot of a template, the best whole sections of the knowledge base.

A part of a speech is a whole level-1 section of a past document (its
heading with its paragraphs and points), so a heading always matches its
body. Candidates come from topic search (`related`) over headings and body
passages; they are ranked by topic coverage, how well the heading fits the
slot (认识 / 任务 / 保障 …), where such a part stands in its speech, and the
meeting type; ties are broken by document id, so the choice is
deterministic. The seed only picks among near-equal candidates.
"""

from __future__ import annotations

import random
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

    def document(self, doc_id: str) -> Document:
        if doc_id not in self.docs:
            self.docs[doc_id] = self.kb.document(doc_id)
        return self.docs[doc_id]

    def search(self, query: str, **filters):
        """Return topic-search hits; the same search is run once per draft."""
        if not query.strip():
            return []
        key = (query, tuple(sorted(filters.items())))
        if key not in self.searches:
            self.searches[key] = self.kb.search(query, related=True, **filters)
        return self.searches[key]


def topic_words(topic: tuple[str, ...]) -> list[str]:
    """Return the words a part must be about: the writer's topic words, split by the segmenter."""
    from kb.analysis import query_words

    words: list[str] = []
    for item in topic:
        for word in [item] + query_words(item):
            if word not in words and len(word) >= 2:
                words.append(word)
    return words


def section_text(section: Section) -> str:
    """Return a section's whole text: heading, paragraphs and children."""
    parts = [section.heading, *section.paragraphs]
    parts.extend(section_text(c) for c in section.children)
    parts.extend(section.after)
    return "".join(parts)


def gather(library: Library, slot: Slot, topic: tuple[str, ...], *, kind: str,
           occasion: str | None, heading_hint: str | None = None, limit: int = 80,
           max_docs: int = 40) -> list[Candidate]:
    """Return the candidates for one part slot, best first."""
    words = topic_words(topic)
    slot_words = slot.words.split()
    doc_type = "speech" if kind == "speech" else "work_plan"
    # The documents the topic search reaches; every top-level section of them is scored
    # for the slot here, so one topic search serves all slots of a draft.
    queries = [(" ".join(topic), {"doc_type": doc_type}), (" ".join(topic), {})]
    if heading_hint:
        queries.insert(0, (heading_hint + " " + " ".join(topic), {"role": "heading"}))
    doc_ids: dict[str, None] = {}
    for query, filters in queries:
        for hit in library.search(query, limit=limit, **filters):
            doc_ids.setdefault(hit.doc_id, None)
    candidates = []
    # Every top-level section of a document the topic search reached is a candidate,
    # not only the sections holding a hit: a plan's 工作目标 rarely repeats its topic.
    for doc_id in list(doc_ids)[:max_docs]:
        doc = library.document(doc_id)
        for index, section in enumerate(doc.sections):
            score = _score(doc, index, section, slot, words, slot_words, doc_type, occasion,
                           heading_hint)
            if score is not None:
                topical = any(t in section_text(section) or t in doc.title or t in doc.tags
                              for t in topic) or not topic
                candidates.append(Candidate(doc_id, doc, index, section, score, topical))
    candidates.sort(key=lambda c: (-c.score, c.doc_id, c.index))
    return candidates


def _score(doc: Document, index: int, section: Section, slot: Slot, words, slot_words, doc_type,
           occasion, heading_hint) -> float | None:
    if section.level != 1 or section.kind != "heading":
        return None
    if slot.match and not re.match(f"(?:{slot.match})", section.heading):
        return None
    text = section_text(section)
    if len(text) < 30:
        return None
    covered = sum(1 for w in words if w in text)
    about_topic = any(w in doc.title or w in doc.tags for w in words)
    if words and covered == 0 and not about_topic:
        return None
    score = 4.0 * covered / max(len(words), 1)
    score += min(sum(text.count(w) for w in words), 12) * 0.15
    if any(w in section.heading for w in words):
        score += 2.0  # the part is about the topic, not just mentioning it
    if about_topic:
        score += 5.0  # and so is its document
    score += 1.2 * sum(1 for w in slot_words if w in section.heading)
    score += 0.3 * sum(1 for w in slot_words if w in text[:300])
    if heading_hint:
        hint_chars = set(heading_hint)
        score += 3.0 * len(hint_chars & set(section.heading)) / max(len(hint_chars), 1)
    count = len(doc.sections)
    if slot.position == "first":
        score += 2.0 if index == 0 else -1.0
    elif slot.position == "last":
        score += 2.0 if index == count - 1 and count > 1 else -1.0
    elif slot.position == "middle":
        score += 1.0 if 0 < index < count - 1 else -1.0
    if doc.doc_type == doc_type:
        score += 1.5
    else:
        score -= 3.0
    if occasion and doc.occasion == occasion:
        score += 0.8
    return round(score, 6)


def choose(candidates_by_slot: list[list[Candidate]], *, seed: int = 0,
           distinct_docs: bool = True) -> list[Candidate | None]:
    """Return one candidate per slot: the best, from different documents where possible.

    With a seed other than 0, each slot picks at random among the candidates
    scoring within 15% of its best, so variants differ but stay good.
    """
    rng = random.Random(seed)
    used_docs: set[str] = set()
    used_sections: set[tuple[str, int]] = set()
    chosen: list[Candidate | None] = []
    for candidates in candidates_by_slot:
        pool = [c for c in candidates if (c.doc_id, c.index) not in used_sections]
        fresh = ([c for c in pool if c.doc_id not in used_docs] or pool) if distinct_docs else pool
        if not fresh:
            chosen.append(None)
            continue
        pick = fresh[0]
        if seed:
            best = fresh[0].score
            near = [c for c in fresh[:8] if c.score >= best - abs(best) * 0.15]
            pick = near[rng.randrange(len(near))]
        chosen.append(pick)
        used_docs.add(pick.doc_id)
        used_sections.add((pick.doc_id, pick.index))
    return chosen


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
    words = topic_words(topic)
    hits = library.search(" ".join(topic), role=role, doc_type="speech", limit=60)
    best = None
    for hit in hits:
        text = accept(hit.text)
        if not text or text in used or len(text) < 40:
            continue
        covered = sum(1 for w in words if w in text)
        if words and not covered:
            continue
        key = (-covered, -min(len(text), 400), hit.doc_id, hit.ordinal)
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
