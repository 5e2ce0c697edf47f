"""Share links that reproduce a screen exactly.

A link is ``<app>/physio?case=<token>&view=<token>``:

- ``case`` is the model's share token (``model.encode_share``: the answers and the
  population), so ``python -m model case open-link`` reads the same link;
- ``view`` carries the rest of what the screen shows: confidences, changed base rates, the
  questions answered "not sure" and the units (``v1.`` + base64url(zlib(JSON))).

Pure functions (no Streamlit): the pages pass the screen in and get a link or a screen back.
Nothing is stored on a server.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model import InputError, Model, decode_share, encode_share

from .units import UNIT_SYSTEMS

VIEW_PARAM = "view"
VIEW_PREFIX = "v1."
MAX_VIEW_CHARS = 4_000
MAX_VIEW_JSON = 20_000


@dataclass(frozen=True)
class Screen:
    """What a page shows for a case: everything a share link must carry."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    confidence: Mapping[str, float] = field(default_factory=dict)
    population: str = "self_assessment"
    base_rates: Mapping[str, float] = field(default_factory=dict)
    unsure: tuple[str, ...] = ()
    units: str = "metric"


def _pack(payload: Mapping[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return VIEW_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def _unpack(token: str) -> Any:
    if not token.startswith(VIEW_PREFIX) or len(token) > MAX_VIEW_CHARS:
        raise ValueError("not a view token")
    body = token[len(VIEW_PREFIX):]
    dec = zlib.decompressobj()
    raw = dec.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), MAX_VIEW_JSON)
    if dec.unconsumed_tail or not dec.eof:
        raise ValueError("truncated or oversized")
    return json.loads(raw.decode("utf-8"))


def query_params(model: Model, screen: Screen) -> dict[str, str]:
    """The query parameters of a link to ``screen`` (``case`` and, when needed, ``view``).

    Raises
    ------
    InputError
        If an answer is invalid or the link would be too long.
    """
    params = {"case": encode_share(dict(screen.answers), population=screen.population,
                                   model=model)}
    view: dict[str, Any] = {}
    conf = {q: float(c) for q, c in screen.confidence.items()
            if q in screen.answers and float(c) < 1.0}
    if conf:
        view["c"] = conf
    if screen.base_rates:
        view["b"] = {k: float(v) for k, v in screen.base_rates.items()}
    unsure = [q for q in screen.unsure if q not in screen.answers]
    if unsure:
        view["u"] = unsure
    if screen.units != "metric":
        view["units"] = screen.units
    if view:
        params[VIEW_PARAM] = _pack(view)
        if len(params[VIEW_PARAM]) > MAX_VIEW_CHARS:
            raise InputError(["share link would be too long; download the case file instead"])
    return params


def share_link(model: Model, screen: Screen, page_url: str) -> str:
    """The full link: ``page_url?case=...&view=...``."""
    params = query_params(model, screen)
    return page_url + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _view(token: str, screen: Screen, model: Model, problems: list[str]) -> Screen:
    try:
        view = _unpack(token)
    except (ValueError, binascii.Error, zlib.error, UnicodeDecodeError, RecursionError):
        problems.append("the link's view part is damaged; the answers are shown without "
                        "confidences, base-rate changes or 'not sure' items")
        return screen
    if not isinstance(view, dict):
        problems.append("the link's view part is not readable; it was ignored")
        return screen
    conf: dict[str, float] = {}
    for q, c in dict(view.get("c") or {}).items():
        if q in screen.answers and isinstance(c, int | float) and 0.5 <= c <= 1.0:
            conf[q] = float(c)
        else:
            problems.append(f"confidence for {str(q)[:40]!r} was left out (no such answer, "
                            "or not between 0.5 and 1)")
    rates: dict[str, float] = {}
    for cid, r in dict(view.get("b") or {}).items():
        if cid in model.cause_map and isinstance(r, int | float) and 0.0 < r < 1.0:
            rates[cid] = float(r)
        else:
            problems.append(f"base rate for {str(cid)[:40]!r} was left out (unknown cause, or "
                            "not between 0 and 1)")
    unsure = tuple(q for q in list(view.get("u") or []) if isinstance(q, str)
                   and q in model.question_map and q not in screen.answers)
    units = view.get("units", "metric")
    if units not in UNIT_SYSTEMS:
        problems.append(f"units {str(units)[:20]!r} are unknown; metric units are shown")
        units = "metric"
    return Screen(screen.answers, conf, screen.population, rates, unsure, units)


def read_link(params: Mapping[str, str], model: Model) -> tuple[Screen, list[str]]:
    """The screen a link's query parameters describe, and one line per part set aside.

    Raises
    ------
    InputError
        If the ``case`` part cannot be read at all (damaged, another version).
    """
    loaded = decode_share(str(params["case"]), model)
    problems = list(loaded.problems)
    screen = Screen(dict(loaded.case.answers), {}, loaded.case.population)
    token = params.get(VIEW_PARAM)
    if token:
        screen = _view(str(token), screen, model, problems)
    return screen, problems
