"""Matching user-authored word lists (``contains_any``) in linear time, within a size budget.

A criterion's words come from its author, so the matcher must not let them choose the cost. Python's
``re`` backtracks: an alternation of a few thousand crafted words cost milliseconds per text value and
held a worker for seconds per backtest (issue 13 point 4). RE2 (``google-re2``) compiles the whole
list into one automaton and scans each text once, in time linear in the text whatever the words;
memory is capped (``MAX_MEMORY``): if its DFA would need more, RE2 falls back to its NFA, slower by a
constant bounded by the pattern's size, which the budget below bounds in turn.

Why RE2 rather than Aho-Corasick (``pyahocorasick``): the operator matches whole words or phrases, so
every candidate needs a word-boundary test on both sides. An Aho-Corasick automaton reports every
word ending at each position (crafted nested words give hundreds per character) and each report
would need a Python-level boundary check; RE2 does the boundaries inside the same automaton, in C++.

Semantics are those of the former ``re`` pattern ``(?<!\\w)(?:w1|w2|...)(?!\\w)``: RE2 has no
look-around, so the boundaries are matched as characters (start of text or a non-word character
before, end of text or a non-word character after), which finds a match exactly when the look-around
pattern does. Word characters are letters, digits and ``_`` (``[\\p{L}\\p{N}_]``, Python's ``\\w``; the
two differ only on code points assigned after Python's Unicode tables).

Both evaluators (``reference.py`` and ``columnar.py``) use :func:`word_pattern`, so they agree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import re2

# The budget (checked in ``conditions.py``, a 400 naming the leaf): measured worst cases, crafted words
# over a small alphabet that defeat RE2's DFA, cost < 0.1 ms per 512-character value at these limits.
MAX_WORDS_PER_LEAF = 500
MAX_LEAF_CHARACTERS = 10_000  # all words of one contains_any leaf together
MAX_CONDITION_CHARACTERS = 20_000  # all contains_any words of one condition together
MAX_MEMORY = 32 << 20  # bytes RE2 may use per pattern (DFA cache included)

WORD = r"\p{L}\p{N}_"


class Matcher(Protocol):
    def search(self, text: str) -> object | None: ...


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_MEMORY
    options.never_capture = True
    options.log_errors = False
    return options


def pattern_text(words: tuple[str, ...]) -> str:
    alternatives = "|".join(re2.escape(word) for word in words)
    return rf"(?:^|[^{WORD}])(?:{alternatives})(?:[^{WORD}]|$)"


@lru_cache(maxsize=256)
def word_pattern(words: tuple[str, ...]) -> Matcher:
    """Whole words or phrases, case-insensitive (text and words are already casefolded)."""
    return re2.compile(pattern_text(words), _options())


def compiles(words: tuple[str, ...]) -> bool:
    """Whether RE2 accepts the list within its memory cap (the budget keeps this true; checked anyway)."""
    try:
        word_pattern(words)
    except re2.error:
        return False
    return True
