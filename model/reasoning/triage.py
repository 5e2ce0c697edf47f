"""Triage: red-flag rules first (they decide whatever the probabilities say), then the amber
rules, the model's own suspicion of a serious cause, and the answers that fit the model poorly.
Rules are data in priors/triage.yaml.

The order, each raising the level and never lowering it:

1. **Red flags** (contract section 3; the clinical brief's rows 1-26): rules on the answers.
2. **Amber rules**: answers that need a doctor's check (``see_doctor``).
3. **Escalation**: ``P(cause | answers) >= threshold`` raises the level to the cause's level
   (``dvt``, ``rhabdomyolysis``, ``heart_condition``: ``urgent``; the other medical causes:
   ``see_doctor``). Thresholds come from the relative costs of a miss and a false alarm and
   the operating characteristics measured on runners sampled from the model (README).
   Medical causes without their own row use ``medical_rule``. The point probability is used,
   never a display rounding.
4. **Outside the model**: when the answers are an unusual combination for the network (the
   conflict measure), the level is at least ``outside_model.level`` and the result says that
   something the model does not cover may be going on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..kb import Escalation, KnowledgeBase
from ..kb.types import Rule, rule_status
from ..kb.types import clause_status as _clause
from ..kb.types import condition_holds as _holds
from . import texts
from .evidence import applies, value_for_state

LEVELS = ("self_care", "see_doctor", "urgent", "emergency")
ACT_FIRST_LEVELS = LEVELS[2:]  # urgent and emergency
URGENT = LEVELS.index("urgent")


@dataclass(frozen=True)
class Triage:
    level: str
    reasons: tuple[str, ...]
    red_flags: tuple[str, ...]  # ids of the red-flag rules that fired
    ruled_out: tuple[str, ...]  # ids of red-flag rules the answers already exclude
    advice: str
    escalated: tuple[str, ...] = ()  # causes whose probability raised the level
    outside_model: bool = False  # the answers fit the network poorly
    unknown_warning_signs: tuple[str, ...] = ()  # red-flag questions not answered
    running: str = ""  # whether running on is fine until seen
    so_far: bool = False  # the next answers could still change the level (see the stop rule)
    change_chance: float = 0.0  # the largest chance that one next answer changes the level
    # the unanswered questions with more than the stop rule's chance of changing the level,
    # most likely first: the questionnaire asks them before the most informative question
    change_questions: tuple[str, ...] = ()
    # of those, the ones that apply only by answers not yet given: (question, those ids)
    change_depends: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the unanswered warning signs and follow-up questions (:func:`follow_up_questions`)
    # whose answer, with the answers given (the probabilities held), would raise the level
    # above the level now and above that answer's own level:
    # (question, answer, level), highest first ("not sure" to palpitations, then dizziness:
    # yes to both is an emergency, palpitations alone urgent)
    unknown_raises: tuple[tuple[str, str, str], ...] = ()
    # the unanswered first-screen signs that on their own ask for urgent or emergency care,
    # above the level now, and are not among ``unknown_raises``: (question, answer, level),
    # highest first ("not sure" to chest pain or fainting gave a green self-care result with
    # "running on is fine" and a grey caption: a runner walk)
    unknown_serious: tuple[tuple[str, str, str], ...] = ()
    # questions to ask next: a sign is present (most urgent first), then the signs of a
    # suspicion held at its without-sign level
    follow_up: tuple[str, ...] = ()
    unexplained: float = 0.0  # P(no cause of the model | answers): what only the leaks explain
    # the causes the warning signs present point to (their rules' ``about``): to be checked
    # whatever their probabilities say, which a ranking shown with the level must not hide
    flagged: tuple[str, ...] = ()
    reason_levels: tuple[str, ...] = ()  # the level each of ``reasons`` asks for
    # and what raised it: red_flag, amber, suspicion (a cause's probability), outside_model
    reason_kinds: tuple[str, ...] = ()
    # per reason: a suspicion about a cause that a warning sign present already points to at
    # its level or higher (the sign's reason says what to do; "possible (4%)" beside it
    # reads as reassurance)
    reason_covered: tuple[bool, ...] = ()
    # the rules that hold whose reason a more specific rule that holds gives instead (their
    # level counts; their words are not listed)
    subsumed: tuple[str, ...] = ()
    # of ``flagged``, the causes the clinician findings entered exclude as a guideline does
    # (triage.yaml ``worked_up``: a negative D-dimer with a Wells score under 2), and what
    # says so: the sign's level stands (contract section 3), its check is done (a physio walk:
    # "check for a clot today" after the work-up had excluded it)
    worked_up: tuple[str, ...] = ()
    worked_up_notes: tuple[str, ...] = ()

    @property
    def to_check(self) -> tuple[str, ...]:
        """The causes the warning signs point to that the clinician findings entered do not
        exclude (:attr:`flagged` less :attr:`worked_up`): to be checked whatever the
        chances say."""
        return tuple(c for c in self.flagged if c not in self.worked_up)

    @property
    def self_care_if_none_applies(self) -> bool:
        """Self-care while a sign not yet answered would, with a yes, ask for urgent or
        emergency care: the level holds only if none applies (the runner's page says it in a
        neutral box, the report in its title; a runner walk read a green "Self-care" under
        "a yes would mean an emergency" as all clear)."""
        return self.level == "self_care" and any(
            lv in ACT_FIRST_LEVELS for _, _, lv in (*self.unknown_raises, *self.unknown_serious)
        )

    @property
    def running_is_default(self) -> bool:
        """Whether :attr:`running` is the level's own words (easy running is fine...), not a
        rule's (stop running until a suspected stress fracture is seen): a question page can
        fold the former away with the reasons (with or without "that holds only if none of
        the warning signs not yet answered applies": the open signs are said in red above)."""
        return self.running in {
            texts.plain(texts.running_advice(self.level, False, unanswered=u))
            for u in (False, True)
        }

    @property
    def reasons_shown(self) -> tuple[str, ...]:
        """The reasons to show a runner with the level. At an urgent or emergency level:
        every warning sign that fired, every rule that asks for urgent care or more, and
        the suspicions (the model's probabilities) that ask for this level; a lower
        suspicion ("a heart condition is possible (8%) ...") under "call an ambulance"
        reads as reassurance, and so does a suspicion about the cause a warning sign present
        points to ("a blood clot is possible (4%)" beside the calf sign). Below urgent, all
        of them."""
        covered = self.reason_covered or (False,) * len(self.reasons)
        parts = (self.reasons, self.reason_levels, self.reason_kinds, covered)
        if not self.act_first or len({len(x) for x in parts}) != 1:
            return self.reasons
        return tuple(
            r
            for r, lv, kind, cov in zip(*parts, strict=True)
            if kind == "red_flag"
            or (kind != "suspicion" and lv in ACT_FIRST_LEVELS)
            or (lv == self.level and not cov)
        )

    @property
    def act_first(self) -> bool:
        """Urgent or emergency: act on it first; nothing shown with it may read as
        reassurance (no training tips, what-ifs or "ruled out" lists)."""
        return self.level in ACT_FIRST_LEVELS

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "reasons": list(self.reasons),
            "red_flags": list(self.red_flags),
            "ruled_out": list(self.ruled_out),
            "advice": self.advice,
            "escalated": list(self.escalated),
            "outside_model": self.outside_model,
            "unknown_warning_signs": list(self.unknown_warning_signs),
            "unknown_sign_raises": [
                {"question": q, "answer": a, "level": lv} for q, a, lv in self.unknown_raises
            ],
            "unknown_serious_signs": [
                {"question": q, "answer": a, "level": lv} for q, a, lv in self.unknown_serious
            ],
            "running": self.running,
            "so_far": self.so_far,
            "change_chance": self.change_chance,
            "change_questions": list(self.change_questions),
            "change_depends": {q: list(on) for q, on in self.change_depends},
            "follow_up": list(self.follow_up),
            "reason_levels": list(self.reason_levels),
            "reason_kinds": list(self.reason_kinds),
            "unexplained": self.unexplained,
            "flagged_causes": list(self.flagged),
            "subsumed_rules": list(self.subsumed),
            "worked_up_causes": list(self.worked_up),
            "worked_up_notes": list(self.worked_up_notes),
        }


def signs_absent(
    kb: KnowledgeBase, answers: Mapping[str, Any], top_cause: str | None
) -> tuple[str, ...]:
    """The first screen's questions answered with a value that meets no rule's condition on
    them (red flag or amber): the warning signs checked and absent. A sign of a rule about
    ``top_cause`` is left out, as :func:`triage` never lists such a rule as ruled out."""
    rules = (*kb.red_flags, *kb.amber_flags)
    out = []
    for q in first_screen_questions(kb):
        question = kb.question_map[q]
        if question.type == "number" or answers.get(q) != question.states[0]:
            continue  # "no" / "none" only
        on = [(r, c[q]) for r in rules for c in (r.all, *r.any) if q in c]
        if on and all(top_cause not in r.about and not _holds(cond, answers[q]) for r, cond in on):
            out.append(q)
    return tuple(out)


def first_screen_questions(kb: KnowledgeBase) -> tuple[str, ...]:
    """The runner's first screen: the red_flags group, then any question that on its own
    makes a red-flag rule or an ``urgent`` (or higher) amber rule (one swollen leg,
    palpitations). A question that matters only with a sign already present (one leg or
    both after new weakness; travel, the pill or an earlier clot after one swollen leg) is
    not on it: :func:`follow_up_questions` asks it first once the sign is there."""
    out = [q.id for q in kb.questions if q.group == "red_flags"]
    urgent = LEVELS.index("urgent")
    serious = [r for r in kb.amber_flags if LEVELS.index(r.level) >= urgent]
    for rule in (*kb.red_flags, *serious):
        if len(rule.all) == 1 and not rule.any:
            qid = next(iter(rule.all))
            if qid not in out:
                out.append(qid)
    return tuple(out)


def follow_up_questions(kb: KnowledgeBase, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The questions a clinician asks next because a sign is already present: the unanswered
    questions of every undecided rule (red or amber) one of whose ``all`` conditions the
    answers already meet (after one swollen leg: travel, the pill, pregnancy, an earlier
    clot; after palpitations: dizziness), the most urgent rules first. Only questions put to
    a runner that apply to them (no pregnancy question for a man)."""
    qmap = kb.question_map
    rules = sorted(
        (*kb.red_flags, *kb.amber_flags), key=lambda r: -LEVELS.index(r.level)
    )  # stable: the file's order within a level
    out: list[str] = []
    for rule in rules:
        if rule_status(rule, answers) is not None:
            continue
        signs = [q for q in rule.all if q not in kb.risk_factors]  # age alone opens nothing
        if not any(q in answers and _holds(rule.all[q], answers[q]) for q in signs):
            continue
        for clause in (rule.all, *rule.any):
            _add_askable(out, clause, qmap, answers)
    return tuple(out)


def _add_askable(
    out: list[str], qids: Iterable[str], qmap: Mapping[str, Any], answers: Mapping[str, Any]
) -> None:
    """Append each of ``qids`` not yet in ``out`` that a runner can still be asked: put to a
    runner, unanswered, and applying to them (no pregnancy question for a man). A question
    for one sex whose answer is not yet known comes after the question that decides it
    (sex before the pill or pregnancy), so a man is never asked whether he is pregnant."""
    for q in qids:
        ok = q in qmap and qmap[q].asked_by == "runner" and applies(qmap[q], answers)
        if not ok or q in answers or q in out:
            continue
        for other, _ in qmap[q].applies_to:
            deciding = qmap.get(other)
            if (
                deciding is not None
                and deciding.asked_by == "runner"
                and applies(deciding, answers)
                and other not in answers
                and other not in out
            ):
                out.append(other)
        out.append(q)


def escalations(kb: KnowledgeBase) -> tuple[Escalation, ...]:
    """Every medical cause's escalation: its own row of triage.yaml, else ``medical_rule``."""
    own = {e.cause: e for e in kb.escalations}
    out = list(kb.escalations)
    for c in kb.causes:
        if c.group == "medical" and c.id not in own:
            threshold, reason = kb.medical_threshold, kb.medical_reason
            out.append(Escalation(c.id, threshold, "see_doctor", 1.0, 1.0, reason, ()))
    return tuple(out)


@dataclass
class _Tally:
    level: int = 0
    reasons: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # each reason's own level
    kinds: list[str] = field(default_factory=list)  # each reason's kind (REASON_KINDS)
    covered: list[bool] = field(default_factory=list)  # Triage.reason_covered

    def raise_to(self, level: str, reason: str, kind: str, covered: bool = False) -> None:
        self.level = max(self.level, LEVELS.index(level))
        self.reasons.append(reason)
        self.levels.append(level)
        self.kinds.append(kind)
        self.covered.append(covered)

    def said_at(self, level: str) -> list[str]:
        """The reasons that ask for ``level``, as a runner reads them."""
        return [
            texts.plain(r) for r, lv in zip(self.reasons, self.levels, strict=True) if lv == level
        ]

    def sign(self, rule: Rule, kind: str, quiet: bool) -> None:
        """A rule that holds: its level, and its reason unless a more specific rule that
        holds gives it (``quiet``, :func:`_subsumed`) or another rule at its level already
        gave the same words (one sign asked in two ways: new weakness in both legs)."""
        if quiet or texts.plain(rule.reason) in self.said_at(rule.level):
            self.level = max(self.level, LEVELS.index(rule.level))
        else:
            self.raise_to(rule.level, rule.reason, kind)


def _subsumed(rules: Sequence[Rule], red: Collection[str]) -> set[str]:
    """The rules that hold whose reason a more specific one that holds says better: another
    rule at the same level or higher, about the same causes at least, whose conditions
    include all of this one's and more (an ``any`` of its own counts as more); a red flag's
    reason only behind another red flag (``red``: their ids). One swollen leg beside one
    swollen leg after long travel: "even without travel" under "after long travel"
    contradicted the answer (a runner walk)."""
    out = set()
    for a in rules:
        if a.any or not a.about:
            continue
        for b in rules:
            if (
                b is not a
                and (a.id not in red or b.id in red)
                and LEVELS.index(b.level) >= LEVELS.index(a.level)
                and set(a.about) <= set(b.about)
                and a.all.items() <= b.all.items()
                and (a.all.items() < b.all.items() or bool(b.any))
            ):
                out.add(a.id)
    return out


def _signed(e: Escalation, p: float, answers: Mapping[str, Any]) -> Escalation | None:
    """The escalation as it applies at probability ``p``: at or above the row's threshold,
    the row itself; for a row with ``without_sign``, from that block's lower threshold the
    row's level once a sign is answered, else the block's lower level, reason and no running
    text of its own; None below both."""
    if p >= e.threshold:
        return e
    ws = e.without_sign
    if ws is None or p < ws.threshold:
        return None
    if any(_clause(c, answers) is True for c in ws.signs):
        return e
    return replace(e, level=ws.level, reason=ws.reason, running="")


def _escalate(
    kb: KnowledgeBase,
    probabilities: Mapping[str, float],
    tally: _Tally,
    answers: Mapping[str, Any],
    flag_levels: Mapping[str, int],
) -> list[Escalation]:
    """The escalations that apply, each raising the level with its reason, marked covered
    when a warning sign present points to its cause at its level or higher (``flag_levels``:
    cause -> the highest level of the signs about it)."""
    labels = {c.id: c.label for c in kb.causes}
    applied = (_signed(e, probabilities.get(e.cause, 0.0), answers) for e in escalations(kb))
    hits = sorted(
        (e for e in applied if e is not None),
        key=lambda e: (-LEVELS.index(e.level), -probabilities[e.cause], e.cause),
    )
    for e in hits:
        p = probabilities[e.cause]
        covered = flag_levels.get(e.cause, -1) >= LEVELS.index(e.level)
        reason = texts.fill_chance(e.reason, p, label=labels[e.cause])
        tally.raise_to(e.level, reason, "suspicion", covered)
    return hits


def _own_running(own: list[tuple[str, str]], level: int) -> tuple[str, ...]:
    """The running texts of the rules that set the level (at it or above), once each: a
    lower rule's "cycling is fine" must not soften a same-day level."""
    return tuple(dict.fromkeys(t for lv, t in own if LEVELS.index(lv) >= level))


def triage(
    kb: KnowledgeBase,
    answers: Mapping[str, Any],
    probabilities: Mapping[str, float],
    *,
    unusual: bool = False,
    top_cause: str | None = None,
    unexplained: float = 0.0,
    soft: Collection[str] = frozenset(),
) -> Triage:
    """The triage level for clean answers and the causes' posterior probabilities.

    ``unusual``: the answers fit the network poorly (the conflict measure); ``top_cause``:
    the cause ranked first (a rule about it is never listed as ruled out); ``unexplained``:
    P(no cause of the model | answers), outside the model from ``outside_model.unexplained``;
    ``soft``: the answers given with less than full confidence (they complete no work-up).
    """
    tally = _Tally()
    status = {r.id: rule_status(r, answers) for r in (*kb.red_flags, *kb.amber_flags)}
    red = {r.id for r in kb.red_flags}
    signs = [r for r in (*kb.red_flags, *kb.amber_flags) if status[r.id]]  # red, then amber
    quiet = _subsumed(signs, red)
    for rule in signs:
        tally.sign(rule, "red_flag" if rule.id in red else "amber", rule.id in quiet)
    fired = [r.id for r in kb.red_flags if status[r.id]]
    # a rule about the cause ranked first is never listed as ruled out
    ruled_out = [r.id for r in kb.red_flags if status[r.id] is False and top_cause not in r.about]
    own = [(r.level, r.running) for r in signs if r.running]
    flagged = [c for r in signs for c in r.about]
    hits = _escalate(kb, probabilities, tally, answers, flag_levels := _flag_levels(signs))
    own += [(e.level, e.running) for e in hits if e.running]
    om = kb.outside_model
    outside = unusual and om is not None
    if outside and om is not None:
        tally.raise_to(om.level, om.reason, "outside_model")
    if om is not None and om.unexplained is not None and unexplained >= om.unexplained:
        outside = True
        tally.raise_to(
            om.level, texts.fill_chance(om.unexplained_reason, unexplained), "outside_model"
        )
    screen = first_screen_questions(kb)
    follow = follow_up_questions(kb, answers)
    unknown = tuple(q for q in screen if q not in answers)
    # the signs not answered, and the questions a sign present brings (dizziness after
    # palpitations: left "not sure", a yes would be an emergency: a re-walk)
    open_ = unknown + tuple(q for q in follow if q not in unknown)
    raises, serious = _unknown_raises(
        kb, answers, probabilities, open_, tally.level, unusual, unexplained, unknown
    )
    # running on holds only if no open sign applies: a serious one alone, or one that with
    # the other answers raises the level (palpitations open, dizziness yes: a code review)
    open_signs = bool(serious) or bool(raises)
    if tally.level == 0:
        tally.raise_to(LEVELS[0], _none_reason(kb, answers, unknown, screen, follow), "none")
    name = LEVELS[tally.level]
    return Triage(
        name,
        tuple(texts.plain(r) for r in tally.reasons),
        tuple(fired),
        tuple(ruled_out),
        texts.level_advice(kb.level_texts[name], tally.said_at(name)),
        escalated=tuple(e.cause for e in hits),
        outside_model=outside,
        unknown_warning_signs=unknown,
        unknown_raises=raises,
        unknown_serious=serious,
        running=texts.plain(
            texts.running_advice(name, bool(fired), _own_running(own, tally.level), open_signs)
        ),
        follow_up=_with_signs_to_ask(kb, answers, follow, hits),
        unexplained=unexplained,
        flagged=tuple(dict.fromkeys(flagged)),
        reason_levels=tuple(tally.levels),
        reason_kinds=tuple(tally.kinds),
        reason_covered=tuple(tally.covered),
        subsumed=tuple(sorted(quiet)),
        worked_up=(done := _work_ups(kb, answers, flag_levels, soft))[0],
        worked_up_notes=done[1],
    )


def _flag_levels(signs: Sequence[Rule]) -> dict[str, int]:
    """Cause -> the highest level of the signs present about it."""
    out: dict[str, int] = {}
    for rule in signs:
        for c in rule.about:
            out[c] = max(out.get(c, -1), LEVELS.index(rule.level))
    return out


def _work_ups(
    kb: KnowledgeBase,
    answers: Mapping[str, Any],
    flag_levels: Mapping[str, int],
    soft: Collection[str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(:attr:`Triage.worked_up`, its notes): each cause a sign below an emergency points to
    (``flag_levels``; a clot with chest pain is a lung clot's question, which a leg's work-up
    does not settle: a code review), one of whose ``worked_up`` clauses the sure answers meet
    (``soft``: the answers given with less than full confidence count for none) and none of
    whose ``unless`` clauses holds (a positive scan beside a Wells score of 1 and a negative
    D-dimer: a code review)."""
    sure = {q: v for q, v in answers.items() if q not in soft}
    done = [
        w
        for w in kb.worked_up
        if -1 < flag_levels.get(w.cause, -1) < LEVELS.index("emergency")
        and any(_clause(c, sure) is True for c in w.any)
        and not any(_clause(c, answers) is True for c in w.unless)
    ]
    return (
        tuple(dict.fromkeys(w.cause for w in done)),
        tuple(dict.fromkeys(texts.plain(w.reason) for w in done)),
    )


def unknown_raise_lines(
    kb: KnowledgeBase, t: Triage, listed: bool = True, short: bool = False, physio: bool = False
) -> tuple[tuple[str, str], ...]:
    """(level, words) for each of :attr:`Triage.unknown_raises`: what a yes would mean, and
    at urgent or emergency to act on it now (the runner's result, the workbench, the
    reports); then :attr:`Triage.unknown_serious`, one line a level, the questions named.
    Without ``listed`` (a question page) one line at most: a single line that covers every
    open sign as it is, else the open signs counted by what a yes would mean
    (:func:`_open_count_line`; a red box and three yellow ones filled a phone, and "12
    warning signs you left open" stood above "13 warning signs were not answered").
    ``short``: each question named by its short label (the runner's result on a phone: eight
    signs in full filled its first screen above the level); ``physio``: the unknown serious
    signs in the physio's words (their report)."""
    out = []
    for qid, answer, level in t.unknown_raises:
        q = kb.question_map[qid]
        said = q.short if short else q.text
        text = texts.unknown_raise_text(said, q.answer_label(answer), kb.level_texts[level])
        act = " If that could be so, act on it now." if level in ACT_FIRST_LEVELS else ""
        out.append((level, text + act))
    for level in reversed(ACT_FIRST_LEVELS):  # the serious signs left open, one line a level
        named = [
            (
                kb.question_map[q].short if short else kb.question_map[q].text,
                None if a == "yes" else kb.question_map[q].answer_label(a),
            )
            for q, a, lv in t.unknown_serious
            if lv == level
        ]
        if named:
            words = texts.unknown_serious_text(named, kb.level_texts[level], listed, physio)
            out.append((level, words))
    out.sort(key=lambda x: -LEVELS.index(x[0]))
    covered = {q for q, _, _ in (*t.unknown_raises, *t.unknown_serious)}
    if listed or not out or (len(out) == 1 and covered >= set(t.unknown_warning_signs)):
        return tuple(out)
    return (_open_count_line(t, below=short),)


def _open_count_line(t: Triage, below: bool = False) -> tuple[str, str]:
    """The question page's one line on the open signs: how many first-screen signs are not
    answered (the count the grey line gives), how many other open questions would raise
    the level with the answers given, and how many a yes would send to each level; at the
    highest of those levels; ``below``: the runner's result, which lists them under it."""
    items = (*t.unknown_raises, *t.unknown_serious)
    counts = {lv: sum(x == lv for _, _, x in items) for lv in reversed(LEVELS[1:])}
    others = {q for q, _, _ in t.unknown_raises} - set(t.unknown_warning_signs)
    top = max((lv for _, _, lv in items), key=LEVELS.index)
    return top, texts.unknown_open_count(len(t.unknown_warning_signs), len(others), counts, below)


def _none_reason(
    kb: KnowledgeBase,
    answers: Mapping[str, Any],
    unknown: tuple[str, ...],
    screen: Sequence[str],
    follow: Sequence[str],
) -> str:
    """The self-care reason (:func:`texts.no_flags_reason`), with the questions a sign in the
    answers waits on (``follow``) and the first-screen answers (``screen``) that are not
    "no" but hold no rule."""
    qmap = kb.question_map
    pending = tuple(qmap[q].text for q in follow)
    noted = tuple(qmap[q].text for q in screen if q in answers and answers[q] not in ("no", "none"))
    return texts.no_flags_reason(referral_thresholds(kb), unknown, pending, noted)


def referral_threshold(e: Escalation) -> float:
    """The chance from which a cause's suspicion sends a runner to a doctor: its row's
    without-sign threshold where it has one, else the row's own."""
    return e.without_sign.threshold if e.without_sign else e.threshold


def referral_thresholds(kb: KnowledgeBase) -> tuple[float, float]:
    """The lowest and the highest :func:`referral_threshold` over the medical causes."""
    first = [referral_threshold(e) for e in escalations(kb)]
    return min(first), max(first)


def _unknown_raises(
    kb: KnowledgeBase,
    answers: Mapping[str, Any],
    probabilities: Mapping[str, float],
    unknown: Sequence[str],
    level: int,
    unusual: bool,
    unexplained: float,
    screen: Collection[str] = (),
) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str, str], ...]]:
    """:attr:`Triage.unknown_raises`: for each unanswered sign that applies, the answer that
    with the answers given (the probabilities held, so at least that level) would raise the
    level most, where it raises it above both the level now and the level that answer has on
    its own: what the other answers add (palpitations alone are urgent; with dizziness, an
    emergency). A sign's own level is what the first screen asked it for. Then
    :attr:`Triage.unknown_serious`: the unanswered first-screen signs (``screen``) not among
    those whose own level is urgent or emergency and above the level now."""
    out = []
    serious = []
    # each answer changes one question: only the rules it touches are read again
    causes = tuple(probabilities)
    p = [probabilities[c] for c in causes]
    near = LevelLookahead(kb, answers, causes, unusual=unusual, unexplained=unexplained)
    alone = LevelLookahead(kb, {}, ())
    for qid in unknown:
        q = kb.question_map[qid]
        if q.type == "number":  # an age is asked, not named by a band ("if under 30, ...")
            continue
        best: tuple[int, str] | None = None
        most: tuple[int, str] | None = None  # the highest level an answer has on its own
        for state in q.states:
            value = value_for_state(q, state)
            given = {**answers, qid: value}
            if not applies(q, given):
                continue
            lv = LEVELS.index(near.level(given, p))
            own = LEVELS.index(alone.level({qid: value}, ()))
            if lv > max(level, own) and (best is None or lv > best[0]):
                best = (lv, state)
            if most is None or own > most[0]:
                most = (own, state)
        if best is not None:
            out.append((qid, best[1], LEVELS[best[0]]))
        elif qid in screen and most is not None and most[0] > max(level, URGENT - 1):
            serious.append((qid, most[1], LEVELS[most[0]]))
    out.sort(key=lambda x: -LEVELS.index(x[2]))
    serious.sort(key=lambda x: -LEVELS.index(x[2]))
    return tuple(out), tuple(serious)


def level_of(
    kb: KnowledgeBase,
    answers: Mapping[str, Any],
    probabilities: Mapping[str, float],
    *,
    unusual: bool = False,
    unexplained: float = 0.0,
) -> str:
    """:func:`triage`'s level alone, without its texts (tested equal): the stop rule's
    lookahead asks it for every answer of every unanswered question."""
    level = 0
    for rule in (*kb.red_flags, *kb.amber_flags):
        if LEVELS.index(rule.level) > level and rule_status(rule, answers):
            level = LEVELS.index(rule.level)
    for e in escalations(kb):
        hit = _signed(e, probabilities.get(e.cause, 0.0), answers)
        if hit is not None:
            level = max(level, LEVELS.index(hit.level))
    om = kb.outside_model
    if om is not None and (
        unusual or (om.unexplained is not None and unexplained >= om.unexplained)
    ):
        level = max(level, LEVELS.index(om.level))
    return LEVELS[level]


def _named(clauses: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    return frozenset(q for c in clauses for q in c)


class LevelLookahead:
    """:func:`level_of` for answer sets near one ``base`` set (the stop rule's lookahead: the
    base answers and one more), with ``probabilities`` as an array over ``causes``: a rule or
    an escalation's sign that names no question whose answer differs from the base keeps the
    status it has on the base, so only the rules an answer touches are read again (tested
    equal to :func:`level_of`)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        base: Mapping[str, Any],
        causes: Sequence[str],
        *,
        unusual: bool = False,
        unexplained: float = 0.0,
    ) -> None:
        self.base = dict(base)
        self.rules = [
            (LEVELS.index(r.level), r, _named((r.all, *r.any)))
            for r in (*kb.red_flags, *kb.amber_flags)
        ]
        fired = [(lvl, qs) for lvl, r, qs in self.rules if rule_status(r, base)]
        self.fired = sorted(fired, key=lambda x: -x[0])  # the highest level first
        axis = {c: k for k, c in enumerate(causes)}
        # the escalations of causes the probabilities hold (a cause not among them is at 0)
        self.esc = [e for e in escalations(kb) if e.cause in axis]
        self.axes = np.array([axis[e.cause] for e in self.esc], dtype=int)
        self.high = np.array([e.threshold for e in self.esc])
        self.low = np.array([e.without_sign.threshold if e.without_sign else 2.0 for e in self.esc])
        self.signs = [
            (_named(ws.signs), any(_clause(c, base) is True for c in ws.signs))
            if (ws := e.without_sign)
            else (frozenset(), False)
            for e in self.esc
        ]
        om = kb.outside_model
        self.floor = (
            LEVELS.index(om.level)
            if om is not None
            and (unusual or (om.unexplained is not None and unexplained >= om.unexplained))
            else 0
        )

    def bands(self, probabilities: np.ndarray | Sequence[float]) -> np.ndarray:
        """Where each escalation's probability lies against its thresholds (below both,
        from the without-sign threshold, at or above the row's own): after an answer no rule
        names, the same bands mean the same level."""
        p = np.asarray(probabilities)[self.axes]
        return (p >= self.low).astype(int) + (p >= self.high)

    def level(self, answers: Mapping[str, Any], probabilities: Sequence[float]) -> str:
        base = self.base
        changed = {k for k in answers.keys() | base.keys() if answers.get(k) != base.get(k)}
        changed |= answers.keys() ^ base.keys()  # an answer of None is still an answer
        level = self.floor
        for lvl, qs in self.fired:  # the highest-level rule still holding as on the base
            if lvl <= level:
                break
            if not qs & changed:
                level = lvl
                break
        for lvl, rule, qs in self.rules:  # the rules an answer touches, read again
            if lvl > level and qs & changed and rule_status(rule, answers):
                level = lvl
        p = np.asarray(probabilities)[self.axes]
        high = p >= self.high
        for i in np.flatnonzero(high | (p >= self.low)):  # the escalations that apply
            e = self.esc[i]
            named, signed = self.signs[i]
            if not high[i] and named & changed:
                signed = any(_clause(c, answers) is True for c in e.without_sign.signs)  # type: ignore[union-attr]
            ws_level = e.without_sign.level if e.without_sign else e.level
            level = max(level, LEVELS.index(e.level if high[i] or signed else ws_level))
        return LEVELS[level]


def rule_questions(kb: KnowledgeBase) -> frozenset[str]:
    """Every question a rule (red or amber) or an escalation's signs name: an answer to any
    other question can change the level only through the causes' probabilities."""
    clauses = [c for r in (*kb.red_flags, *kb.amber_flags) for c in (r.all, *r.any)]
    clauses += [c for e in escalations(kb) if e.without_sign for c in e.without_sign.signs]
    return frozenset(q for c in clauses for q in c)


def _with_signs_to_ask(
    kb: KnowledgeBase,
    answers: Mapping[str, Any],
    follow_up: tuple[str, ...],
    hits: list[Escalation],
) -> tuple[str, ...]:
    """The follow-up questions, then the unanswered signs of every escalation held at its
    without-sign level (a suspected heart condition: palpitations, breathlessness...): the
    answers that would make it same-day are asked next, as a clinician would."""
    qmap = kb.question_map
    out = list(follow_up)
    for e in hits:
        ws = e.without_sign
        if ws is None or e.level != ws.level:
            continue
        for clause in ws.signs:
            _add_askable(out, clause, qmap, answers)
    return tuple(out)


def level_index(level: str) -> int:
    return LEVELS.index(level)


__all__ = [
    "LEVELS",
    "Triage",
    "escalations",
    "first_screen_questions",
    "follow_up_questions",
    "level_index",
    "LevelLookahead",
    "level_of",
    "referral_threshold",
    "rule_questions",
    "rule_status",
    "signs_absent",
    "triage",
    "unknown_raise_lines",
]
