"""The document model: plain frozen dataclasses, no I/O.

These are the only types that cross package boundaries. Readers produce
:class:`RawDocument`; the structure parser turns it into :class:`Document`;
the knowledge base cuts a Document into :class:`Passage` objects and answers
searches with :class:`Hit` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, asdict

DOC_TYPES = ("speech", "work_plan", "report", "notice", "opinion", "regulation", "other")

#: What the user reads for each doc_type.
DOC_TYPE_NAMES = {"speech": "讲话", "work_plan": "工作方案", "report": "工作报告", "notice": "通知",
                  "opinion": "意见", "regulation": "法规", "other": "其他"}

#: Passage roles, in the order they appear in a document.
ROLES = ("title", "opening", "heading", "body", "point", "closing")

#: Unit levels a text can speak for, from the top (kb.annotate.unit_level).
LEVELS = ("中央", "国务院", "省", "市", "区", "县", "乡镇")
#: Section roles of speeches and plans (kb.annotate.section_role).
SPEECH_ROLES = ("认识", "形势", "成效", "任务", "保障", "理论", "检视")
PLAN_ROLES = ("总体要求", "工作目标", "主要任务", "实施步骤", "保障措施")
#: Registers (voices) of a passage (kb.annotate.register).
REGISTERS = ("中央领导", "国务院文件", "法规", "地方讲话", "地方方案")
#: What a part of a document can be (Annotation.role): a section role, or its opening / closing.
PARTS = SPEECH_ROLES + PLAN_ROLES + ("opening", "closing")


@dataclass(frozen=True)
class Block:
    """One paragraph as a reader found it, before structure is recovered.

    ``level`` is a heading level the source format itself declared (a Markdown
    ``##``, a Word outline level), ``None`` when the format says nothing.
    ``marker`` is a numbering label Word generated (automatic lists), which
    is not part of the paragraph's text.
    """

    text: str
    level: int | None = None
    marker: str = ""
    is_title: bool = False


@dataclass(frozen=True)
class RawDocument:
    """What a reader returns: paragraphs in order plus metadata found in the file."""

    path: str
    blocks: tuple[Block, ...]
    meta: dict = field(default_factory=dict)
    format: str = "txt"
    #: True when the text came without reliable paragraph breaks (a single long line).
    run_together: bool = False


@dataclass(frozen=True)
class DocMeta:
    """Metadata of the issuing office, as a portal page or header records it."""

    doc_number: str | None = None  # 发文字号, e.g. 国发〔2019〕4号
    issuer: str | None = None      # 发文机关
    date: str | None = None        # 成文日期, ISO
    source: str | None = None      # 来源


@dataclass(frozen=True)
class Section:
    """A numbered heading (一、 （一） 1. （1） 第X章 …) or a run-in point (一是…).

    ``heading`` excludes the marker and a trailing 。. ``paragraphs`` are the
    section's own body paragraphs; ``children`` are its sub-sections and points.
    ``inline`` records that the heading ran into its first paragraph on one
    line ("（一）健全制度。正文…"), which renderers keep. ``after`` holds the
    paragraphs that follow the children, such as a part's summary after its
    run-in points.
    """

    kind: str  # "heading" | "point"
    level: int
    marker: str
    heading: str
    paragraphs: tuple[str, ...] = ()
    children: tuple["Section", ...] = ()
    inline: bool = False
    after: tuple[str, ...] = ()

    def walk(self):
        """Yield this section and every section below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "level": self.level,
            "marker": self.marker,
            "heading": self.heading,
            # the documented shape has one list: the section's own paragraphs, summary included
            "paragraphs": list(self.paragraphs + self.after),
            "children": [c.to_json() for c in self.children],
        }


@dataclass(frozen=True)
class Attachment:
    """An attachment (附件) of a document; its numbering restarts."""

    title: str
    sections: tuple[Section, ...] = ()
    paragraphs: tuple[str, ...] = ()
    label: str = ""  # 附件1

    def to_json(self) -> dict:
        return {"title": self.title, "sections": [s.to_json() for s in self.sections]}


@dataclass(frozen=True)
class Document:
    """A whole document with its structure recovered."""

    title: str
    doc_type: str = "other"
    meeting: str | None = None
    speaker: str | None = None
    date: str | None = None
    meta: DocMeta = DocMeta()
    byline: str | None = None
    salutation: str | None = None
    opening: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    closing: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()  # 署名 and 成文日期 lines at the end
    attachments: tuple[Attachment, ...] = ()
    tags: tuple[str, ...] = ()
    occasion: str | None = None  # meeting type such as 座谈会, from metadata
    source_path: str | None = None

    def walk(self):
        """Yield every section of the body (not attachments), in order."""
        for section in self.sections:
            yield from section.walk()

    def to_json(self) -> dict:
        """Return the outline in the documented ``bigan outline --json`` shape."""
        salutation = self.salutation
        return {
            "title": self.title,
            "doc_type": self.doc_type,
            "meeting": self.meeting,
            "speaker": self.speaker,
            "date": self.date,
            "meta": asdict(self.meta),
            "salutation": salutation,
            "opening": list(self.opening),
            "closing": list(self.closing),
            "sections": [s.to_json() for s in self.sections],
            "attachments": [a.to_json() for a in self.attachments],
        }


@dataclass(frozen=True)
class Passage:
    """The unit of search: one paragraph or heading with its place in the document."""

    doc_id: str
    ordinal: int  # position in the document, from 0
    text: str
    role: str
    level: int = 0  # heading level for headings and points, 0 otherwise
    section_path: tuple[str, ...] = ()
    title: str = ""
    doc_type: str = "other"
    date: str | None = None
    source: str | None = None
    # What the passage's part is, known at ingest (see Annotation); "" / False when not annotated.
    part: str = ""
    unit_level: str = ""
    voice: str = ""
    meeting_bound: bool = False
    time_bound: bool = False


@dataclass(frozen=True)
class Annotation:
    """What a part of a document is, known at ingest (``kb.annotate.annotate_document``).

    ``role`` is the part's section role (``kb.annotate.SPEECH_ROLES`` or
    ``PLAN_ROLES``, or "opening" / "closing"; "" for a whole document);
    ``unit_level`` the level of the unit it speaks for (``kb.annotate.LEVELS``,
    "" when unknown); ``voice`` its register (``kb.annotate.REGISTERS``);
    ``meeting_bound`` / ``time_bound`` whether it holds sentences bound to its
    own meeting (今天 / 刚才 / 受到表彰的…) or to a time (years, seasons, 今年 …).
    """

    role: str = ""
    unit_level: str = ""
    voice: str = ""
    meeting_bound: bool = False
    time_bound: bool = False

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DocumentAnnotation:
    """A document's annotation: the whole, its opening and closing, and one per level-1 section."""

    document: Annotation
    parts: tuple[Annotation, ...] = ()  # in the order of Document.sections
    opening: Annotation = Annotation("opening")
    closing: Annotation = Annotation("closing")

    def to_json(self) -> dict:
        return {"document": self.document.to_json(), "opening": self.opening.to_json(),
                "closing": self.closing.to_json(), "parts": [p.to_json() for p in self.parts]}

    @classmethod
    def from_json(cls, data: dict) -> "DocumentAnnotation":
        return cls(document=Annotation(**data["document"]), opening=Annotation(**data["opening"]),
                   closing=Annotation(**data["closing"]),
                   parts=tuple(Annotation(**p) for p in data["parts"]))


@dataclass(frozen=True)
class Span:
    """A match inside a passage's text: ``text[start:end]``."""

    start: int
    end: int


def merge_spans(spans) -> list[tuple[int, int]]:
    """Return (start, end) pairs of the spans in order, overlapping ones merged, for highlighting.

    >>> merge_spans([Span(4, 6), Span(0, 2), Span(1, 3)])
    [(0, 3), (4, 6)]
    """
    merged: list[list[int]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span.end)
        else:
            merged.append([span.start, span.end])
    return [(start, end) for start, end in merged]


@dataclass(frozen=True)
class Hit:
    """One search result."""

    doc_id: str
    title: str
    doc_type: str
    date: str | None
    source: str | None
    section_path: tuple[str, ...]
    role: str
    level: int
    text: str
    spans: tuple[Span, ...]
    score: float
    ordinal: int = 0
    part: str = ""
    unit_level: str = ""
    voice: str = ""
    meeting_bound: bool = False
    time_bound: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data["section_path"] = list(self.section_path)
        data["spans"] = [[s.start, s.end] for s in self.spans]
        return data
