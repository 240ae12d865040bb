"""The text a query is evaluated on: one sentence, with what its item shares.

``Unit`` joins a sentence's tokens once into ``" w1 w2 … "`` (``indicators.query.compiler``
says why), and ``ItemScope`` holds what all the sentences of one item share: the title's
and the whole item's text, and what ``title:`` and ``item:`` conditions found in them.
"""

from __future__ import annotations

from collections.abc import Sequence

SENTENCE, TITLE, ITEM = 0, 1, 2  # the scopes a term is looked for in


class ItemScope:
    """What every sentence of one item shares: the title's and the whole item's text.

    Built once per item and handed to each sentence's ``Unit``, so the item's text is
    joined once (not once per sentence), and ``title:``/``item:`` sub-queries, whose answer
    is the same for every sentence of an item, are tested once per item (``memo``).
    """

    __slots__ = ("_words", "memo", "terms", "texts", "title_tokens", "tokens")

    def __init__(self, title_tokens: Sequence[str], item_tokens: Sequence[str]) -> None:
        self.title_tokens = title_tokens
        self.tokens = item_tokens
        self.texts = (" " + " ".join(title_tokens) + " ", " " + " ".join(item_tokens) + " ")
        self._words: list[frozenset[str] | None] = [None, None]
        self.memo: dict[object, bool] = {}
        self.terms: dict[object, tuple[str, ...]] = {}  # the terms of ``title:``/``item:``

    def words(self, scope: int) -> frozenset[str]:
        found = self._words[scope - 1]
        if found is None:
            source = self.title_tokens if scope == TITLE else self.tokens
            found = self._words[scope - 1] = frozenset(source)
        return found


class Unit:
    """One text unit prepared for matching; build it once and match every query on it.

    ``tokens`` and ``title_tokens`` must come from ``indicators.text.tokenize`` (so no
    token is empty or contains a space). ``item_tokens`` are all the item's words (title
    and summary), for ``item:`` terms; they default to the sentence and title together.
    The sentences of one item should share one ``item`` scope (see ``ItemScope``).
    """

    __slots__ = ("_words", "item", "memo", "text", "texts", "tokens")

    def __init__(
        self,
        tokens: Sequence[str],
        title_tokens: Sequence[str] = (),
        item_tokens: Sequence[str] | None = None,
        *,
        item: ItemScope | None = None,
    ) -> None:
        self.tokens = tokens
        if item is None:
            if item_tokens is None:
                item_tokens = [*title_tokens, *tokens]
            item = ItemScope(title_tokens, item_tokens)
        self.item = item
        self.memo = item.memo
        self.text = " " + " ".join(tokens) + " "
        # Indexed by scope: SENTENCE, TITLE, ITEM.
        self.texts = (self.text, *item.texts)
        self._words: frozenset[str] | None = None

    @property
    def title(self) -> str:
        return self.texts[TITLE]

    @property
    def title_tokens(self) -> Sequence[str]:
        return self.item.title_tokens

    @property
    def item_tokens(self) -> Sequence[str]:
        return self.item.tokens

    def words(self, scope: int = 0) -> frozenset[str]:
        """The distinct tokens of a scope, built on first use (only large ORs of words ask)."""
        if scope:
            return self.item.words(scope)
        found = self._words
        if found is None:
            found = self._words = frozenset(self.tokens)
        return found
