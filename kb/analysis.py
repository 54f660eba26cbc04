"""Text analysis for the index: character bigrams for exact search, jieba words for ranking.

This is the only module that calls jieba or defines Whoosh tokenizers. The
bigram rule lives in :func:`bigrams`, used both when indexing and when
querying, so the two can never disagree.

>>> sorted(bigrams("村（社区）书记"))
['书记', '区）', '村（', '社区', '（社', '）书']
>>> sorted(bigrams("GB/T 9704"))
[' 9', '/T', '04', '70', '97', 'B/', 'GB', 'T ']
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable

from kb.patterns import lazy
from kb import _whoosh  # noqa: F401  (before Whoosh: loads it without what bigan never calls)
from whoosh.analysis import Token, Tokenizer

#: Unicode categories never indexed: control characters carry no text.
_SKIP_CATEGORIES = ("Cc",)


def _indexable(char: str) -> bool:
    return unicodedata.category(char) not in _SKIP_CATEGORIES


def bigrams(text: str) -> set[str]:
    """Return the set of character bigrams of ``text`` that the index holds.

    Every pair of neighbouring characters is kept, punctuation, digits and
    spaces included, except pairs with a control character; a bigram never
    needs a position because each candidate is confirmed against the stored
    text.
    """
    return {text[i:i + 2] for i in range(len(text) - 1)
            if _indexable(text[i]) and _indexable(text[i + 1])}


def _is_word(token: str) -> bool:
    # A word token must hold at least one letter or digit: punctuation and
    # spaces say nothing about a passage's topic.
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


#: User words given before the dictionary was loaded, in order: loading the dictionary
#: takes about a second, and counting or date-sorted search never segments anything.
#: A dict, so that a word given again (each knowledge base opened in a long-running
#: process gives all its 提法) moves to the end instead of piling up.
_pending: dict[str, None] = {}
#: Where more user words come from, called when the dictionary loads: reading a knowledge
#: base's 提法 costs a search that never segments anything. Keyed by knowledge-base folder.
_sources: dict[str, Callable[[], Iterable[str]]] = {}


@functools.cache
def _jieba():
    # jieba prints its dictionary loading to stderr through logging; silence
    # it, and load the dictionary once, on first use.
    import logging  # with jieba only: a search never loads either

    import jieba

    while _sources:
        key, source = next(iter(_sources.items()))
        add_words(source())  # the cache is not filled yet: the words join _pending
        del _sources[key]
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    # A word's frequency depends on the words added before it: keep their order.
    for word in _pending:
        tokenizer.add_word(word)
    _pending.clear()
    return tokenizer


def add_words(words: Iterable[str]) -> int:
    """Add user words (提法) to the segmenter's dictionary; return how many were added."""
    accepted = [w.strip() for w in words if len(w.strip()) >= 2]
    if _jieba.cache_info().currsize:
        tokenizer = _jieba()
        for word in accepted:
            tokenizer.add_word(word)
    else:
        for word in accepted:
            _pending.pop(word, None)
            _pending[word] = None
    return len(accepted)


def add_words_later(key: str, source: Callable[[], Iterable[str]]) -> None:
    """Add the words ``source()`` returns when the dictionary loads; now, if it has loaded.

    A later source with the same ``key`` (the same knowledge base, after a commit)
    replaces the earlier one and moves to the end, as :func:`add_words` moves a word.
    """
    if _jieba.cache_info().currsize:
        add_words(source())
    else:
        _sources.pop(key, None)
        _sources[key] = source


@functools.cache
def _dictionary() -> dict[str, str]:
    # jieba's own dictionary, read apart from the tokenizer so that the user words (提法)
    # added to the tokenizer never count as ordinary words. Two to four characters only.
    import jieba

    tags: dict[str, str] = {}
    with jieba.get_dict_file() as handle:
        for line in handle:
            parts = line.decode("utf-8").split()
            if parts and 2 <= len(parts[0]) <= 4:
                tags[parts[0]] = parts[2] if len(parts) > 2 else ""
    return tags


def dictionary_tag(word: str) -> str | None:
    """Return the part of speech that jieba's own dictionary gives ``word``, None when absent.

    "i" marks an idiom. Only words of two to four characters are looked up; user words
    (the 提法 added with :func:`add_words`) are never in this dictionary.

    >>> dictionary_tag("一刀切"), dictionary_tag("面子"), dictionary_tag("三社联动")
    ('i', 'n', None)
    """
    return _dictionary().get(word)


def words(text: str) -> list[str]:
    """Return the jieba words of ``text`` that carry meaning, in order, Latin lower-cased.

    >>> words("推进基层治理，完善网格。")
    ['推进', '基层', '治理', '完善', '网格']
    """
    return [w.lower() for w in _jieba().cut(text, HMM=False) if _is_word(w)]


def query_words(text: str) -> list[str]:
    """Return the distinct words of a query, in first-seen order."""
    seen: dict[str, None] = {}
    for word in words(text):
        seen.setdefault(word, None)
    return list(seen)


#: The runs jieba segments (its re_han_default); whatever lies between them is never a word.
_RUN = lazy(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")  # compiled when a query is first cut
_ASCII = re.compile(r"[a-zA-Z0-9]+")
#: The longest word looked up in the index: 提法 such as 一刻钟党建服务圈 are 8 characters.
_LONGEST_WORD = 12


def lexicon_words(text: str, frequency: Callable[[str], int], total: int) -> list[str]:
    """Return the distinct words of a query as the index knows them, without loading jieba.

    Each run is cut where the product of the pieces' document frequencies
    (``frequency(word) / total``) is highest, as jieba cuts by its own
    dictionary's frequencies; since the index's words were cut by jieba,
    the pieces are the ones its documents hold. A character the index never
    saw is a word of its own, and so is a run of letters and digits, as
    jieba keeps them; Latin is lower-cased, as the index holds it.

    >>> df = {"一岗双责": 3, "一岗": 3, "双责": 3, "落实": 40, "1+4": 2}.get
    >>> lexicon_words("落实一岗双责 “1+4”", lambda w: df(w, 0), 100)
    ['落实', '一岗双责', '1+4']
    """
    total = max(total, 1)
    unknown = math.log(0.5 / total)
    seen: dict[str, None] = {}
    for run in _RUN.findall(text):
        for word in _best_cut(run.lower(), frequency, total, unknown):
            if _is_word(word):
                seen.setdefault(word, None)
    return list(seen)


def _best_cut(text: str, frequency: Callable[[str], int], total: int, unknown: float) -> list[str]:
    # A run of letters and digits the index does not know stays whole, as jieba keeps it.
    latin = {m.end(): m.start() for m in _ASCII.finditer(text)}
    # best[i]: (score, start of the last word) of the best cut of text[:i].
    best: list[tuple[float, int]] = [(0.0, 0)] + [(-math.inf, 0)] * len(text)
    for end in range(1, len(text) + 1):
        starts = set(range(max(0, end - _LONGEST_WORD), end))
        if end in latin:
            starts.add(latin[end])
        for start in sorted(starts):
            word = text[start:end]
            df = frequency(word)
            if df:
                score = math.log(df / total)
            elif (len(word) == 1 and not (word.isascii() and word.isalnum())) or latin.get(end) == start:
                score = unknown
            else:
                continue
            candidate = best[start][0] + score
            if candidate > best[end][0]:
                best[end] = (candidate, start)
    cut, end = [], len(text)
    while end > 0:
        start = best[end][1]
        cut.append(text[start:end])
        end = start
    return cut[::-1]


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer yielding the distinct character bigrams of the text, without positions."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        grams = sorted(bigrams(value)) if tokenize else [value]
        for gram in grams:
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            yield token


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer yielding the jieba words of the text."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for word in (words(value) if tokenize else [value]):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            yield token
