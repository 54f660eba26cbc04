"""The draft model: a speech or work plan assembled from the knowledge base, every paragraph traceable."""

from __future__ import annotations

from dataclasses import dataclass

from kb.model import Document, Section


@dataclass(frozen=True)
class Source:
    """Where a borrowed paragraph comes from."""

    doc_id: str
    title: str
    date: str | None = None
    section_path: tuple[str, ...] = ()

    def describe(self) -> str:
        """Return the source as the writer reads it: 《title》（date）· heading path."""
        text = f"《{self.title}》"
        if self.date:
            text += f"（{self.date}）"
        if self.section_path:
            text += " · " + " > ".join(self.section_path)
        return text


@dataclass(frozen=True)
class PartCandidate:
    """A section the knowledge base offers for a part of a draft (generator.choices picks among them)."""

    index: int  # its place among the part's candidates, best first (what Choices names)
    source: Source
    heading: str  # the source's own heading
    preview: str  # the first words of its body, as the source wrote them
    score: float
    length: int  # characters of the whole section


@dataclass(frozen=True)
class DraftParagraph:
    """One paragraph of a draft; ``source`` is None for the template's own connecting text."""

    text: str
    source: Source | None = None


@dataclass(frozen=True)
class DraftPart:
    """A heading (一、 （一）) or a run-in point (一是) of the draft with its body."""

    kind: str  # "heading" | "point"
    level: int
    marker: str
    heading: str
    paragraphs: tuple[DraftParagraph, ...] = ()
    children: tuple["DraftPart", ...] = ()
    source: Source | None = None
    slot: str = ""  # the template slot this part fills (part:任务 …)
    inline: bool = False
    alternatives: tuple[str, ...] = ()  # other headings the knowledge base offers for this part
    after: tuple[DraftParagraph, ...] = ()  # paragraphs after the children (a summary)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def own_paragraphs(self) -> tuple[DraftParagraph, ...]:
        """Return this part's paragraphs, before and after its children (not theirs)."""
        return self.paragraphs + self.after


@dataclass(frozen=True)
class Draft:
    """A generated draft."""

    kind: str  # speech | work_plan
    template: str
    title: str
    byline: str | None
    salutation: str | None
    opening: tuple[DraftParagraph, ...]
    parts: tuple[DraftPart, ...]
    closing: tuple[DraftParagraph, ...]
    signature: tuple[str, ...] = ()
    meeting: str | None = None
    speaker: str | None = None
    date: str | None = None
    topic: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()  # what the writer still has to fill in
    target_length: int = 0
    seed: int = 0
    shortfalls: tuple[str, ...] = ()  # parts the knowledge base had no material for (关于“X”的“任务”部分素材不足)
    warnings: tuple[str, ...] = ()  # what the writer should look at (a --heading its body does not match)
    heading_sets: tuple[tuple[str, ...], ...] = ()  # parallel sets of level-1 headings
    heading_set: int = 0  # the set the draft's headings come from (the first unless the writer chose)
    candidates: tuple[tuple[PartCandidate, ...], ...] = ()  # per part, what the writer may swap in
    picks: tuple[int | None, ...] = ()  # per part, the index of the candidate in use (None: no material)

    def paragraphs(self):
        """Yield every paragraph of the draft with its source, in reading order."""
        yield from self.opening
        for part in self.parts:
            yield from _reading_order(part)
        yield from self.closing

    def length(self) -> int:
        """Return the number of characters of the draft's text (whitespace excluded)."""
        from kb.structure import document_text

        return sum(len("".join(line.split())) for line in document_text(self.to_document()))

    def to_document(self) -> Document:
        """Return the draft as a kb Document, for the renderers."""
        def section(part: DraftPart) -> Section:
            return Section(part.kind, part.level, part.marker, part.heading,
                           tuple(p.text for p in part.paragraphs),
                           tuple(section(c) for c in part.children), part.inline,
                           tuple(p.text for p in part.after))

        doc_type = "speech" if self.kind == "speech" else "work_plan"
        return Document(title=self.title, doc_type=doc_type, meeting=self.meeting,
                        speaker=self.speaker, date=self.date, byline=self.byline,
                        salutation=self.salutation,
                        opening=tuple(p.text for p in self.opening),
                        sections=tuple(section(p) for p in self.parts),
                        closing=tuple(p.text for p in self.closing),
                        signature=self.signature, tags=self.topic)

    def sources(self) -> dict[str, str]:
        """Return paragraph text → its source, for Word comments and Markdown footnotes."""
        notes: dict[str, str] = {}
        for paragraph in self.paragraphs():
            if paragraph.source is not None:
                notes[paragraph.text] = "来源：" + paragraph.source.describe()
        for part in self.parts:
            for node in part.walk():
                if node.source is not None and not node.own_paragraphs():
                    notes.setdefault(node.heading, "来源：" + node.source.describe())
        return notes

    def to_json(self) -> dict:
        def paragraph(p: DraftParagraph) -> dict:
            return {"text": p.text, "source": _source_json(p.source)}

        def part(p: DraftPart) -> dict:
            return {"kind": p.kind, "level": p.level, "marker": p.marker, "heading": p.heading,
                    "slot": p.slot, "source": _source_json(p.source),
                    "alternatives": list(p.alternatives),
                    "paragraphs": [paragraph(x) for x in p.paragraphs],
                    "children": [part(c) for c in p.children],
                    "after": [paragraph(x) for x in p.after]}

        return {"kind": self.kind, "template": self.template, "title": self.title,
                "byline": self.byline, "salutation": self.salutation, "meeting": self.meeting,
                "speaker": self.speaker, "date": self.date, "topic": list(self.topic),
                "opening": [paragraph(p) for p in self.opening],
                "parts": [part(p) for p in self.parts],
                "closing": [paragraph(p) for p in self.closing],
                "signature": list(self.signature),
                "placeholders": list(self.placeholders),
                "length": self.length(), "target_length": self.target_length, "seed": self.seed,
                "shortfalls": list(self.shortfalls), "warnings": list(self.warnings),
                "heading_sets": [list(s) for s in self.heading_sets], "heading_set": self.heading_set,
                "picks": list(self.picks),
                "candidates": [[_candidate_json(c) for c in found] for found in self.candidates]}


def _reading_order(part: DraftPart):
    yield from part.paragraphs
    for child in part.children:
        yield from _reading_order(child)
    yield from part.after


def _candidate_json(candidate: PartCandidate) -> dict:
    return {"index": candidate.index, "source": _source_json(candidate.source),
            "heading": candidate.heading, "preview": candidate.preview, "score": candidate.score,
            "length": candidate.length}


def _source_json(source: Source | None):
    if source is None:
        return None
    return {"doc_id": source.doc_id, "title": source.title, "date": source.date,
            "section_path": list(source.section_path)}
