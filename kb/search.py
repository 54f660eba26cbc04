"""Query parsing, exact candidate lookup and confirmation, ranking, spans.

Exact search: every term is an exact substring of the passage. Candidates are
the passages holding the query's three rarest bigrams (an AND of posting
lists); each candidate's stored text is then checked, so recall against a
substring scan is complete and nothing else gets through. Ranking is BM25
over the index's words (jieba's, cut at ingest), computed only for the confirmed
passages; a query is cut against the index's own word list, so searching never
loads jieba's dictionary.

Speed at 100,000 passages comes from working segment by segment on posting
blocks (decoded once, searched with bisect, skipped on their maximum id)
rather than through Whoosh's one-posting-per-call matchers, and from what a
searcher computes once and keeps: document frequencies, the date order and
heading flags of every passage, the word-field lengths of each segment.
"""

from __future__ import annotations

import functools
import heapq
import json
import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass

from kb._whoosh import length_bytes  # before Whoosh: loads it without what bigan never calls
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.util.numeric import byte_to_length
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import Or, Term
from whoosh.scoring import BM25F, bm25

from kb.analysis import bigrams, lexicon_words
from kb.cleaning import normalise
from kb.errors import IndexOutdatedError, QueryError
from kb.index import SEP, is_legacy, unpack_meta, unpack_note
from kb.model import LEVELS, PARTS, REGISTERS, ROLES, Hit, Span

#: Roles that `headings=True` keeps: the 标题库 of titles and section headings.
HEADING_ROLES = ("title", "heading")
#: Score multiplier for a match in a title or heading.
HEADING_BOOST = 2.0
#: Topic search returns material to reuse, body passages first: a heading or title counts
#: for this share of its own score, and lends this share of its best score to the other
#: passages of its document (the heading is one signal, not the result).
RELATED_HEADING_WEIGHT = 0.5
RELATED_HEADING_SIGNAL = 0.3
#: Topic search scores this many best BM25 matches per ten hits asked for, not every match.
RELATED_POOL = 200
SORTS = ("relevance", "date")

#: A term: optional minus, then an ASCII-quoted string or a run of non-spaces. Chinese
#: quotes “” are ordinary characters, part of the phrase, as they are in documents.
#: An unclosed quote runs to the end of the query ('"基层' looks for 基层, not for '"基层').
_TOKEN = re.compile(r'(-?)(?:"([^"]*)(?:"|$)|(\S+))')
#: What a terminal hands over for bytes that are not UTF-8 (surrogateescape).
_UNDECODABLE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Query:
    """A parsed query: terms that must all occur and terms that must not."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


def parse_query(text: str) -> Query:
    """Return the parsed query; QueryError when nothing is left to look for.

    Terms go through :func:`kb.cleaning.normalise`, as every passage did when indexed.

    >>> parse_query('基层治理 -网格 "GB/T 9704"')
    Query(include=('基层治理', 'GB/T 9704'), exclude=('网格',))
    >>> parse_query("各位老师,同学们 国发[2019]4号 ＧＤＰ")
    Query(include=('各位老师，同学们', '国发〔2019〕4号', 'GDP'), exclude=())
    >>> parse_query('"基层')
    Query(include=('基层',), exclude=())
    """
    if _UNDECODABLE.search(text or ""):
        raise QueryError("检索词含有无法识别的字节（不是 UTF-8 文字），请检查终端或输入法的编码设置")
    include: list[str] = []
    exclude: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        minus, quoted, bare = match.groups()
        term = normalise(quoted if quoted is not None else bare)
        if quoted is None and minus and not term:
            term = "-"  # a lone hyphen is a character to look for
            minus = ""
        if not term:
            continue
        target = exclude if minus else include
        if term not in target:
            target.append(term)
    if not include:
        if exclude:
            raise QueryError("检索式只有排除词（-词），请至少给出一个要查找的词")
        raise QueryError("检索词不能为空，请给出要查找的提法或词语")
    return Query(tuple(include), tuple(exclude))


@dataclass(frozen=True)
class Filters:
    """Restrictions on the passages a search may return."""

    doc_type: str | None = None
    role: str | None = None
    level: int | None = None
    headings: bool = False
    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None
    # The annotations (kb.annotate.annotate_document): the role of the passage's part, the
    # unit level and voice it speaks in ("不详" finds the unknown level), its bound sentences.
    part: str | None = None
    unit_level: str | None = None
    voice: str | None = None
    meeting_bound: bool | None = None
    time_bound: bool | None = None

    def __post_init__(self):
        if self.role is not None and self.role not in ROLES:
            raise QueryError(f"未知的段落角色“{self.role}”，可选：{'、'.join(ROLES)}")
        for value, choices, what in ((self.part, PARTS, "部分"), (self.unit_level, LEVELS + ("不详",), "单位层级"),
                                     (self.voice, REGISTERS, "口吻")):
            if value is not None and value not in choices:
                raise QueryError(f"未知的{what}“{value}”，可选：{'、'.join(choices)}")

    def active(self) -> bool:
        return any((self.doc_type, self.role, self.level is not None, self.headings,
                    self.date_from, self.date_to, self.source)) or self.annotated()

    def annotated(self) -> bool:
        """Return whether a filter reads the annotations (which libraries built before them lack)."""
        return any(v is not None for v in (self.part, self.unit_level, self.voice, self.meeting_bound,
                                           self.time_bound))

    def accepts_note(self, note) -> bool:
        """Return whether a passage's unpacked note column passes the annotation filters."""
        part, unit_level, voice, meeting_bound, time_bound = note
        if self.part is not None and part != self.part:
            return False
        if self.unit_level is not None and unit_level != ("" if self.unit_level == "不详" else self.unit_level):
            return False
        if self.voice is not None and voice != self.voice:
            return False
        if self.meeting_bound is not None and meeting_bound != self.meeting_bound:
            return False
        if self.time_bound is not None and time_bound != self.time_bound:
            return False
        return True

    def accepts(self, meta, source_of) -> bool:
        """Return whether a passage passes every filter, given its unpacked meta column.

        ``source_of(meta)`` returns the passage's source path (read only for a source filter).
        """
        date, _doc_id, _ordinal, role, level, doc_type, _path = meta
        if self.doc_type and doc_type != self.doc_type:
            return False
        if self.role and role != self.role:
            return False
        if self.level is not None and level != self.level:
            return False
        if self.headings and role not in HEADING_ROLES:
            return False
        if self.date_from and (not date or date < self.date_from):
            return False
        if self.date_to and (not date or date[:len(self.date_to)] > self.date_to):
            return False
        if self.source and self.source not in source_of(meta):
            return False
        return True


def _date_key(meta):
    # Newest first, then id and position: a total order, so output is deterministic.
    date, doc_id, ordinal = meta[0], meta[1], meta[2]
    return (tuple(-ord(c) for c in date), doc_id, ordinal)


def find_spans(text: str, terms) -> tuple[Span, ...]:
    """Return every occurrence of every term in ``text`` (overlaps included), in order."""
    spans = set()
    for term in terms:
        if not term:
            continue
        start = text.find(term)
        while start != -1:
            spans.add((start, start + len(term)))
            start = text.find(term, start + 1)
    return tuple(Span(s, e) for s, e in sorted(spans))


class _Postings:
    """A forward-only cursor over one term's postings in one segment, a block at a time.

    Whoosh's own matchers step through a block one posting per Python call;
    here a block's ids are decoded once and searched with bisect, and whole
    blocks are skipped on their stored maximum id without being decoded.
    """

    def __init__(self, matcher):
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deletions are removed by the caller
        self._m = matcher
        self._lo = 0
        if isinstance(matcher, W3LeafMatcher):
            self._blocks = True
        else:
            # Inlined or in-memory postings: read them once as a single block.
            self._blocks = False
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            self._ids, self._weights = tuple(ids), weights

    def all_ids(self) -> list[int]:
        """Return every id, in order."""
        if not self._blocks:
            return list(self._ids)
        m, out = self._m, []
        while not m._atend:
            if m._ids is None:
                m._read_ids()
            out.extend(m._ids)
            m._next_block()
        return out

    def find(self, docid: int) -> int:
        """Return the index of ``docid`` in the current block, or -1 (ids asked never decrease)."""
        if self._blocks:
            m = self._m
            if m._atend:
                return -1
            if m._maxid < docid:
                while m._maxid < docid:
                    m._next_block()
                    if m._atend:
                        return -1
                self._lo = 0
            if m._ids is None:
                m._read_ids()
            ids = m._ids
        else:
            ids = self._ids
        i = bisect_left(ids, docid, self._lo)
        self._lo = i
        return i if i < len(ids) and ids[i] == docid else -1

    def pairs(self):
        """Yield every (id, weight), in order: block by block, each decoded once."""
        if not self._blocks:
            yield from zip(self._ids, self._weights)
            return
        m = self._m
        while not m._atend:
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            yield from zip(m._ids, m._weights)
            m._next_block()

    def weight(self, index: int) -> float:
        """Return the weight of the posting at ``index`` in the current block."""
        if not self._blocks:
            return self._weights[index]
        m = self._m
        if m._weights is None:
            m._read_weights()
        return m._weights[index]


def _field_lengths(leaf, field: str, doccount: int):
    """Return a segment's field lengths by docnum, as its scorer sees them (default 1)."""
    raw = length_bytes(leaf._perdoc, field) if hasattr(leaf, "_perdoc") else None
    if raw is None:
        return [leaf.doc_field_length(d, field, 1) for d in range(doccount)]
    # One read of the segment's length bytes instead of a column lookup per document;
    # Whoosh stores each length as one byte, decoded by the same table its reader uses.
    table = [byte_to_length(b) if b else 1 for b in range(256)]
    return [table[b] for b in raw[:doccount]]


#: Hits scored by walking a word's postings once, rather than looking each hit up in them,
#: when they are at least this share (one in four) of the postings.
_WALK_SHARE = 4
#: Up to this many passages, per-passage lookups beat reading a whole column.
_FEW = 200
#: Up to this share of the index, hits are ordered from their own meta values rather than
#: by date ranks built for every passage: a one-query process (the CLI) never pays for
#: those, and a long-lived searcher builds them for the queries that match much.
_FEW_SHARE = 10


class _Accepted(set):
    """The passages a predicate accepts, as Whoosh's search filter asks them (``docnum in allowed``)."""

    def __init__(self, accepts):
        super().__init__()
        self._accepts = accepts

    def __contains__(self, docnum) -> bool:
        return self._accepts(docnum)

    def __bool__(self) -> bool:  # Whoosh drops a filter that is empty as a set
        return True


class Searcher:
    """Answers queries on one Whoosh searcher (kept open across queries by the façade)."""

    def __init__(self, searcher):
        self.s = searcher
        reader = searcher.reader()
        # False in a library built before the annotations (bigan reindex adds them).
        self._annotated = "note" in searcher.schema.names()
        # Segment by segment: (reader, first global docnum, docnum after the last).
        self._leaves = [(leaf, base, base + leaf.doc_count_all())
                        for leaf, base in reader.leaf_readers()]
        self._df: dict[tuple[str, str], tuple[int, tuple[int, ...]]] = {}
        self._order = None
        self._doc_of = None  # docnum -> small document number, built with _order
        self._word_lengths: dict[int, object] = {}
        #: The last few topic passes: a filtered search's first pass is often the
        #: unfiltered search of the same words (drafting runs both).
        self._passes: dict[tuple, tuple] = {}
        # An index of the first format stores the display fields on every passage.
        self._legacy = is_legacy(searcher.schema)
        self._docs: dict[str, tuple] = {}

    # The columns are opened on first use: opening one reads its offsets for every passage
    # (~0.1 s at 100,000 passages), and the catalogue (stats, show) needs neither.
    @functools.cached_property
    def _text(self):
        return self._column("text")

    @functools.cached_property
    def _meta(self):
        return self._column("meta")

    @functools.cached_property
    def _note(self):
        return self._column("note") if self._annotated else None

    def _column(self, name: str):
        reader = self.s.reader()
        return reader.column_reader(name) if reader.has_column(name) else None

    def text(self, docnum: int) -> str:
        return self._text[docnum].decode("utf-8")

    def meta(self, docnum: int):
        return unpack_meta(self._meta[docnum])

    def note(self, docnum: int):
        """Return (part, unit_level, voice, meeting_bound, time_bound) of a passage."""
        return unpack_note(self._note[docnum]) if self._note is not None else ("", "", "", False, False)

    def _accepts(self, filters: Filters, docnum: int) -> bool:
        return filters.accepts(self.meta(docnum), self._source_of) and (
            not filters.annotated() or filters.accepts_note(self.note(docnum)))

    def _check_filters(self, filters: Filters) -> None:
        if filters.annotated() and not self._annotated:
            raise IndexOutdatedError(
                "素材库的索引建于旧版本，没有按部分、单位层级、口吻和会议语境、时间语境的标注，"
                "无法按这些条件筛选：请先运行 bigan reindex 重建索引（已存文档不受影响）")

    def _source_of(self, meta) -> str:
        return meta[6] if self._legacy else self._document(meta[1])[3]

    def _document(self, doc_id: str) -> tuple:
        """Return (title, doc_type, date, source, section paths) of a document, read once per searcher."""
        found = self._docs.get(doc_id)
        if found is None:
            if len(self._docs) > 20_000:
                self._docs.clear()  # bound the cache; it refills from the documents asked for
            docnum = self.s.document_number(key=f"d:{doc_id}")
            stored = self.s.stored_fields(docnum) if docnum is not None else {}
            record = json.loads(stored.get("record") or "{}")
            found = self._docs[doc_id] = (
                record.get("title") or "", record.get("doc_type") or "other", record.get("date"),
                record.get("source"), tuple(tuple(path) for path in stored.get("paths") or ()))
        return found

    # -- postings ----------------------------------------------------------------------------

    def _frequency(self, field: str, term: str) -> tuple[int, tuple[int, ...]]:
        """Return the term's document frequency, in total and per segment (cached per searcher)."""
        key = (field, term)
        found = self._df.get(key)
        if found is None:
            if len(self._df) > 100_000:
                self._df.clear()  # bound the cache; it refills from the common terms
            per_leaf = tuple(leaf.doc_frequency(field, term) for leaf, _, _ in self._leaves)
            found = self._df[key] = (sum(per_leaf), per_leaf)
        return found

    def _order_key(self, docnum: int):
        """Return (heading flag, date-order key) of one passage, as _order_arrays ranks it."""
        date, doc_id, ordinal, role = self._meta[docnum].decode("utf-8").split(SEP, 4)[:4]
        inverted = "".join(chr(0x10FFFF - ord(c)) for c in date)
        return (1 if role in HEADING_ROLES else 0), (inverted, doc_id, int(ordinal), docnum)

    def _order_arrays(self):
        """Return (heading flag, rank in date order) for every docnum, built once per searcher."""
        if self._order is None:
            n = self.s.reader().doc_count_all()
            heading = bytearray(n)
            doc_of = array("l", [-1]) * n
            doc_numbers: dict[str, int] = {}
            keys = []
            inverted: dict[str, str] = {}
            if self._meta is not None:
                for docnum, value in enumerate(self._meta):
                    if not value:
                        continue  # a catalogue record, never a hit
                    date, doc_id, ordinal, role = value.decode("utf-8").split(SEP, 4)[:4]
                    if role in HEADING_ROLES:
                        heading[docnum] = 1
                    doc_of[docnum] = doc_numbers.setdefault(doc_id, len(doc_numbers))
                    inv = inverted.get(date)
                    if inv is None:
                        # Code points mirrored: ascending order of the mirrored string is the
                        # order of _date_key's tuple of negated code points, prefixes first.
                        inv = inverted[date] = "".join(chr(0x10FFFF - ord(c)) for c in date)
                    keys.append((inv, doc_id, int(ordinal), docnum))
            keys.sort()
            rank = array("l", [n] * n)
            for position, key in enumerate(keys):
                rank[key[3]] = position
            self._doc_of = doc_of
            self._order = (heading, rank)
        return self._order

    def _few(self, n: int) -> bool:
        """Return whether ``n`` hits are few enough to order without the searcher-wide arrays."""
        return n <= _FEW or n * _FEW_SHARE <= self.s.doc_count_all()

    def _headings_and_documents(self, docnums) -> tuple:
        """Return (heading flag, document) lookups for ``docnums``, as _ranked gets its keys."""
        if self._order is None and self._few(len(docnums)):
            heading, document = {}, {}
            for docnum in docnums:
                date, doc_id, ordinal, role = self._meta[docnum].decode("utf-8").split(SEP, 4)[:4]
                heading[docnum] = 1 if role in HEADING_ROLES else 0
                document[docnum] = doc_id
            return heading, document
        return self._order_arrays()[0], self._doc_of

    # -- exact -------------------------------------------------------------------------------

    def _candidates(self, query: Query) -> list[int]:
        grams = set()
        for term in query.include:
            grams |= bigrams(term)
        if not grams:
            return sorted(self.s.document_numbers(kind="p"))
        ranked = sorted((self._frequency("bi", g)[0], g) for g in grams)
        if ranked[0][0] == 0:
            return []
        chosen = [g for _, g in ranked[:3]]
        out: list[int] = []
        for index, (leaf, base, _end) in enumerate(self._leaves):
            if any(self._frequency("bi", g)[1][index] == 0 for g in chosen):
                continue
            cursors = [_Postings(leaf.postings("bi", g)) for g in chosen]
            ids = cursors[0].all_ids()
            for cursor in cursors[1:]:
                ids = [d for d in ids if cursor.find(d) >= 0]
            deleted = leaf.deleted_docs_set if leaf.has_deletions() else ()
            out.extend(base + d for d in ids if d not in deleted)
        return out

    def _confirm(self, query: Query, filters: Filters, docnums, limit: int | None = None) -> list[int]:
        if self._text is None:
            return []
        include, exclude = query.include, query.exclude
        check_meta = filters.active()
        # Up to three two-character terms are all in the AND of postings: a hit on a
        # bigram is a hit on the term, so the stored text need not be read.
        postings_exact = (not exclude and len(include) <= 3
                          and all(bigrams(t) == {t} for t in include))
        if postings_exact and not check_meta:
            return list(docnums[:limit] if limit is not None else docnums)
        out = []
        column = self._text
        # The stored text is UTF-8, where a term's bytes occur only where the term does:
        # compare bytes, without decoding each candidate.
        include = [t.encode("utf-8") for t in include]
        exclude = [t.encode("utf-8") for t in exclude]
        for docnum in docnums:
            if not postings_exact:
                text = column[docnum]
                if not all(t in text for t in include) or any(t in text for t in exclude):
                    continue
            if check_meta and not self._accepts(filters, docnum):
                continue
            out.append(docnum)
            if limit is not None and len(out) >= limit:
                break
        return out

    def _check_exact(self, query: Query) -> None:
        if all(len(t) < 2 for t in query.include):
            raise QueryError("精确检索的检索词至少要有两个字；查找单个字请与其他词一起使用，"
                             "或改用 --related 主题检索")

    def exact(self, query: Query, filters: Filters, *, limit: int | None, sort: str) -> list[Hit]:
        """Return the passages holding every term, ranked (or newest first with sort="date")."""
        self._check_exact(query)
        self._check_filters(filters)
        candidates = self._candidates(query)
        if sort == "date":
            rank = self._order_arrays()[1]
            if limit is not None:
                # Newest first, then confirm only until ``limit`` passages are found.
                candidates.sort(key=rank.__getitem__)
                found = self._confirm(query, filters, candidates, limit)
            else:
                found = self._confirm(query, filters, candidates)
                found.sort(key=rank.__getitem__)
            return [self._hit(d, 0.0, query.include) for d in found[:limit]]
        found = self._confirm(query, filters, candidates)
        scores = self._bm25(found, self.query_words(query))
        return self._ranked(found, scores, query.include, limit)

    def count(self, query: Query, filters: Filters, *, related: bool = False) -> int:
        """Return the exact number of passages the query matches."""
        self._check_filters(filters)
        if related:
            return len(self._related_scores(query, filters, scored=False))
        self._check_exact(query)
        include = query.include
        if (len(include) == 1 and bigrams(include[0]) == {include[0]} and not query.exclude
                and not filters.active() and not self.s.reader().has_deletions()):
            # A two-character term is one bigram: its document frequency is the count.
            return self._frequency("bi", include[0])[0]
        return len(self._confirm(query, filters, self._candidates(query)))

    def _bm25(self, docnums: list[int], words: list[str]) -> dict[int, float]:
        """Return BM25F scores over the word field, exactly as Whoosh's scorer computes them."""
        scores = dict.fromkeys(docnums, 0.0)
        if not docnums:
            return scores
        weighting = BM25F()
        b, k1 = weighting.B, weighting.K1
        avgfl = self.s.avg_field_length("words") or 1
        for word in words:
            total, per_leaf = self._frequency("words", word)
            if total == 0:
                continue
            idf = self.s.idf("words", word)
            # Lengths are stored as one byte, so (weight, length) pairs repeat: score each once.
            memo: dict[tuple[float, int], float] = {}
            start = 0
            for index, (leaf, base, end) in enumerate(self._leaves):
                stop = bisect_left(docnums, end, start)
                if stop > start and per_leaf[index]:
                    cursor = _Postings(leaf.postings("words", word))
                    length_of = self._length_lookup(index, stop - start)
                    if (stop - start) * _WALK_SHARE >= per_leaf[index]:
                        # Hits are a good share of the word's postings (a common word):
                        # walk the postings once rather than look each hit up in them.
                        wanted = {docnum - base for docnum in docnums[start:stop]}
                        found = ((local, weight) for local, weight in cursor.pairs() if local in wanted)
                    else:
                        found = ((docnum - base, cursor.weight(i)) for docnum in docnums[start:stop]
                                 if (i := cursor.find(docnum - base)) >= 0)
                    for local, weight in found:
                        pair = (weight, length_of(local))
                        value = memo.get(pair)
                        if value is None:
                            value = memo[pair] = bm25(idf, pair[0], pair[1], avgfl, b, k1)
                        scores[base + local] += value
                start = stop
        return scores

    def _length_lookup(self, index: int, wanted: int):
        """Return a function docnum-in-segment → word-field length.

        A few documents are looked up one by one; many read the whole segment's
        lengths once (kept for the searcher), which a first small query need not pay for.
        """
        if index in self._word_lengths or wanted > _FEW:
            return self._lengths(index).__getitem__
        leaf = self._leaves[index][0]
        return lambda docnum: leaf.doc_field_length(docnum, "words", 1)

    def _lengths(self, index: int):
        """Return the word-field lengths of one segment's documents, read once per searcher."""
        lengths = self._word_lengths.get(index)
        if lengths is None:
            leaf, base, end = self._leaves[index]
            lengths = self._word_lengths[index] = _field_lengths(leaf, "words", end - base)
        return lengths

    def _contenders(self, docnums, scores, limit: int, boost: bool) -> list[int]:
        """Return the hits that can be among the best ``limit``: every one scoring at least the last of them.

        Best raw score first; a hit's heading (read from its meta) is needed only while
        its score with the heading boost could still reach the best ``limit`` so far, so
        a common word's thousands of hits are ranked without reading most of their meta.
        """
        best: list[float] = []  # min-heap of the best ``limit`` final scores so far
        final = {}
        for docnum in sorted(docnums, key=lambda d: scores.get(d, 0.0), reverse=True):
            score = scores.get(docnum, 0.0)
            if len(best) == limit and round(score * (HEADING_BOOST if boost else 1), 6) < best[0]:
                break
            if boost and self._order_key(docnum)[0]:
                score *= HEADING_BOOST
            final[docnum] = score = round(score, 6)
            if len(best) < limit:
                heapq.heappush(best, score)
            elif score > best[0]:
                heapq.heapreplace(best, score)
        return [d for d, score in final.items() if not best or score >= best[0]]

    def _ranked(self, docnums, scores, terms, limit, boost: bool = True) -> list[Hit]:
        if limit and self._order is None and not self._few(len(docnums)):
            docnums = self._contenders(docnums, scores, limit, boost)
        if self._order is None and self._few(len(docnums)):
            # A few hits: their own date keys give the same order as the searcher-wide
            # date ranks, without building those for every passage on a first query.
            keys = {d: self._order_key(d) for d in docnums}
            heading = {d: keys[d][0] for d in docnums}
            rank = {d: keys[d][1] for d in docnums}
        else:
            heading, rank = self._order_arrays()
        final = {}
        for docnum in docnums:
            score = scores.get(docnum, 0.0)
            if boost and heading[docnum]:
                score *= HEADING_BOOST
            final[docnum] = round(score, 6)
        # Keys are made one at a time and dropped at once: thousands of tuples held
        # together would set off the garbage collector over every object in the process.
        def key(d):
            return (-final[d], rank[d])
        order = heapq.nsmallest(limit, final, key=key) if limit is not None else sorted(final, key=key)
        return [self._hit(d, final[d], terms) for d in order]

    # -- related -----------------------------------------------------------------------------

    def query_words(self, query: Query) -> list[str]:
        """Return the query's words as this index cut its passages, without loading jieba."""
        return lexicon_words(" ".join(query.include), lambda w: self._frequency("words", w)[0],
                             self.s.doc_count())

    def _related_scores(self, query: Query, filters: Filters, *, pool: int | None = None,
                        scored: bool = True) -> dict[int, float]:
        """Return docnum → BM25 score of the passages holding any of the query's words.

        With ``pool``, the best ``pool`` matches are scored (Whoosh skips blocks that
        cannot reach them) and those that pass the filters kept; the pool grows while
        the filters leave fewer than ``pool``. Unscored, every match counts 0.0.
        """
        words = self.query_words(query)
        if not words:
            raise QueryError("检索词中没有可用于主题检索的词语，请换用实词")
        q = Or([Term("words", w) for w in words])
        check_meta, exclude = filters.active(), query.exclude

        def accepts(docnum: int) -> bool:
            if exclude:
                text = self.text(docnum)
                if any(t in text for t in exclude):
                    return False
            return not check_meta or self._accepts(filters, docnum)

        wanted, rare_tried = pool, False
        while True:
            items, scored_length, estimated_length = self._topic_pass(q, tuple(words), wanted, scored)
            scores = {docnum: score if scored else 0.0 for docnum, score in items
                      if not (check_meta or exclude) or accepts(docnum)}
            if wanted is None or len(scores) >= pool or scored_length < wanted:
                return scores
            if not rare_tried and len(scores) * estimated_length < pool * wanted:
                # Going by this pass, the filters pass too few matches ever to fill the
                # pool, so the answer is every match they pass: one pass in which Whoosh
                # asks the filters before scoring, where growing the pool scores them all.
                rare_tried = True
                few = self.s.search(q, limit=pool, scored=scored, filter=_Accepted(accepts))
                if few.scored_length() < pool:
                    return {docnum: score if scored else 0.0 for docnum, score in few.items()}
            wanted *= 8

    def _topic_pass(self, q, words: tuple[str, ...], wanted: int | None, scored: bool):
        """Return Whoosh's best ``wanted`` matches of ``q`` as (docnum, score) pairs, with
        its scored and estimated lengths; the last few passes are kept for the next searches."""
        key = (words, wanted, scored)
        found = self._passes.get(key)
        if found is None:
            results = self.s.search(q, limit=wanted, scored=scored)
            found = (list(results.items()), results.scored_length(), results.estimated_length())
            if wanted is not None and wanted <= 20_000:  # a long-lived searcher keeps no big pass
                if len(self._passes) >= 4:
                    self._passes.clear()
                self._passes[key] = found
        return found

    def related(self, query: Query, filters: Filters, *, limit: int | None, sort: str) -> list[Hit]:
        """Return the passages holding any of the query's words, best BM25 first.

        Ranked with a limit, the candidates are the best :data:`RELATED_POOL` per
        ten hits by plain BM25 (at least that many), not every match: the
        heading weight and signal of :meth:`_topic_scores` then reorder those.
        """
        self._check_filters(filters)
        pool = None if limit is None or sort == "date" else max(RELATED_POOL, limit * RELATED_POOL // 10)
        scores = self._related_scores(query, filters, pool=pool)
        terms = self.query_words(query)
        if sort == "date":
            found = sorted(scores, key=lambda d: _date_key(self.meta(d)))
            return [self._hit(d, round(scores[d], 6), terms, fold=True) for d in found[:limit]]
        scores = self._topic_scores(scores)
        return self._ranked(list(scores), scores, terms, limit, boost=False)

    def _topic_scores(self, scores: dict[int, float]) -> dict[int, float]:
        """Return topic-search scores: body passages first, a matching heading or title lending weight."""
        if not scores:
            return scores
        heading, document = self._headings_and_documents(list(scores))
        best: dict = {}
        for docnum, score in scores.items():
            if heading[docnum]:
                doc = document[docnum]
                best[doc] = max(best.get(doc, 0.0), score)
        out = {}
        for docnum, score in scores.items():
            if heading[docnum]:
                out[docnum] = score * RELATED_HEADING_WEIGHT
            else:
                out[docnum] = score + RELATED_HEADING_SIGNAL * best.get(document[docnum], 0.0)
        return out

    # -- hits --------------------------------------------------------------------------------

    def _hit(self, docnum: int, score: float, terms, fold: bool = False) -> Hit:
        text = self.text(docnum)
        haystack = text.lower() if fold and len(text.lower()) == len(text) else text
        spans = find_spans(haystack, terms)
        part, unit_level, voice, meeting_bound, time_bound = self.note(docnum)
        notes = dict(part=part, unit_level=unit_level, voice=voice, meeting_bound=meeting_bound,
                     time_bound=time_bound)
        if self._legacy:
            fields = self.s.stored_fields(docnum)
            return Hit(doc_id=fields["doc_id"], title=fields.get("title") or "",
                       doc_type=fields.get("doc_type") or "other", date=fields.get("date"),
                       source=fields.get("source"), section_path=tuple(fields.get("section_path") or ()),
                       role=fields["role"], level=fields.get("level") or 0, text=text,
                       spans=spans, score=score, ordinal=fields.get("ordinal") or 0, **notes)
        _date, doc_id, ordinal, role, level, _doc_type, path = self.meta(docnum)
        title, doc_type, date, source, paths = self._document(doc_id)
        return Hit(doc_id=doc_id, title=title, doc_type=doc_type, date=date, source=source,
                   section_path=paths[int(path)] if int(path) < len(paths) else (),
                   role=role, level=level, text=text, spans=spans, score=score, ordinal=ordinal, **notes)
