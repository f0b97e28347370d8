"""A translation task that is always there: dates written the ways people write them → ISO 8601.

Every source is a real calendar date (1900–2099) in one of eight styles, some spelled out in words,
with the day, month and year in different orders, the weekday when the style names it, and lengths
from 3 to 15 words; the target is ``YYYY-MM-DD``. A model must reorder (``march 23 1991`` →
``1991-03-23``), convert words to digits (``nineteen ninety-one`` → ``1991``) and compute nothing it
cannot read (the weekday is redundant). Generated, so it needs no file and no network.

Example:
    >>> sources, targets = date_pairs(3, seed=0)
    >>> len(sources), all(len(t) == 10 and t[4] == "-" for t in targets)
    (3, True)
    >>> spell_number(1991, year=True), spell_number(2005, year=True), spell_ordinal(23)
    ('nineteen ninety-one', 'two thousand five', 'twenty-third')
"""

from __future__ import annotations

import datetime as dt
import random

from rnnkit.errors import ConfigError

__all__ = ["date_pairs", "spell_number", "spell_ordinal", "STYLES"]

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
            "twelve": "twelfth", "twenty": "twentieth", "thirty": "thirtieth"}  # fmt: skip
_MONTHS = "january february march april may june july august september october november december".split()


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + ("" if ones == 0 else "-" + _ONES[ones])


def spell_number(n: int, year: bool = False) -> str:
    """0–9999 in English words; ``year=True`` reads 1991 as "nineteen ninety-one" and 1905 as
    "nineteen oh five" (2000–2009 stay "two thousand …")."""
    if not 0 <= n <= 9999:
        raise ConfigError(f"spell_number handles 0..9999, got {n}")
    if year and 1100 <= n and not 2000 <= n <= 2009:
        high, low = divmod(n, 100)
        tail = "hundred" if low == 0 else ("oh " + _ONES[low] if low < 10 else _below_hundred(low))
        return f"{_below_hundred(high)} {tail}"
    words = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words.append(f"{_ONES[thousands]} thousand")
    if hundreds:
        words.append(f"{_ONES[hundreds]} hundred")
    if rest or not words:
        words.append(_below_hundred(rest))
    return " ".join(words)


def spell_ordinal(n: int) -> str:
    """1 → "first", 23 → "twenty-third", 30 → "thirtieth"."""
    words = _below_hundred(n).split("-")
    last = words[-1]
    words[-1] = _ORDINAL.get(last, last + "th")
    return "-".join(words)


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


#: How each style writes a date (d: the date).
STYLES = {
    "spelled": lambda d: f"the {spell_ordinal(d.day)} of {_MONTHS[d.month - 1]} {spell_number(d.year, year=True)}",
    "us": lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "uk": lambda d: f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
    "short": lambda d: f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}",
    "weekday": lambda d: f"{d.strftime('%A').lower()}, {_MONTHS[d.month - 1]} {d.day}{_suffix(d.day)}, {d.year}",
    "dotted": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "month_spelled": lambda d: f"{_MONTHS[d.month - 1]} the {spell_ordinal(d.day)}, {spell_number(d.year, year=True)}",
    "slash": lambda d: f"{d.month}/{d.day}/{d.year}",
}


def date_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` distinct (written date, ISO date) pairs, dates drawn uniformly from 1900-01-01..2099-12-31
    and styles uniformly from ``STYLES``."""
    if n < 1:
        raise ConfigError(f"date_pairs needs n >= 1, got {n}")
    rng = random.Random(seed)
    first, days = dt.date(1900, 1, 1), (dt.date(2099, 12, 31) - dt.date(1900, 1, 1)).days + 1
    styles = list(STYLES.values())
    pairs: dict[str, str] = {}
    while len(pairs) < n:
        day = first + dt.timedelta(days=rng.randrange(days))
        pairs.setdefault(rng.choice(styles)(day), day.isoformat())
    return list(pairs), list(pairs.values())
