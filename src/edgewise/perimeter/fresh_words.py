"""Cheaper handling of words the shipped pipeline has not seen before; tokens and features unchanged.

A node keeps meeting new words: names, e-mail addresses, numbers. spaCy caches
what it has tokenized, so a repeated word costs little, but a new one costs
some 25 us (measured): about half in the tokenizer's prefix, suffix and infix
regular expressions (each a search over hundreds of alternatives) and most of
the rest in the vocabulary, which computes some twenty lexeme attributes. On a
1 KB request of fresh text that is about a fifth of the redaction time. Four
changes, all exact for the shipped pipeline:

* :func:`compute_only`: new words get only the attributes the tagger reads.
* :func:`skip_affixes_of_plain_words`: a word of letters only, or of ASCII
  digits only, goes straight past the affix searches, which can never match it.
* :func:`search_suffixes_at_the_end`: the suffix search starts a few characters
  before the end, where every suffix pattern but one must start (on an IPv6
  address it took 25 us, trying 82 alternatives at every position; now 5 us).
* :func:`guard_infixes`: on ASCII words the infix search starts at the first
  character an infix can start with and skips other positions in one test
  (on an IPv6 address 30 us before, 9 us now).

spaCy offers none of them as a setting (the tokenizer takes its three regular
expressions as callables, and that is what is wrapped), hence this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
# the stdlib's own regex parser; private modules, which typeshed does not stub
from re import _constants as sre_constants, _parser as sre_parser  # type: ignore[attr-defined]
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


_ELLIPSIS = repr(sre_parser.parse(r"\.\.+$").data)  # compared as text: parse trees compare by identity


def _suffix_width(pattern: str, flags: int) -> int | None:
    r"""The longest match of the suffix ``pattern`` but for a trailing run of periods; None if unknown.

    Known when the pattern is alternatives that each end at the end of the text (``$``), each of bounded
    width except ``\.\.+$``: the shape of spaCy's suffix patterns.
    """
    tree = sre_parser.parse(pattern, flags)
    if len(tree.data) != 1 or tree.data[0][0] is not sre_constants.BRANCH:
        return None
    widths = []
    for alternative in tree.data[0][1][1]:
        if not alternative.data or alternative.data[-1] != (sre_constants.AT, sre_constants.AT_END):
            return None
        if repr(alternative.data) == _ELLIPSIS:
            continue
        low, high = alternative.getwidth()
        if high >= sre_constants.MAXREPEAT:
            return None
        widths.append(high)
    return max(widths, default=0)


class _TailSearch:
    r"""A suffix search that starts where a match can start: ``width`` characters before the end at most,
    or at a trailing run of two or more periods (``\.\.+$``, the one pattern of unbounded width).

    ``pattern.search(word, pos)`` sees the characters before ``pos`` (lookbehinds still work) and returns
    the leftmost match from ``pos``, which is the leftmost match of all when none can start earlier; every
    suffix match ends at the end, so it is the same match. The end is before a final line break, where
    ``$`` also matches.
    """

    def __init__(self, search: Callable[..., Any], width: int) -> None:
        self._search = search
        self._width = width
        self.__self__ = getattr(search, "__self__", None)

    def __call__(self, word: str) -> Any:
        end = len(word) - 1 if word.endswith("\n") else len(word)
        start = end - self._width
        dots = end - len(word[:end].rstrip("."))
        if dots >= 2:
            start = min(start, end - dots)
        return self._search(word, max(start, 0))


def search_suffixes_at_the_end(tokenizer: Any) -> bool:
    """Make the tokenizer's suffix search start near the end of the word (:class:`_TailSearch`).

    Call it before :func:`skip_affixes_of_plain_words`. Returns False, changing nothing, when the suffix
    pattern does not have the shape that makes this exact (see :func:`_suffix_width`).
    """
    pattern = getattr(tokenizer.suffix_search, "__self__", None)
    if pattern is None or not hasattr(pattern, "pattern"):
        return False
    width = _suffix_width(pattern.pattern, pattern.flags)
    if width is None:
        return False
    tokenizer.suffix_search = _TailSearch(tokenizer.suffix_search, width)
    return True


Ranges = list[tuple[int, int]]


def _first_characters(items: list[Any]) -> Ranges | None:
    """Code point ranges that hold the first character a match of the parsed ``items`` consumes; None if
    that is not simple to tell (a negated class, a category, an optional start, a backreference...)."""
    for op, arg in items:
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # zero-width: the first consumed character comes later
        if op is sre_constants.LITERAL:
            return [(arg, arg)]
        if op is sre_constants.IN:
            ranges: Ranges = []
            for kind, value in arg:
                if kind is sre_constants.LITERAL:
                    ranges.append((value, value))
                elif kind is sre_constants.RANGE:
                    ranges.append(value)
                else:
                    return None
            return ranges
        if op is sre_constants.BRANCH:
            out: Ranges = []
            for branch in arg[1]:
                first = _first_characters(list(branch))
                if first is None:
                    return None
                out += first
            return out
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[0] >= 1:
            return _first_characters(list(arg[2]))
        if op is sre_constants.SUBPATTERN:
            return _first_characters(list(arg[3]))
        return None
    return None


class _Guarded:
    """``finditer`` of a pattern that, on ASCII text, starts at the first character a match can start with,
    behind a lookahead on those characters; other text goes to the pattern as it is.

    Exact: a match starting at a position consumes that position's character first, so no match starts
    before the first such character, and the lookahead only turns away positions where none can start,
    in one test instead of one attempt per alternative (each with its own lookbehind). ASCII only,
    because a class that also holds characters past U+FFFF is tested range by range, which is what
    made the original slow. ``__self__`` is the original pattern, which spaCy saves.
    """

    def __init__(self, finditer: Callable[..., Any], first: Any, guarded: Any) -> None:
        self._original = finditer
        self._first = first.search
        self._finditer = guarded.finditer
        self.__self__ = getattr(finditer, "__self__", None)

    def __call__(self, word: str) -> Any:
        if not word.isascii():
            return self._original(word)
        start = self._first(word)
        return iter(()) if start is None else self._finditer(word, start.start())


def guard_infixes(tokenizer: Any) -> bool:
    """Make the tokenizer's infix search skip to where a match can start (:class:`_Guarded`).

    On an IPv6 address it took 30 us, trying 8 alternatives at each of 40 positions, one of them a class
    of 700 ranges. Call it before :func:`skip_affixes_of_plain_words`. False, changing nothing, when the
    characters cannot be told simply, or the pattern ignores case.
    """
    pattern = getattr(tokenizer.infix_finditer, "__self__", None)
    if pattern is None or not hasattr(pattern, "pattern") or pattern.flags & sre_constants.SRE_FLAG_IGNORECASE:
        return False
    ranges = _first_characters(list(sre_parser.parse(pattern.pattern, pattern.flags)))
    ascii_ranges = sorted({(a, min(b, 127)) for a, b in ranges or [] if a <= 127})
    if not ascii_ranges:
        return False
    charset = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                      for a, b in ascii_ranges)
    first = re.compile(f"[{charset}]", pattern.flags)
    guarded = re.compile(f"(?=[{charset}])(?:{pattern.pattern})", pattern.flags)
    tokenizer.infix_finditer = _Guarded(tokenizer.infix_finditer, first, guarded)
    return True


__all__ = ["compute_only", "guard_infixes", "plain", "search_suffixes_at_the_end", "skip_affixes_of_plain_words"]
