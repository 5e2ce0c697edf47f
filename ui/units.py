"""Units a runner uses: the model keeps its own units (km, °C); the page shows and takes the
runner's choice (chosen once per session, carried in share links).

Pure functions: ``shown(q, value, system)`` converts a model value for display,
``stored(q, value, system)`` converts what the runner typed back to the model's unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from model import Question

UNIT_SYSTEMS = {"metric": "km, °C", "imperial": "miles, °F"}
KM_PER_MILE = 1.609344

# model unit -> (imperial unit, to imperial, back to the model's unit)
CONVERSIONS: dict[str, tuple[str, Callable[[float], float], Callable[[float], float]]] = {
    "km": ("miles", lambda km: km / KM_PER_MILE, lambda mi: mi * KM_PER_MILE),
    "°C": ("°F", lambda c: c * 9 / 5 + 32, lambda f: (f - 32) * 5 / 9),
}


def converts(q: Question, system: str) -> bool:
    return system == "imperial" and q.unit in CONVERSIONS


def unit(q: Question, system: str) -> str | None:
    """The unit the page shows for a number question."""
    return CONVERSIONS[q.unit][0] if converts(q, system) and q.unit else q.unit


def shown(q: Question, value: float, system: str) -> float:
    """A model value in the runner's units, to one decimal (a whole number showed 24.8 °C as
    77 °F, which reads as 25 °C, a hot run, while the result used a warm one)."""
    if converts(q, system) and q.unit:
        return float(round(CONVERSIONS[q.unit][1](float(value)), 1))
    return float(value)


def shown_range(q: Question, system: str) -> tuple[float, float]:
    """A number question's limits in the runner's units (every number question has both;
    both conversions are increasing, so the order holds)."""
    assert q.min is not None and q.max is not None, q.id  # checked when the priors load
    return shown(q, q.min, system), shown(q, q.max, system)


def stored(q: Question, value: float, system: str) -> int | float:
    """What the runner entered, in the model's unit (whole numbers stay whole), kept within
    the question's range: the page's limits are the model's converted and rounded, so the
    largest number of miles the box allows can come back a little over the km limit."""
    v = float(value)
    if converts(q, system) and q.unit:
        v = round(CONVERSIONS[q.unit][2](v), 1)
        lo = float(q.min) if q.min is not None else v
        hi = float(q.max) if q.max is not None else v
        v = min(max(v, lo), hi)
    return int(v) if v.is_integer() else v


def label(q: Question, value: Any, system: str) -> str:
    """An answer in words, in the runner's units."""
    if q.type == "number" and isinstance(value, int | float) and converts(q, system):
        return f"{shown(q, value, system):g} {unit(q, system)}"
    return q.answer_label(value)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u200b\ufeff]+")
_PLAIN = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")  # 1,200 or 1.200: a thousands separator?


# the short forms a runner types ("34 yrs" was refused beside "34 years": a re-walk)
_SHORT = {"years": ("yrs", "yr", "y"), "weeks": ("wks", "wk", "w"), "days": ("d",),
          "hours": ("hrs", "hr", "h"), "minutes": ("mins", "min"), "miles": ("mi",)}


def _without_unit(text: str, u: str | None) -> str:
    """The text without the question's own unit written after the number ("34 years",
    "40 km", "1 week": a runner walk saw "34 years" refused as not a number)."""
    if not u:
        return text
    words = {u.lower(), u.lower().rstrip("s"), *_SHORT.get(u.lower(), ())}
    head, _, tail = text.rpartition(" ")
    if head and tail.lower() in words:
        return head
    for w in sorted(words, key=len, reverse=True):  # "40km", "30%"
        if w and text.lower().endswith(w) and text[: -len(w)][-1:].isdigit():
            return text[: -len(w)]
    return text


# other units a runner may write for a question's unit, and the factor to it: "6 months"
# for how long the heaviness has lasted (a runner walk: weeks only, "since childhood" was
# 520 to work out)
_OTHER = {
    "weeks": (
        (("months", "month", "mo", "mos"), 52 / 12),
        (("years", "year", "yrs", "yr", "y"), 52.0),
        (("days", "day", "d"), 1 / 7),
    )
}
_NUMBER_WORD = re.compile(r"([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*([^\W\d_]+)")


def other_units(u: str | None) -> str:
    """The other units a question's number may be written in ("months or years"), or ""."""
    names = [words[0] for words, _ in _OTHER.get(u or "", ()) if words[0] != "days"]
    return " or ".join(names)


def _in_other_unit(text: str, u: str | None) -> float | None:
    """A number written in another unit than the question's, converted ("6 months" -> 26
    weeks), or None when the text is not one."""
    m = _NUMBER_WORD.fullmatch(text.strip())
    if m is None:
        return None
    word = m.group(2).lower()
    for words, factor in _OTHER.get(u or "", ()):
        if word in words:
            return round(float(m.group(1).replace(",", ".")) * factor, 1)
    return None


def parse_number(text: str, q: Question, system: str) -> tuple[float | None, str | None]:
    """What a runner typed in a number box, read as a number in the runner's units:
    (value, None), or (None, a problem naming the fix). A decimal comma is read as a point
    ("2,5" is 2.5: the box read it as 25, ten times the answer); "1,200" and "1.200" could be
    either a thousand and more or a little over one, so they are asked about, not guessed;
    a number outside the question's range says the range (the box only showed a red mark)."""
    u = unit(q, system)
    # any space a phone or a paste puts between number and unit is a space; a typographic
    # minus is a minus (a hostile-input review: "34\u00a0years" and "\u22125" refused)
    text = _SPACES.sub(" ", text).replace("\u2212", "-")
    other = _in_other_unit(text, u)
    if other is not None:
        lo, hi = shown_range(q, system)
        if other > hi:  # "12 years": the question stops at 520 weeks (10 years)
            return None, (f"{text.strip()[:20]} is {other:g} {u}, more than this question "
                          f"takes ({lo:g} to {hi:g} {u}): write {hi:g} for that long or longer.")
        text = f"{other:g}"
    raw = _without_unit(text.strip(), u).replace(" ", "")
    if not raw:
        return None, "Write a number, or choose the answer below it if you do not know."
    if _GROUPED.fullmatch(raw):
        whole, frac = raw.lstrip("+").replace(",", ".").split(".")
        return None, (f"Is {raw} {whole}{frac} or {whole}.{frac.rstrip('0') or '0'}? Write "
                      "it without a thousands separator (a decimal point or comma is fine).")
    if not _PLAIN.fullmatch(raw):
        lo, hi = shown_range(q, system)
        return None, (f"“{text.strip()[:20]}” is not a number: write just the number, from {lo:g} "
                      f"to {hi:g}" + (f" {u}" if u else "") + ".")
    value = float(raw.replace(",", "."))
    lo, hi = shown_range(q, system)
    if not lo <= value <= hi:
        return None, (f"Write a number from {lo:g} to {hi:g}" + (f" {u}" if u else "")
                      + f" ({value:g} is outside the range this question takes).")
    return value, None
