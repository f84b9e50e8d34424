"""Rank specialists for one person: hard filters, soft scores, and a reason for every point.

rank(specialists, needs, outcomes=None) -> list[Match], best first.

Hard filters (a specialist who fails one is not listed at all):
- accepting new clients;
- speaks the language the person requires;
- offers the format the person requires (online / in person; "both" fits either);
- fee within the person's budget, in the same currency, unless the specialist offers a
  sliding scale (then the fee is open to discussion, so the budget does not exclude them).

Soft scores (each point comes with a "why" line that states the fact it rests on):
- an approach the specialist offers has strong support (modalities.yaml) for one of the
  person's concerns, or is a reasonable option for it;
- the specialist offers the approach the person asked for, or the style they prefer
  (more structure, or more room to explore);
- the specialist lists the person's concern among those they treat;
- the check-up found the approach (modality_fit) or the therapist's scope (therapist_scope)
  may not fit: these findings add weight to approach fit and to treating the concern;
- measured outcomes (see docs/matching.md): per specialist and concern, the share of clients
  who reliably improved, shrunk toward the clinic's average for that concern with a beta
  prior worth K_PRIOR cases. Used, and shown, only when the specialist has at least
  MIN_CASES cases for that concern; below that the data neither ranks nor is displayed;
- identity: the specialist describes themself on their profile (opt-in, their own words
  from a fixed list; never guessed) as one of the things the person asked for;
- free consultation times: the caller works out, from the booking calendar, in which of
  the person's time bands (TIME_BANDS, in the person's own zone; see `time_bands`) each
  specialist has a free consultation in the next TIME_WINDOW_DAYS days, and passes those
  facts in. Times in a band the person asked for add points; a specialist with none in
  those bands is still listed, with a line that says so.

Ties are broken by name (case-insensitive) then id, so the same input always gives the same
order. Pure: no Django, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from therapycheck.core.checkup.modalities import Modalities, modalities

# Fewest cases (clients with a first and a later score) of one specialist for one concern
# before their measured outcome is used or shown. See docs/matching.md for the reasoning.
MIN_CASES = 10
# Strength of the prior, in cases: the clinic's average counts as K_PRIOR extra clients.
K_PRIOR = 10

# Points per kind of fit. Preferences and concern fit carry most of the weight; measured
# outcomes can move a specialist by a few points at most (OUTCOME_POINTS per 10 percentage
# points above or below the clinic average), so they refine rather than replace fit.
STRONG_FIT = 3.0
ALSO_USED_FIT = 1.0
PREFERRED_APPROACH = 3.0
PREFERRED_STYLE = 2.0
TREATS_CONCERN = 2.0
FINDING_BONUS = 1.0
OUTCOME_POINTS = 1.0
TIME_FIT = 2.0
# Per identity wish the specialist's own profile meets. A preference, never a filter: a
# specialist who says nothing about themself is listed as usual, and nothing is said of them.
IDENTITY_FIT = 2.0

# When a person can meet, in their own time zone. A free consultation belongs to a band
# when it starts in it: (weekdays, first hour, end hour), Monday = 0. Consultations starting
# before 06:00 or from 22:00 fall in no band.
TIME_BANDS: dict[str, tuple[frozenset[int], int, int]] = {
    "weekday_mornings": (frozenset(range(5)), 6, 12),
    "weekday_afternoons": (frozenset(range(5)), 12, 17),
    "weekday_evenings": (frozenset(range(5)), 17, 22),
    "weekends": (frozenset({5, 6}), 6, 22),
}
TIME_BAND_WORDS = {
    "weekday_mornings": "weekday mornings",
    "weekday_afternoons": "weekday afternoons",
    "weekday_evenings": "weekday evenings",
    "weekends": "weekends",
}
# How far ahead free consultation times are looked for (the why-lines say "2 weeks").
TIME_WINDOW_DAYS = 14

# Which approaches lean towards a clear plan, and which towards open exploration. Our own
# grouping from the approach descriptions in modalities.yaml; "integrative" fits neither.
STRUCTURED = frozenset(
    {
        "cbt",
        "trauma_focused_cbt",
        "emdr",
        "dbt",
        "ipt",
        "behavioural_activation",
        "act",
        "contingency_management",
        "applied_relaxation",
    }
)
EXPLORING = frozenset({"psychodynamic", "person_centred", "mentalization", "schema_therapy"})

FORMAT_WORDS = {"online": "online sessions", "in_person": "in-person sessions"}


@dataclass(frozen=True)
class Specialist:
    id: int
    name: str
    approaches: tuple[str, ...] = ()
    concerns: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    format: str = "online"  # "online", "in_person" or "both"
    fee: Decimal | None = None
    currency: str = "GBP"
    sliding_scale: bool = False
    accepting: bool = True
    # What the specialist chose to say about themself (identity ids; empty: nothing said).
    identities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Needs:
    concerns: tuple[str, ...] = ()
    approach: str | None = None
    style: str | None = None  # "structure", "exploring" or None
    language: str | None = None
    format: str | None = None  # "online", "in_person" or None (either)
    budget: Decimal | None = None
    currency: str = "GBP"
    # Check-up findings (factor ids), most important first.
    factors: tuple[str, ...] = ()
    # Display names for ids (concern and language labels); ids are shown when missing.
    labels: Mapping[str, str] = field(default_factory=dict)
    # When the person can meet (TIME_BANDS ids) and their IANA time zone, named in the
    # why-lines; the bands themselves are worked out by the caller (`time_bands`).
    times: tuple[str, ...] = ()
    time_zone: str = ""
    # Identity ids the person would prefer their specialist to be (names in `labels`).
    identity_wishes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cases:
    """One specialist's clients for one concern: how many, and how many reliably improved."""

    improved: int
    cases: int


@dataclass(frozen=True)
class Match:
    specialist_id: int
    name: str
    score: float
    why: tuple[str, ...]


def shrunk_rate(improved: int, cases: int, prior_mean: float, k: float = K_PRIOR) -> float:
    """Posterior mean of a beta-binomial with a Beta(k*m, k*(1-m)) prior: (s + k*m) / (n + k)."""
    if cases < 0 or improved < 0 or improved > cases:
        raise ValueError("improved must be between 0 and cases")
    if k <= 0 and cases == 0:
        raise ValueError("no cases and no prior")
    return (improved + k * prior_mean) / (cases + k)


def clinic_rates(outcomes: Mapping[tuple[int, str], Cases]) -> dict[str, float]:
    """The clinic's pooled reliable-improvement rate per concern, over every specialist."""
    totals: dict[str, list[int]] = {}
    for (_, concern), c in outcomes.items():
        pair = totals.setdefault(concern, [0, 0])
        pair[0] += c.improved
        pair[1] += c.cases
    return {concern: s / n for concern, (s, n) in totals.items() if n > 0}


def band_of(moment: dt.datetime, zone: ZoneInfo) -> str | None:
    """The TIME_BANDS id a consultation starting at `moment` falls in, on the person's clock.

    `moment` must be aware; converting it to the person's zone is what makes this right
    across daylight-saving changes in either side's zone."""
    if moment.tzinfo is None:
        raise ValueError("a consultation time must carry its time zone")
    local = moment.astimezone(zone)
    for band, (days, first, end) in TIME_BANDS.items():
        if local.weekday() in days and first <= local.hour < end:
            return band
    return None


def time_bands(starts: Iterable[dt.datetime], zone: ZoneInfo) -> frozenset[str]:
    """The bands (in the person's zone) in which at least one of these free times starts."""
    found = {band_of(start, zone) for start in starts}
    return frozenset(b for b in found if b is not None)


def _words(bands: Iterable[str]) -> str:
    names = [TIME_BAND_WORDS.get(b, b) for b in TIME_BANDS if b in set(bands)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _name(needs: Needs, key: str) -> str:
    return needs.labels.get(key, key.replace("_", " "))


def _money(amount: Decimal) -> str:
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"


def _passes(s: Specialist, needs: Needs) -> bool:
    if not s.accepting:
        return False
    if needs.language and needs.language not in s.languages:
        return False
    if needs.format and s.format not in (needs.format, "both"):
        return False
    # A fee is only comparable in its own currency; with no fee listed it cannot be said
    # to be within the budget. A sliding scale means the fee is open to agreement.
    if needs.budget is None or s.sliding_scale:
        return True
    return s.fee is not None and s.currency == needs.currency and s.fee <= needs.budget


def _approach_fit(
    s: Specialist, needs: Needs, m: Modalities, weight: float
) -> tuple[float, list[str]]:
    score, why = 0.0, []
    for concern in needs.concerns:
        fit = m.concerns.get(concern)
        if fit is None:
            continue
        strong = [a for a in fit.strong if a in s.approaches]
        also = [a for a in fit.also_used if a in s.approaches]
        concern_name = _name(needs, concern)
        if strong:
            names = ", ".join(m.approaches[a].name for a in strong)
            score += STRONG_FIT * weight
            why.append(
                f"Offers {names}, which has strong support for {concern_name} (your concern)"
            )
        elif also:
            names = ", ".join(m.approaches[a].name for a in also)
            score += ALSO_USED_FIT * weight
            why.append(f"Offers {names}, a reasonable option for {concern_name} (your concern)")
    return score, why


def _preferences(s: Specialist, needs: Needs, m: Modalities) -> tuple[float, list[str]]:
    score, why = 0.0, []
    if needs.approach and needs.approach in s.approaches:
        approach = m.approaches.get(needs.approach)
        name = approach.name if approach else needs.approach
        score += PREFERRED_APPROACH
        why.append(f"Offers {name}, as you asked")
    if needs.style in ("structure", "exploring"):
        group = STRUCTURED if needs.style == "structure" else EXPLORING
        offered = [a for a in s.approaches if a in group and a in m.approaches]
        if offered:
            names = ", ".join(m.approaches[a].name for a in offered)
            wanted = "more structure" if needs.style == "structure" else "more room to explore"
            score += PREFERRED_STYLE
            why.append(f"Offers {names}, which suits your wish for {wanted}")
    return score, why


def _logistics(s: Specialist, needs: Needs) -> list[str]:
    """Why-lines for the hard filters the specialist passed (they add no points)."""
    why = []
    if needs.language:
        why.append(f"Speaks {_name(needs, needs.language)}, as you asked")
    if needs.format:
        why.append(f"Offers {FORMAT_WORDS.get(needs.format, needs.format)}")
    if needs.budget is not None:
        budget = _money(needs.budget)
        if s.fee is not None and s.currency == needs.currency and s.fee <= needs.budget:
            why.append(f"Fee {_money(s.fee)} is within your budget of {budget}")
        elif s.sliding_scale:
            why.append("Offers a sliding scale, so the fee can be agreed to fit your budget")
    return why


def _outcome_fit(
    s: Specialist,
    needs: Needs,
    outcomes: Mapping[tuple[int, str], Cases],
    averages: Mapping[str, float],
) -> tuple[float, list[str]]:
    score, why = 0.0, []
    for concern in needs.concerns:
        cases = outcomes.get((s.id, concern))
        mean = averages.get(concern)
        # Below MIN_CASES the figure is too noisy to rank on and must not be shown.
        if cases is None or mean is None or cases.cases < MIN_CASES:
            continue
        rate = shrunk_rate(cases.improved, cases.cases, mean)
        score += OUTCOME_POINTS * (rate - mean) * 10
        why.append(
            f"In this clinic, {cases.improved} of {cases.cases} clients with "
            f"{_name(needs, concern)} reliably improved with this specialist "
            f"(adjusted estimate {rate:.0%}; clinic average {mean:.0%})"
        )
    return score, why


def _identity_fit(s: Specialist, needs: Needs) -> tuple[float, list[str]]:
    met = [i for i in needs.identity_wishes if i in s.identities]
    return IDENTITY_FIT * len(met), [
        f"Describes themself on their profile as {_name(needs, i)}, as you asked" for i in met
    ]


def _time_fit(
    s: Specialist, needs: Needs, free: Mapping[int, frozenset[str]]
) -> tuple[float, list[str]]:
    """Points and a line for free consultation times in the bands the person asked for.

    `free[s.id]` holds every band in which the specialist has a free time in the window;
    a specialist missing from `free` was not looked up, so nothing is said about them."""
    wanted = [b for b in TIME_BANDS if b in needs.times]
    bands = free.get(s.id)
    if not wanted or bands is None:
        return 0.0, []
    zone = f" ({needs.time_zone})" if needs.time_zone else ""
    weeks = f"the next {TIME_WINDOW_DAYS // 7} weeks"
    fits = [b for b in wanted if b in bands]
    if fits:
        return TIME_FIT, [
            f"Has free consultation times on {_words(fits)} in your time zone{zone} in {weeks}"
        ]
    if bands:
        return 0.0, [
            f"Has no free consultation times on {_words(wanted)} in your time zone{zone} "
            f"in {weeks} (free times at other hours; you could ask)"
        ]
    return 0.0, [f"Has no free consultation times to book here in {weeks}"]


def rank(
    specialists: Sequence[Specialist],
    needs: Needs,
    outcomes: Mapping[tuple[int, str], Cases] | None = None,
    *,
    free_times: Mapping[int, frozenset[str]] | None = None,
    modality_map: Modalities | None = None,
) -> list[Match]:
    """Specialists who pass the hard filters, best fit first, each with its reasons.

    `free_times`: specialist id -> the TIME_BANDS in which they have a free consultation
    in the next TIME_WINDOW_DAYS days, in the person's zone (empty: no free time at all)."""
    m = modality_map or modalities()
    outcomes = outcomes or {}
    averages = clinic_rates(outcomes)
    # A finding that the approach does not fit makes approach fit matter more; a finding
    # that the problem lies outside the therapist's scope makes "treats this" matter more.
    approach_weight = 1.0 + (FINDING_BONUS if "modality_fit" in needs.factors else 0.0)
    scope_bonus = FINDING_BONUS if "therapist_scope" in needs.factors else 0.0
    found = []
    for s in specialists:
        if not _passes(s, needs):
            continue
        score, why = _approach_fit(s, needs, m, approach_weight)
        if why and approach_weight > 1:
            why.append(
                "Your check-up found your current approach may not fit, so approach fit counts more"
            )
        more, lines = _preferences(s, needs, m)
        score, why = score + more, why + lines
        treated = [c for c in needs.concerns if c in s.concerns]
        for concern in treated:
            score += TREATS_CONCERN + scope_bonus
            why.append(f"Works with {_name(needs, concern)} (your concern)")
        if treated and scope_bonus:
            why.append(
                "Your check-up found your concern may be outside your current "
                "therapist's training, so this counts more"
            )
        more, lines = _identity_fit(s, needs)
        score, why = score + more, why + lines
        more, lines = _outcome_fit(s, needs, outcomes, averages)
        score, why = score + more, why + lines
        more, lines = _time_fit(s, needs, free_times or {})
        score, why = score + more, why + lines + _logistics(s, needs)
        if not why:
            why.append("Accepting new clients; nothing else you told us points either way")
        found.append(Match(s.id, s.name, round(score, 4), tuple(why)))
    found.sort(key=lambda x: (-x.score, x.name.casefold(), x.specialist_id))
    return found
