"""Share links that reproduce a screen exactly.

A link is ``<app>/physio?case=<token>&view=<token>``:

- ``case`` is the model's share token (``model.encode_share``: the answers and the
  population), so ``python -m model case open-link`` reads the same link;
- ``view`` carries the rest of what the screen shows: confidences, changed base rates, the
  questions answered "not sure" and the units (``v1.`` + base64url(zlib(JSON))).

Pure functions: the workbench passes the screen in and gets a link or a screen back, and
``python -m model case share`` / ``case open-link`` read and write the same links. Nothing is
stored on a server.
"""

from __future__ import annotations

import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api import Model
from ..errors import InputError
from ..reasoning.evidence import finite_real
from ..reasoning.tests_next import check_costs
from .cases import (
    SELF_REPORT,
    UNIT_SYSTEMS,
    Case,
    LoadedCase,
    clinicians_findings,
    decode_share,
    encode_share,
    link_params,
    refuse_duplicates,
    reject_constant,
    unzip_token,
    with_query,
    zip_token,
)

VIEW_PARAM = "view"
VIEW_PREFIX = "v1."
MAX_VIEW_CHARS = 4_000
MAX_VIEW_JSON = 20_000
CONF_MIN = 0.5  # the workbench's lowest confidence (a coin toss)


@dataclass(frozen=True)
class Screen:
    """What a page shows for a case: everything a share link must carry."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    confidence: Mapping[str, float] = field(default_factory=dict)
    population: str = "self_assessment"
    base_rates: Mapping[str, float] = field(default_factory=dict)
    unsure: tuple[str, ...] = ()
    units: str = "metric"
    # the physio's own cost units of examinations and tests (which test next), and the
    # cause the why chart was pinned to: a link opened the same table and chart only
    # with the priors' costs and the top cause (a physio walk)
    costs: Mapping[str, float] = field(default_factory=dict)
    why: str | None = None


def _pack(payload: Mapping[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return zip_token(VIEW_PREFIX, raw)


def _unpack(token: str) -> Any:
    if not token.startswith(VIEW_PREFIX) or len(token) > MAX_VIEW_CHARS:
        raise ValueError("not a view token")
    return json.loads(  # a key given twice is refused, as in the case part
        unzip_token(token[len(VIEW_PREFIX) :], MAX_VIEW_JSON).decode("utf-8"),
        parse_constant=reject_constant,
        object_pairs_hook=refuse_duplicates,
    )


def _confidence_problem(q: Any, c: Any) -> str | None:
    x = finite_real(c)
    if x is None or not CONF_MIN <= x <= 1.0:
        return (
            f"confidence for {str(q)[:40]!r}: {repr(c)[:20]} is not valid; give a number "
            f"from {CONF_MIN} to 1"
        )
    return None


def _check_screen(model: Model, screen: Screen) -> list[str]:
    """What in ``screen`` a link cannot carry (each line names the fix); the answers are
    checked by ``encode_share``."""
    problems = []
    if screen.population not in model.kb.populations:
        problems.append(
            f"population {str(screen.population)[:40]!r} is unknown; use one of "
            f"{', '.join(sorted(model.kb.populations))}"
        )
    if not isinstance(screen.units, str) or screen.units not in UNIT_SYSTEMS:
        problems.append(
            f"units {str(screen.units)[:20]!r} are unknown; use one of {', '.join(UNIT_SYSTEMS)}"
        )
    for q, c in dict(screen.confidence).items():
        problem = _confidence_problem(q, c)
        if problem:
            problems.append(problem)
    for q in screen.unsure:
        if not isinstance(q, str) or q not in model.question_map:
            problems.append(f"'not sure' item {str(q)[:40]!r} is not a question id; leave it out")
    if screen.base_rates:
        problems.extend(model.base_rate_problems(dict(screen.base_rates)))
    if screen.costs:
        try:
            check_costs(model.question_map, screen.costs)
        except InputError as exc:
            problems.extend(exc.problems)
    if screen.why is not None and screen.why not in model.cause_map:
        problems.append(f"why chart cause {str(screen.why)[:40]!r} is not a cause id")
    return problems


def query_params(model: Model, screen: Screen) -> dict[str, str]:
    """The query parameters of a link to ``screen`` (``case`` and, when needed, ``view``).

    Raises
    ------
    InputError
        If an answer, a confidence, a base rate, the population or the units are invalid
        (a link that would not open the same screen is never made), or the link would be
        too long.
    """
    problems = _check_screen(model, screen)
    if problems:
        raise InputError(problems)
    params = {"case": encode_share(dict(screen.answers), population=screen.population, model=model)}
    view: dict[str, Any] = {}
    conf = {
        q: float(c) for q, c in screen.confidence.items() if q in screen.answers and float(c) < 1.0
    }
    if conf:
        view["c"] = conf
    if screen.base_rates:
        view["b"] = {k: float(v) for k, v in screen.base_rates.items()}
    unsure = [q for q in screen.unsure if q not in screen.answers]
    if unsure:
        view["u"] = unsure
    if screen.units != "metric":
        view["units"] = screen.units
    if screen.costs:
        view["t"] = {k: float(v) for k, v in screen.costs.items()}
    if screen.why is not None:
        view["w"] = screen.why
    if view:
        params[VIEW_PARAM] = _pack(view)
        if len(params[VIEW_PARAM]) > MAX_VIEW_CHARS:
            raise InputError(["share link would be too long; download the case file instead"])
    return params


def share_link(model: Model, screen: Screen, page_url: str) -> str:
    """The full link: ``page_url?case=...&view=...``. A query already in ``page_url`` keeps
    its other parameters (its own ``case`` and ``view`` are replaced) and a ``#fragment``
    stays at the end, where a browser still sends the query to the page.

    Raises
    ------
    InputError
        As :func:`query_params`.
    """
    return with_query(page_url, query_params(model, screen), drop=("case", VIEW_PARAM))


def _mapping_part(
    view: Mapping[str, Any], key: str, what: str, problems: list[str]
) -> dict[Any, Any]:
    part = view.get(key)
    if part is None:
        return {}
    if not isinstance(part, dict):
        problems.append(
            f"the link's {what} are not readable (not a mapping of ids to "
            "numbers); they were left out"
        )
        return {}
    return part


def _confidences(view: Mapping[str, Any], screen: Screen, problems: list[str]) -> dict[str, float]:
    conf: dict[str, float] = {}
    for q, c in _mapping_part(view, "c", "confidences", problems).items():
        problem = _confidence_problem(q, c)
        if q not in screen.answers:
            problems.append(
                f"confidence for {str(q)[:40]!r} was left out: no such answer in the link"
            )
        elif problem:
            problems.append(problem + "; it was left out (the answer is taken as sure)")
        else:
            conf[q] = float(c)
    return conf


def _rates(view: Mapping[str, Any], model: Model, problems: list[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for cid, r in _mapping_part(view, "b", "base-rate changes", problems).items():
        x = finite_real(r)
        bad = (
            [f"base rate: {str(cid)[:40]!r}: {repr(r)[:20]} is not a number"]
            if x is None
            else model.base_rate_problems({cid: x})  # the model's own check (cause, range)
        )
        if bad:
            problems.append(
                f"{'; '.join(bad)}; that change was left out (the priors' rate is used)"
            )
            continue
        assert x is not None
        rates[cid] = x
    return rates


def _unsure(
    view: Mapping[str, Any], screen: Screen, model: Model, problems: list[str]
) -> tuple[str, ...]:
    part = view.get("u")
    if part is None:
        return ()
    if not isinstance(part, list):
        problems.append(
            "the link's 'not sure' items are not readable (not a list); they were left out"
        )
        return ()
    kept = tuple(
        q
        for q in part
        if isinstance(q, str) and q in model.question_map and q not in screen.answers
    )
    if len(kept) < len(part):
        problems.append(
            f"{len(part) - len(kept)} 'not sure' item(s) were left out (not a "
            "question, or answered in the link)"
        )
    return tuple(dict.fromkeys(kept))


def _units(view: Mapping[str, Any], problems: list[str]) -> str:
    units = view.get("units", "metric")
    if not isinstance(units, str) or units not in UNIT_SYSTEMS:
        problems.append(f"units {str(units)[:20]!r} are unknown; metric units are shown")
        return "metric"
    return units


def _costs(view: Mapping[str, Any], model: Model, problems: list[str]) -> dict[str, float]:
    costs: dict[str, float] = {}
    for qid, v in _mapping_part(view, "t", "test costs", problems).items():
        try:
            costs.update(check_costs(model.question_map, {qid: v}))
        except InputError as exc:
            problems.append(
                f"{'; '.join(exc.problems)}; that cost was left out (the priors' cost is used)"
            )
    return costs


def _why(view: Mapping[str, Any], model: Model, problems: list[str]) -> str | None:
    why = view.get("w")
    if why is None:
        return None
    if not isinstance(why, str) or why not in model.cause_map:
        problems.append(
            f"the link's why-chart cause {str(why)[:40]!r} is not a cause; the "
            "chart follows the top cause"
        )
        return None
    return why


def _view(token: str, screen: Screen, model: Model, problems: list[str]) -> Screen:
    try:
        view = _unpack(token)
    except (ValueError, binascii.Error, zlib.error, UnicodeDecodeError, RecursionError):
        problems.append(
            "the link's view part is damaged; the answers are shown without their "
            "confidences, base-rate changes, 'not sure' items, test costs and units (metric)"
        )
        return screen
    if not isinstance(view, dict):
        problems.append("the link's view part is not readable; it was ignored")
        return screen
    return Screen(
        screen.answers,
        _confidences(view, screen, problems),
        screen.population,
        _rates(view, model, problems),
        _unsure(view, screen, model, problems),
        _units(view, problems),
        _costs(view, model, problems),
        _why(view, model, problems),
    )


def read_link(
    params: Mapping[str, str], model: Model, refuse_rejected: bool = False
) -> tuple[Screen, list[str]]:
    """The screen a link's query parameters describe, and one line per part set aside
    (a malformed confidence, base rate, 'not sure' list or units is named and left out; the
    answers and the other parts still load).

    Raises
    ------
    InputError
        If the ``case`` part is missing or cannot be read at all (damaged, another version),
        or, with ``refuse_rejected``, if it holds a rejected answer.
    """
    if not isinstance(params, Mapping) or not params.get("case"):
        raise InputError(
            ["the link has no case part (?case=...); copy the whole link, or ask for the case file"]
        )
    loaded = decode_share(str(params["case"]), model)
    if refuse_rejected and loaded.problems:
        raise InputError(
            [*loaded.problems, "nothing was written; correct the answer and share again"]
        )
    problems = list(loaded.problems)
    screen = Screen(dict(loaded.case.answers), {}, loaded.case.population)
    token = params.get(VIEW_PARAM)
    if token:
        screen = _view(str(token), screen, model, problems)
    return screen, problems


def case_link(case: Case, model: Model, base_url: str | None = None) -> str:
    """A link to a case file's screen: its answers and population, and its confidences,
    'not sure' list, units, base rates and test costs (the view part). Without
    ``base_url`` the case token alone when nothing else needs carrying, else the query
    (``case=...&view=...``).

    Raises
    ------
    InputError
        As :func:`query_params`.
    """
    screen = Screen(
        dict(case.answers),
        dict(case.confidence),
        case.population,
        dict(case.base_rates),
        case.not_sure,
        case.units,
        dict(case.test_costs),
    )
    if base_url is not None:
        return share_link(model, screen, base_url)
    params = query_params(model, screen)
    if set(params) == {"case"}:
        return params["case"]
    return "&".join(f"{k}={v}" for k, v in params.items())


def case_of_link(link: str, model: Model) -> LoadedCase:
    """The case a link opens (answers, population, confidences, 'not sure' list, units,
    changed base rates and test costs; a malformed part is a problem line).

    Raises
    ------
    InputError
        If an answer in the link is rejected: a case without it (a red-flag answer in the
        wrong spelling) would read as if it were never given, so none is made. A damaged
        view part (confidences, 'not sure' list, units, base rates) is only a problem line.
    """
    screen, problems = read_link(link_params(link), model, refuse_rejected=True)
    case = Case(
        answers=screen.answers,
        # the examinations and tests are the physio's (a code review: read as the runner's)
        answered_by=clinicians_findings(
            dict.fromkeys(screen.answers, SELF_REPORT), model.kb.clinician_ids
        ),
        confidence=screen.confidence,
        population=screen.population,
        not_sure=screen.unsure,
        units=screen.units,
        base_rates=screen.base_rates,
        test_costs=screen.costs,
    )
    return LoadedCase(case, tuple(problems))
