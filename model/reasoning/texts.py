"""Every sentence the reasoning shows a user, in one place (numbers are filled in here; what
they mean is decided in the other modules). Input errors stay next to the checks that find
them (each names its fix)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence

DISCLAIMER = (
    "Decision support, not a diagnosis. heavylegs ranks possible causes from your answers; "
    "it cannot examine you. Red flags override the probabilities: if one applies, seek care as "
    "advised."
)


# the maintainers' pointers to the clinical brief's rows and guidelines, at the end of a rule's
# sentence in priors/triage.yaml ("... same-day check (brief row 2)."): kept there for tracing
# a rule to its source, left out of what a runner or a GP reads
_BRIEF_REF = re.compile(r"\s*\((?:brief|NICE)\b[^()]*\)")


def plain(text: str) -> str:
    """A rule's sentence as a runner reads it, without the pointers to the clinical brief
    ("(brief row 2)", "(brief rows 13 and 21)"); the rule's sources stay in triage.yaml."""
    return _BRIEF_REF.sub("", text)


# The runner's words for the clinician's terms in the causes' names, the rules' reasons and
# the advice (shared with the physio's page, which keeps the precise terms): each pattern
# (not inside a parenthesis already) by plain words, the term kept in brackets where a doctor
# would use it. First letter either case (a name inside a sentence starts lower-case).
_PLAIN_WORDS: tuple[tuple[str, str], ...] = (
    (
        "Iliac artery flow limitation (endofibrosis, kinking)",
        "Narrowed or kinked artery in the pelvis (iliac artery)",
    ),
    (
        "Nerve compression (spinal stenosis, radiculopathy, entrapment)",
        "Trapped or pinched nerve (in the back or the leg)",
    ),
    (
        "Popliteal artery entrapment (and other popliteal causes in the young)",
        "Squeezed artery behind the knee (popliteal artery entrapment)",
    ),
    (
        "Chronic exertional compartment syndrome",
        "Pressure build-up in the lower-leg muscles when running (compartment syndrome)",
    ),
    (
        "Exertional rhabdomyolysis (muscle breakdown)",
        "Muscle breakdown after hard effort (rhabdomyolysis)",
    ),
    ("Deep vein thrombosis", "Blood clot in a leg vein (deep vein thrombosis)"),
    (
        "Peripheral artery disease (atherosclerotic)",
        "Narrowed leg arteries from hardening of the arteries (peripheral artery disease)",
    ),
    (
        "Arterial flow limitation of the iliac artery",
        "A narrowed or kinked artery in the pelvis (iliac artery)",
    ),
    (
        "(exercise ABI, duplex) for iliac flow limitation or popliteal entrapment",
        "(blood pressure at the ankles after exercise, an ultrasound scan) for a narrowed"
        " artery in the pelvis or behind the knee",
    ),
    ("(exercise ABI)", "(blood pressure at the ankles after exercise)"),
    (
        "Narrowed leg arteries from atherosclerosis (claudication)",
        "Narrowed leg arteries from hardening of the arteries (atherosclerosis)",
    ),
    (
        "an ankle-brachial index test",
        "a test of the blood pressure at the ankle against the arm (ankle-brachial index)",
    ),
    ("Flexion-biased exercise", "Exercise bending forward"),
    ("spinal stenosis", "a narrowed spinal canal (spinal stenosis)"),
    ("a neuromuscular referral", "a referral to a specialist in muscle diseases"),
    ("a neuromuscular clinic", "a clinic for muscle diseases"),
    ("a CK blood test", "a blood test for muscle damage (CK)"),
    ("blood CK and urine", "blood tests for muscle damage (CK) and urine"),
    (
        "popliteal artery entrapment",
        "a squeezed artery behind the knee (popliteal artery entrapment)",
    ),
)


def _plain_pattern(old: str) -> re.Pattern[str]:
    first = (
        f"[{re.escape(old[0].upper())}{re.escape(old[0].lower())}]"
        if old[0].isalpha()
        else re.escape(old[0])
    )
    return re.compile(r"(?<!\()(?<!\(a )(?<!\(an )" + first + re.escape(old[1:]))


_PLAIN = tuple((_plain_pattern(old), new) for old, new in _PLAIN_WORDS)


def _cased(new: str) -> Callable[[re.Match[str]], str]:
    """The replacement ``new`` with the first letter's case of what it replaces."""

    def sub(m: re.Match[str]) -> str:
        return (new[0].upper() if m.group(0)[0].isupper() else new[0].lower()) + new[1:]

    return sub


def plain_words(text: str) -> str:
    """``text`` with the clinician's terms in plain words for a runner (:data:`_PLAIN_WORDS`):
    "Iliac artery flow limitation (endofibrosis, kinking)" is "Narrowed or kinked artery in
    the pelvis (iliac artery)"; the case of the first letter kept."""
    for pattern, new in _PLAIN:
        text = pattern.sub(_cased(new), text)
    return text


def flagged_note(labels: list[str]) -> str:
    """Said with the ranking when a warning sign is present: the causes it points to are
    checked whatever their chances (which may read low: the answers as a whole decide them)."""
    if not labels:
        return ""
    # without a long label's parenthesis: "(e.g. atrial fibrillation)" and "(incl. after
    # COVID-19)" under "call an ambulance" pushed the question off a phone's screen
    names = [with_article(inline_label(cause_name(x))) for x in labels]
    causes = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return (
        f"Your warning sign comes first: a doctor needs to check for {causes} whatever the "
        "chances below say. They come from all your answers together and are no reason to wait."
    )


# the heads of the cause names that count ("a bone stress injury"), unlike "iron deficiency"
# or "peripheral artery disease"
COUNTABLE = ("problem", "injury", "condition", "effect")
PLAIN_COUNTABLE = ("clot", "artery", "nerve")


def with_article(name: str) -> str:
    """A cause's name after "check for": "a heart rhythm problem or heart failure", "a bone
    stress injury", but "iron deficiency" (its first alternative decides)."""
    first = name.split(" or ")[0].split(" (")[0]
    # the runner's plain names: the noun before " in " or " behind " ("a blood clot in a leg
    # vein", "a narrowed or kinked artery in the pelvis")
    head = re.split(r" in | behind | \(", name)[0]
    if not first.endswith(COUNTABLE) and not head.endswith(PLAIN_COUNTABLE):
        return name
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


@functools.lru_cache(maxsize=4096)  # a few hundred labels, asked for thousands of times
def inline_label(label: str) -> str:
    """A label as it reads inside a sentence: lower case, except acronyms and names with more
    than one capital ("Low energy availability (RED-S)" -> "low energy availability (RED-S)",
    "McArdle" stays)."""
    words = label.split(" ")
    return " ".join(w if sum(ch.isupper() for ch in w) >= 2 else w.lower() for w in words)


def contribution_text(label: str, question_text: str, answer_label: str, delta: float) -> str:
    """Plain words for a runner; the number (odds ratio) for a physio."""
    ratio = math.exp(delta)
    if abs(delta) < 0.05:
        effect = "made little difference to"
    elif delta > 0:
        effect = "made it more likely" if ratio < 3 else "made it much more likely"
    else:
        effect = "made it less likely" if ratio > 1 / 3 else "made it much less likely"
    if effect.startswith("made little"):
        return (
            f"Your answer \u201c{answer_label}\u201d to \u201c{question_text}\u201d {effect} "
            f"{inline_label(label)} (odds \u00d7{ratio:.2f})."
        )
    return (
        f"Your answer \u201c{answer_label}\u201d to \u201c{question_text}\u201d {effect} that "
        f"this is {inline_label(label)} (odds \u00d7{ratio:.2f})."
    )


def conclusion_text(
    answer_label: str,
    question_text: str,
    p_answer: float,
    top_label: str,
    p_before: float,
    p_after: float,
    new_top: tuple[str, float] | None,
    finding: bool = False,
) -> str:
    """What single answer would change the conclusion (``new_top``: (label, probability) of
    the cause that would lead, if another); a ``finding`` (an examination or test, on the
    physio's page) is worded as one, not as the runner's answer."""
    lead = f" and {inline_label(new_top[0])} would lead ({new_top[1]:.0%})." if new_top else "."
    said = (
        f"If the finding \u201c{question_text}\u201d were \u201c{answer_label}\u201d"
        if finding
        else f"If you answered \u201c{answer_label}\u201d to \u201c{question_text}\u201d"
    )
    return (
        f"{said} "
        f"({p_answer:.0%} likely), {inline_label(top_label)} would fall from {p_before:.0%} to "
        f"{p_after:.0%}" + lead
    )


def helpful_change_text(factor: str, answer_label: str, p_now: float, p_after: float) -> str:
    return f"{factor}: {answer_label} \u2014 chance of heavy legs {p_now:.0%} \u2192 {p_after:.0%}"


STOP_RED_FLAG = "This is an emergency: act on it now; no answer can change that."
STOP_URGENT = (
    "Get help today: act on that first. The next answers could not make the advice more urgent."
)
STOP_ALL_ANSWERED = "Every question is answered."


def stop_clear(top_p: float, threshold: float) -> str:
    return f"The top cause is clear ({top_p:.0%} \u2265 {threshold:.0%})."


def stop_little_left(best_gain: float, min_gain: float) -> str:
    return (
        f"No remaining question would tell much more (best gain {best_gain:.3f} < {min_gain} bits)."
    )


def stop_go_on(best_gain: float) -> str:
    return f"More answers would help (best question gains {best_gain:.2f} bits)."


def conflict_message(
    score: float, worst: float | None, culprits: tuple[str, ...], threshold: float = 0.7
) -> str:
    """What the runner and the physio read when answers fit the model poorly: the answers as
    a whole (``score``, Hugin's conflict) or, when they fit together well enough, the
    answers that fit the others poorly (``worst``, the largest local conflict), never "these
    answers fit poorly together" for a set that, as a whole, fits better than apart."""
    which = (" The answer(s) that fit least: " + "; ".join(culprits) + ".") if culprits else ""
    if score > threshold or worst is None:
        factor = math.exp(min(max(score, worst if worst is not None else score), 50))
        return (
            "These answers are an unusual combination: they fit the model poorly together "
            f"(about {factor:.0f}\u00d7 less likely together than apart). The ranking may be "
            "unreliable; a professional should look at this case." + which
        )
    factor = math.exp(min(worst, 50))
    one = len(culprits) <= 1
    return (
        ("One answer fits" if one else "Some answers fit")
        + " the others poorly: "
        + ("it is" if one else "the worst is")
        + f" about {factor:.0f}\u00d7 less likely together with them than apart, though the "
        "answers as a whole fit the model. "
        + ("Check it; if it is right" if one else "Check them; if they are right")
        + ", a professional should look at this case."
        + which
    )


def no_flags_reason(
    thresholds: tuple[float, float],
    unknown_signs: tuple[str, ...] = (),
    pending: tuple[str, ...] = (),
    noted: tuple[str, ...] = (),
) -> str:
    """The self-care reason: never "no red flags" while warning signs are unanswered, nor
    while an answer meets part of a warning sign whose other part is not answered yet
    (``pending``: those questions' texts; a cold, pale foot before age said "None of the
    warning signs applies to you": a re-walk), nor beside a first-screen answer that is not
    "no" (``noted``: one swollen leg's question answered "both legs")."""
    # the chances from which a suspicion sends a runner to a doctor, set per cause (a runner
    # walk: "each below 30% or its own threshold" while the About page says 3% to 25%)
    lo, hi = thresholds
    likely = (
        f"no medical cause is likely enough to need a doctor (each has its own threshold, from "
        f"{lo:.0%} to {hi:.0%})"
    )
    if pending:
        more = "1 more answer" if len(pending) == 1 else f"{len(pending)} more answers"
        asked = "; ".join(f"\u201c{q}\u201d" for q in pending[:3])
        return (
            f"Part of a warning sign is in your answers, and what it means depends on {more} "
            f"({asked}): answer {'it' if len(pending) == 1 else 'them'} before relying on "
            f"this; among your answers {likely}."
        )
    if unknown_signs:
        n = len(unknown_signs)
        which = "1 warning sign is" if n == 1 else f"{n} warning signs are"
        return (
            f"{which} not answered, so red flags are unknown, not ruled out; "
            f"among your answers {likely}."
        )
    if noted:  # a first-screen answer that is not "no" but holds no rule (swollen legs: both)
        which = "; ".join(f"\u201c{q}\u201d" for q in noted[:3])
        return (
            f"Your answer to {which} does not on its own call for a doctor's check, and {likely}."
        )
    return f"None of the warning signs applies to you, and {likely}."


RUNNING = {
    "self_care": "Running on is fine: ease the load for a week or two and re-check; if it "
    "gets worse or a warning sign appears, see a doctor.",
    "see_doctor": "Until you are seen, easy running is fine if it does not make things worse; "
    "stop if pain builds, and seek help sooner if a warning sign appears.",
    "urgent": "Stop running until you have been seen today.",
    "emergency": "Stop now and get help: do not run, drive yourself or wait to see if it passes.",
}


def unknown_raise_text(question_text: str, answer_label: str, level_text: str) -> str:
    """A warning sign left unanswered whose answer would raise the level
    (``Triage.unknown_raises``)."""
    return (
        f"If the answer to \u201c{question_text}\u201d is \u201c{answer_label}\u201d, "
        f"then together with the other answers: {level_text}"
    )


def unknown_serious_text(
    questions: Sequence[tuple[str, str | None]],
    level_text: str,
    listed: bool = True,
    physio: bool = False,
) -> str:
    """Unanswered first-screen signs that on their own ask for urgent or emergency care
    (``Triage.unknown_serious``: each question's words, with the answer that does it where
    that is not a plain yes, "Yes, one leg" for swollen legs), in one line per level; without
    ``listed``, counted (a question page: the list ran to a phone's screen); ``physio``: in
    the physio's words (their report said "You did not answer": a physio walk)."""
    n = len(questions)
    if not listed:
        if n == 1:
            return f"1 warning sign you left open would on its own mean: {level_text}"
        return f"{n} warning signs you left open would each on its own mean: {level_text}"
    which = "this warning sign" if n == 1 else "these warning signs"
    named = "; ".join(
        f"\u201c{q}\u201d" + (f" (\u201c{a}\u201d)" if a else "") for q, a in questions
    )
    if physio:
        return f"Not asked yet, {which}: {named}. A yes on its own means: {level_text}"
    return (
        f"You did not answer {which}: {named}. A yes on its own means: {level_text} If that "
        "could be so, act on it now."
    )


# what a yes to an open sign would mean, in a counted line
OPEN_LEVEL_WORDS = {
    "emergency": "an emergency",
    "urgent": "same-day care",
    "see_doctor": "a doctor's visit",
}


def unknown_open_count(
    signs: int, others: int, counts: Mapping[str, int], below: bool = False
) -> str:
    """The open signs counted in one line (a question page): ``signs`` first-screen signs
    not answered, ``others`` more questions open whose answer would raise the level with
    the answers given, and per level (highest first) how many of them a yes would send
    there, on its own or with the other answers; the result names them (``below``: the
    result itself, which lists them under this line)."""
    head = []
    if signs:
        head.append(f"{signs} warning sign{' was' if signs == 1 else 's were'} not answered")
    if others:
        head.append(f"{others} more question{' is' if others == 1 else 's are'} open")
    parts = [(n, OPEN_LEVEL_WORDS[lv]) for lv, n in counts.items() if n]
    said = [
        f"to {n} of them would mean {w}" if i == 0 else f"to {n} {w}"
        for i, (n, w) in enumerate(parts)
    ]
    said_all = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    act = any(counts.get(lv) for lv in ("emergency", "urgent"))
    where = "they are listed below" if below else "your result lists them"
    end = f" If one could be so, act on it now; {where}." if act else f" {where.capitalize()}."
    return f"{' and '.join(head)}: a yes {said_all}.{end}"


def pct(p: float) -> str:
    """One way to say a chance everywhere (app and reports): a whole percentage ("under 1%"
    and "over 99%" at the ends)."""
    if not math.isfinite(p) or not -1e-9 <= p <= 1 + 1e-9:
        raise ValueError(f"{p!r} is not a chance: give a number from 0 to 1")
    shown = f"{min(max(p, 0.0), 1.0):.0%}"  # (rounding noise below 0 is not "-0%")
    if shown == "0%":  # (0.005 rounds to "0%": it is under 1% too)
        return "under 1%"
    if shown == "100%":  # (0.995 rounds to "100%", which no cause is)
        return "over 99%"
    return shown


class _Chance(float):
    """A chance filled into a rule's words ("possible ({probability:.0%})"): a whole
    percentage is said as :func:`pct` ("over 99%", "under 1%"), as the table and the summary
    say it; "possible (100%)" beside a table's 99.7% was a physio walk's finding. Another
    format (".1%") is kept as the rule writes it."""

    def __format__(self, spec: str) -> str:
        return pct(float(self)) if spec in ("", ".0%") else format(float(self), spec)


def fill_chance(template: str, probability: float, **fields: str) -> str:
    """A triage text with its ``{probability}`` said the one way (:class:`_Chance`) and its
    other fields (``{label}``) filled in; the level is decided on the point probability."""
    return template.format(probability=_Chance(probability), **fields)


def range_words(lo: float, hi: float) -> str:
    """A range of chances in the one way (:func:`pct`): "21% to 66%"; one value where both
    ends read the same; "up to 2%" from under 1% ("under 1% to 1%" read oddly: a runner
    walk); "97% or more" to over 99%."""
    if lo > hi + 1e-12:
        raise ValueError(f"the range {lo!r} to {hi!r} runs backwards: give the lower end first")
    a, b = pct(lo), pct(hi)
    if a == b:
        return a
    if a == "under 1%" and b == "over 99%":
        return "anywhere from under 1% to over 99%"
    if a == "under 1%":
        return f"up to {b}"
    if b == "over 99%":
        return f"{a} or more"
    return f"{a} to {b}"


LEVEL_TITLES = {
    "self_care": "Self-care",
    "see_doctor": "See a doctor",
    "urgent": "Get medical help today",
    "emergency": "Emergency: call an ambulance now",
}
POPULATION_TITLES = {"self_assessment": "Runners self-assessing", "clinic": "Physio clinic"}


def running_label(level: str) -> str:
    """The heading of the running advice: "until seen" only when someone should see them."""
    return "Running" if level == "self_care" else "Running until seen"


UNLESS_UNANSWERED = "That holds only if none of the warning signs not yet answered applies."


def running_advice(
    level: str, red_flag: bool, own: tuple[str, ...] = (), unanswered: bool = False
) -> str:
    """:func:`_running_advice`, and where that is the level's own permission to run (below
    urgent, no rule's words such as "stop running until a doctor has checked the bone") with
    serious warning signs left unanswered (``unanswered``), that it holds only if none of
    them applies."""
    said = _running_advice(level, red_flag, own)
    permissive = said == RUNNING.get(level) and level in ("self_care", "see_doctor")
    return f"{said} {UNLESS_UNANSWERED}" if unanswered and permissive else said


def _running_advice(level: str, red_flag: bool, own: tuple[str, ...] = ()) -> str:
    """Whether running on is fine until seen, for every result: the level's default (at
    ``urgent`` followed by the rules' own texts), or at ``see_doctor`` the rules' own texts
    (``running`` in triage.yaml: a suspected stress fracture or heart problem means no
    running until seen, whatever the level says)."""
    if level == "emergency":  # act first: the level's own words
        return RUNNING[level]
    if level == "urgent":  # the level's words, then what a rule adds (a femoral neck: weight)
        return " ".join((RUNNING[level], *own))
    if own:
        return " ".join(own)
    if red_flag and level == "see_doctor":
        return "Stop running until a doctor has checked this."
    return RUNNING[level]


# the deadlines a reason can give for seeing a doctor, the soonest first
DEADLINES = ("within days", "within a week", "within two weeks")


def level_advice(level_text: str, reasons: Sequence[str]) -> str:
    """The level's words with the soonest deadline the level's ``reasons`` give, where that
    is sooner than the level's own: "See a doctor within two weeks at the latest" stood above
    "stop running and see a doctor within a week" (a runner walk); the most prominent line
    never gives a later deadline than a reason under it."""
    own = next((d for d in DEADLINES if d in level_text), None)
    sooner = next((d for d in DEADLINES if any(d in r for r in reasons)), None)
    if own is None or sooner is None or DEADLINES.index(sooner) >= DEADLINES.index(own):
        return level_text
    return level_text.replace(own, sooner)


SO_FAR = "so far"


def stop_triage_open(chance: float, limit: float) -> str:
    return (
        f"Please answer a few more questions: the next answers have a {chance:.0%} chance "
        f"(more than {limit:.0%}) of changing what we advise."
    )


def base_rate_row(label: str, lo: float, hi: float, now: float) -> str:
    """A tornado row's name: the base rates as percentages to 3 significant figures (as the
    workbench enters them; a 0.2% rate stays visible)."""
    lo_s, hi_s, now_s = (f"{100 * x:.3g}%" for x in (lo, hi, now))
    # the cause without its parenthesis: "(and other popliteal causes in the young)" pushed
    # the numbers past the table's column (a physio walk)
    return f"Base rate of {inline_label(cause_name(label))}: {lo_s} to {hi_s} (now {now_s})"


def table_row(label: str, spread: float) -> str:
    return (
        f"P({inline_label(cause_name(label))} | medication) odds"
        f" \u00d7{1 - spread:g}/\u00d7{1 + spread:g}"
    )


def short_name(text: str, chars: int = 40) -> str:
    """A question's words short enough for a chart's row: cut at a word, with an ellipsis."""
    text = text.rstrip("?").strip()
    if len(text) <= chars:
        return text
    return text[: chars - 1].rsplit(" ", 1)[0].rstrip(",:;") + "\u2026"


def cause_name(label: str, chars: int = 32) -> str:
    """A cause's label for a table's narrow column: a long label without its closing
    parenthesis ("Popliteal artery entrapment (and other popliteal causes in the young)" is
    "Popliteal artery entrapment"); a short one, or one that is all parenthesis, as it is."""
    if len(label) <= chars or not label.endswith(")") or " (" not in label:
        return label
    head = label[: label.rindex(" (")].strip()
    return head or label


def link_row(label: str, finding: str, spread: float) -> str:
    """A tornado row's name for a link: the finding first (rows of one cause's links differ
    there, and a phone cuts the end of a long name), in the question's words."""
    name = short_name(finding)
    return (
        f"{name[:1].upper()}{name[1:]} \u2190 {inline_label(cause_name(label))}"
        f" odds \u00d7{1 - spread:g}/\u00d7{1 + spread:g}"
    )
