"""Cheaper handling of words the shipped pipeline has not seen before; tokens and features unchanged.

A node keeps meeting new words: names, e-mail addresses, numbers. spaCy caches
what it has tokenized, so a repeated word costs little, but a new one costs
some 25 us (measured): about half in the tokenizer's prefix, suffix and infix
regular expressions (each a search over hundreds of alternatives) and most of
the rest in the vocabulary, which computes some twenty lexeme attributes. On a
1 KB request of fresh text that is about a fifth of the redaction time. Two
changes, both exact for the shipped pipeline:

* :func:`compute_only`: new words get only the attributes the tagger reads.
* :func:`skip_affixes_of_plain_words`: a word of letters only, or of ASCII
  digits only, goes straight past the affix searches, which can never match it.

spaCy offers neither as a setting (the tokenizer takes its three regular
expressions as callables, and that is what is wrapped), hence this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def compute_only(vocab: Any, attrs: list[int]) -> None:
    """Make ``vocab`` compute only the lexeme attributes ``attrs`` for words it has not seen.

    The shipped pipeline's vocabulary runs some twenty Python functions (flags such as ``like_url``,
    ``is_stop``, ``lang``) for every new word; the numpy tagger reads four. Attributes other than
    ``attrs`` of new words keep their defaults, and nothing here reads them.
    """
    keep = set(attrs)
    vocab.lex_attr_getters = {attr: fn for attr, fn in vocab.lex_attr_getters.items() if attr in keep}


def plain(word: str) -> bool:
    """Letters only, or ASCII digits only: no affix or infix pattern of the shipped tokenizer matches it.

    Why that holds: every alternative of those patterns consumes a character that is neither a letter
    nor a digit (punctuation, a symbol, a quote, a hyphen, a period), except the units after a number
    (``5km``), whose lookbehind needs an ASCII digit right before letters. ``tests/perimeter/
    test_fresh_words.py`` checks it on every letter of Unicode and on random words.
    """
    return word.isalpha() or (word.isascii() and word.isdigit())


class _PlainWordsFirst:
    """A tokenizer affix callable that answers "no match" for plain words without running the regex.

    ``__self__`` is the compiled pattern, as on the bound method it wraps, because spaCy reads the
    pattern from there when it saves a tokenizer.
    """

    def __init__(self, search: Callable[[str], Any], nothing: Callable[[], Any]) -> None:
        self._search = search
        self._nothing = nothing
        self.__self__ = getattr(search, "__self__", None)

    def __call__(self, word: str) -> Any:
        return self._nothing() if plain(word) else self._search(word)


def skip_affixes_of_plain_words(tokenizer: Any) -> None:
    """Wrap the tokenizer's prefix, suffix and infix searches with the :func:`plain` shortcut.

    Only for the shipped tokenizer (its patterns are the ones the tests check); the caller decides.
    """
    if tokenizer.prefix_search is not None:
        tokenizer.prefix_search = _PlainWordsFirst(tokenizer.prefix_search, lambda: None)
    if tokenizer.suffix_search is not None:
        tokenizer.suffix_search = _PlainWordsFirst(tokenizer.suffix_search, lambda: None)
    if tokenizer.infix_finditer is not None:
        tokenizer.infix_finditer = _PlainWordsFirst(tokenizer.infix_finditer, lambda: iter(()))


__all__ = ["compute_only", "plain", "skip_affixes_of_plain_words"]
