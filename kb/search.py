"""Query parsing, exact candidate lookup and confirmation, ranking, spans.

Exact search: every term is an exact substring of the passage. Candidates are
the passages holding the query's three rarest bigrams (an AND of posting
lists); each candidate's stored text is then checked, so recall against a
substring scan is complete and nothing else gets through. Ranking is BM25
over jieba words, computed only for the confirmed passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.query import And, Or, Term
from whoosh.scoring import BM25F

from kb.analysis import bigrams, query_words
from kb.errors import QueryError
from kb.index import unpack_meta
from kb.model import ROLES, Hit, Span

#: Roles that `headings=True` keeps: the 标题库 of titles and section headings.
HEADING_ROLES = ("title", "heading")
#: Score multiplier for a match in a title or heading.
HEADING_BOOST = 2.0
SORTS = ("relevance", "date")

#: A term: optional minus, then an ASCII-quoted string or a run of non-spaces. Chinese
#: quotes “” are ordinary characters, part of the phrase, as they are in documents.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"|(\S+))')


@dataclass(frozen=True)
class Query:
    """A parsed query: terms that must all occur and terms that must not."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


def parse_query(text: str) -> Query:
    """Return the parsed query; QueryError when nothing is left to look for.

    >>> parse_query('基层治理 -网格 "GB/T 9704"')
    Query(include=('基层治理', 'GB/T 9704'), exclude=('网格',))
    """
    include: list[str] = []
    exclude: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        minus, quoted, bare = match.groups()
        term = quoted if quoted is not None else bare
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

    def __post_init__(self):
        if self.role is not None and self.role not in ROLES:
            raise QueryError(f"未知的段落角色“{self.role}”，可选：{'、'.join(ROLES)}")

    def active(self) -> bool:
        return any((self.doc_type, self.role, self.level is not None, self.headings,
                    self.date_from, self.date_to, self.source))

    def accepts(self, meta) -> bool:
        """Return whether a passage's unpacked meta column passes every filter."""
        date, _doc_id, _ordinal, role, level, doc_type, source = meta
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
        if self.source and self.source not in source:
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


class Searcher:
    """Answers queries on one Whoosh searcher (kept open across queries by the façade)."""

    def __init__(self, searcher):
        self.s = searcher
        reader = searcher.reader()
        self._text = reader.column_reader("text") if reader.has_column("text") else None
        self._meta = reader.column_reader("meta") if reader.has_column("meta") else None

    def text(self, docnum: int) -> str:
        return self._text[docnum].decode("utf-8")

    def meta(self, docnum: int):
        return unpack_meta(self._meta[docnum])

    # -- exact -------------------------------------------------------------------------------

    def _candidates(self, query: Query) -> list[int]:
        reader = self.s.reader()
        grams = set()
        for term in query.include:
            grams |= bigrams(term)
        if not grams:
            return sorted(self.s.document_numbers(kind="p"))
        ranked = sorted((reader.doc_frequency("bi", g), g) for g in grams)
        if ranked[0][0] == 0:
            return []
        chosen = [Term("bi", g) for _, g in ranked[:3]]
        q = chosen[0] if len(chosen) == 1 else And(chosen)
        return sorted(self.s.docs_for_query(q))

    def _confirm(self, query: Query, filters: Filters, docnums, limit: int | None = None) -> list[int]:
        out = []
        if self._text is None:
            return out
        include, exclude = query.include, query.exclude
        check_meta = filters.active()
        # Up to three two-character terms are all in the AND of postings: a hit on a
        # bigram is a hit on the term, so the stored text need not be read.
        postings_exact = (not exclude and len(include) <= 3
                          and all(bigrams(t) == {t} for t in include))
        for docnum in docnums:
            if postings_exact:
                ok = True
            else:
                text = self.text(docnum)
                ok = all(t in text for t in include) and not any(t in text for t in exclude)
            if ok:
                if check_meta and not filters.accepts(self.meta(docnum)):
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
        candidates = self._candidates(query)
        if sort == "date":
            if limit is not None and self._meta is not None:
                candidates.sort(key=lambda d: _date_key(self.meta(d)))
                found = self._confirm(query, filters, candidates, limit)
            else:
                found = self._confirm(query, filters, candidates)
                found.sort(key=lambda d: _date_key(self.meta(d)))
            return [self._hit(d, 0.0, query.include) for d in found[:limit]]
        found = self._confirm(query, filters, candidates)
        scores = self._bm25(found, query_words(" ".join(query.include)))
        return self._ranked(found, scores, query.include, limit)

    def count(self, query: Query, filters: Filters, *, related: bool = False) -> int:
        """Return the exact number of passages the query matches."""
        if related:
            return len(self._related_scores(query, filters))
        self._check_exact(query)
        return len(self._confirm(query, filters, self._candidates(query)))

    def _bm25(self, docnums: list[int], words: list[str]) -> dict[int, float]:
        reader = self.s.reader()
        scores = dict.fromkeys(docnums, 0.0)
        weighting = BM25F()
        for word in words:
            if not docnums or reader.doc_frequency("words", word) == 0:
                continue
            matcher = self.s.postings("words", word, weighting=weighting)
            for docnum in docnums:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                    if not matcher.is_active():
                        break
                if matcher.id() == docnum:
                    scores[docnum] += matcher.score()
        return scores

    def _ranked(self, docnums, scores, terms, limit) -> list[Hit]:
        keyed = []
        for docnum in docnums:
            meta = self.meta(docnum)
            score = scores.get(docnum, 0.0)
            if meta[3] in HEADING_ROLES:
                score *= HEADING_BOOST
            score = round(score, 6)
            keyed.append(((-score,) + _date_key(meta), docnum, score))
        keyed.sort()
        return [self._hit(d, score, terms) for _, d, score in keyed[:limit]]

    # -- related -----------------------------------------------------------------------------

    def _related_scores(self, query: Query, filters: Filters) -> dict[int, float]:
        words = query_words(" ".join(query.include))
        if not words:
            raise QueryError("检索词中没有可用于主题检索的词语，请换用实词")
        q = Or([Term("words", w) for w in words])
        results = self.s.search(q, limit=None)
        scores = {}
        check_meta = filters.active()
        for docnum, score in results.items():
            if query.exclude:
                text = self.text(docnum)
                if any(t in text for t in query.exclude):
                    continue
            if check_meta and not filters.accepts(self.meta(docnum)):
                continue
            scores[docnum] = score
        return scores

    def related(self, query: Query, filters: Filters, *, limit: int | None, sort: str) -> list[Hit]:
        """Return the passages holding any of the query's words, best BM25 first."""
        scores = self._related_scores(query, filters)
        terms = query_words(" ".join(query.include))
        if sort == "date":
            found = sorted(scores, key=lambda d: _date_key(self.meta(d)))
            return [self._hit(d, round(scores[d], 6), terms, fold=True) for d in found[:limit]]
        return self._ranked(list(scores), scores, terms, limit)

    # -- hits --------------------------------------------------------------------------------

    def _hit(self, docnum: int, score: float, terms, fold: bool = False) -> Hit:
        fields = self.s.stored_fields(docnum)
        text = self.text(docnum)
        haystack = text.lower() if fold and len(text.lower()) == len(text) else text
        return Hit(doc_id=fields["doc_id"], title=fields.get("title") or "",
                   doc_type=fields.get("doc_type") or "other", date=fields.get("date"),
                   source=fields.get("source"), section_path=tuple(fields.get("section_path") or ()),
                   role=fields["role"], level=fields.get("level") or 0, text=text,
                   spans=find_spans(haystack, terms), score=score,
                   ordinal=fields.get("ordinal") or 0)
