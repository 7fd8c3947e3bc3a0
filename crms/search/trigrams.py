"""Trigrams as pg_trgm makes them, in Python (the embedded Postgres has no pg_trgm).

A name is folded (accents dropped, lower case), cut into words of letters and digits, and each
word padded with two spaces in front and one behind: "Acme" gives "  a", " ac", "acm", "cme", "me ".
Pure functions, no Django: the migration that fills the index imports them too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: "Müller Åkesson" -> "muller akesson"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=65_536)  # filing sees the same names again and again
def trigrams(text: str) -> frozenset[str]:
    found: set[str] = set()
    for word in WORD.findall(fold(text)):
        padded = f"  {word} "
        found.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return frozenset(found)
