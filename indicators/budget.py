"""What one item may cost the matcher (issue 16: a hostile feed must not hold a poll).

Matching is linear in an item's size, but an item can be large and a watch list long. Two
bounds keep a poll's cost predictable: a "sentence" is read in runs of at most
``MAX_SENTENCE_WORDS`` words (what one sentence costs, NEAR and modality, stays bounded),
and each item gets ``BUDGET`` seconds of CPU; what the matcher then leaves unread is a
``Skipped`` record.
"""

from __future__ import annotations

from dataclasses import dataclass

# CPU seconds per item: an ordinary item takes well under a millisecond, a 200 KB one
# ~0.2 s (docs/notes/reliability.md).
BUDGET = 0.5

# Words in a sentence at most: a longer "sentence" (text without full stops, or hostile
# text) is read in runs of this many words, so what a sentence costs (NEAR, modality,
# which compares cues with anchors) stays bounded; real sentences are far shorter.
MAX_SENTENCE_WORDS = 250


def pieces(sentence: str) -> list[str]:
    """``sentence``, or its runs of ``MAX_SENTENCE_WORDS`` words when it is longer."""
    words = sentence.split()
    if len(words) <= MAX_SENTENCE_WORDS:
        return [sentence]
    return [
        " ".join(words[start : start + MAX_SENTENCE_WORDS])
        for start in range(0, len(words), MAX_SENTENCE_WORDS)
    ]


@dataclass(frozen=True)
class Skipped:
    """What the CPU budget left unread of one item: sentences not evaluated, and the
    candidate indicators that were not evaluated on them."""

    item_id: str
    sentences: int
    of: int
    indicators: tuple[str, ...]
