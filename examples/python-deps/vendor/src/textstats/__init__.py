"""textstats: word statistics for plain text.

A tiny local package that examples/python-deps bundles with pip from
vendor/ (no package index needed), to show how requirements.txt
dependencies travel inside a function bundle.
"""

import re
from collections import Counter

__version__ = "1.0.0"

_WORD = re.compile(r"[A-Za-z0-9']+")


def words(text):
    """The words of text, lowercased, in order."""
    return [w.lower() for w in _WORD.findall(text)]


def word_count(text):
    return len(words(text))


def top_words(text, n=3):
    """The n most frequent words as [word, count] pairs; ties by first use."""
    counts = Counter(words(text))
    return [[w, c] for w, c in counts.most_common(n)]
