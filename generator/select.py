"""Selection: one decision over the whole draft, not slot by slot.

Every combination of the best candidates of each slot is scored as a
whole: the parts' own scores, less penalties for parts that overlap in
content, the same section twice, or more than two parts of a speech from
one document. The N best different combinations are the draft's variants.
"""

from __future__ import annotations

from generator.candidates import Candidate, section_text


def choose(candidates_by_slot: list[list[Candidate]], *, variant: int = 0, width: int = 6,
           seed: int = 0, distinct_docs: bool = True) -> list[Candidate | None]:
    """Return one candidate per slot: the best combination for the whole draft.

    The draft's score is the sum of its parts' scores, less penalties for
    parts that overlap in content, the same section twice, or more than two
    parts from one document. ``variant`` 1, 2 … returns the next-best
    combinations that differ from the better ones in at least one part.
    """
    return choose_all(candidates_by_slot, width=width, distinct_docs=distinct_docs)[
        min(variant, 40)] if candidates_by_slot else []


def choose_all(candidates_by_slot, *, width: int = 6, distinct_docs: bool = True, keep: int = 41):
    """Return combinations of candidates (one per slot), best first; padded by repeating the last."""
    from itertools import product

    from kb.annotate import overlap

    width = min(width, max(2, int(round(6000 ** (1 / max(len(candidates_by_slot), 1))))))
    pools = [c[:width] or [None] for c in candidates_by_slot]
    texts = {}

    def text(c):
        key = (c.doc_id, c.index)
        if key not in texts:
            texts[key] = section_text(c.section)
        return texts[key]

    pair_cost: dict = {}

    def cost(a, b):
        key = ((a.doc_id, a.index), (b.doc_id, b.index))
        if key not in pair_cost:
            if key[0] == key[1]:
                pair_cost[key] = 1000.0
            else:
                shared = overlap(text(a), text(b))
                pair_cost[key] = 12.0 * max(shared - 0.25, 0) + (0.5 if a.doc_id == b.doc_id else 0)
        return pair_cost[key]

    combos = []
    for combo in product(*pools):
        score = sum(c.score for c in combo if c is not None)
        picked = [c for c in combo if c is not None]
        for i in range(len(picked)):
            for j in range(i + 1, len(picked)):
                score -= cost(picked[i], picked[j])
        per_doc: dict[str, int] = {}
        for c in picked:
            per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        limit = 2 if distinct_docs else 5  # a speech: two parts of one source; a plan may be one plan
        score -= sum(30.0 * (n - limit) for n in per_doc.values() if n > limit)
        key = tuple((c.doc_id, c.index) if c else None for c in combo)
        combos.append((-round(score, 6), key, combo))
    combos.sort(key=lambda x: (x[0], [k or ("", -1) for k in x[1]]))
    out = [list(c[2]) for c in combos[:keep]]
    while len(out) < keep:
        out.append(out[-1])
    return out
