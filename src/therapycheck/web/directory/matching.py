"""The web side of matching: turn a signed-in client's latest check-up and the preferences
they typed into `core.matching.Needs`, the listed profiles into `Specialist`s, and the
clinic's measurements into per-specialist, per-concern `Cases`.

Nothing here writes to the database: the preferences live only in the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from therapycheck.core import change
from therapycheck.core.matching import Cases, Match, Needs, Specialist, rank
from therapycheck.core.result import StoredResult
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.clinic.models import Enrolment, Membership, Role
from therapycheck.web.clinic.outcomes import counted_links
from therapycheck.web.directory import choices as c
from therapycheck.web.directory import services
from therapycheck.web.directory.models import SpecialistProfile
from therapycheck.web.tracking.models import Measurement

# The check-up's `wants_different` answer, read as a style preference when the person has
# not chosen one on the form.
STYLE_FROM_CHECKUP = {"more_practical": "structure", "more_exploring": "exploring"}


@dataclass(frozen=True)
class Ranked:
    match: Match
    profile: SpecialistProfile


def latest_checkup(person: Person) -> Checkup | None:
    return (
        Checkup.objects.filter(person=person, status=Checkup.Status.COMPLETED)
        .order_by("-completed_at", "-pk")
        .first()
    )


def _concerns(checkup: Checkup | None) -> tuple[str, ...]:
    if checkup is None:
        return ()
    raw = checkup.answer_map().get("concerns")
    known = dict(c.concern_choices())
    return (
        tuple(x for x in raw if isinstance(x, str) and x in known) if isinstance(raw, list) else ()
    )


def needs_for(checkup: Checkup | None, prefs: Mapping[str, Any]) -> Needs:
    """The person's needs: concerns and findings from the check-up, the rest from the form."""
    result: StoredResult | None = checkup.stored_result() if checkup else None
    style = prefs.get("style") or None
    if style is None and checkup is not None:
        style = STYLE_FROM_CHECKUP.get(str(checkup.answer_map().get("wants_different")))
    labels = {
        **{k: v.lower() for k, v in c.concern_choices()},
        **dict(c.LANGUAGE_CHOICES),
    }
    budget = prefs.get("budget")
    return Needs(
        concerns=_concerns(checkup),
        approach=prefs.get("approach") or None,
        style=style,
        language=prefs.get("language") or None,
        format=prefs.get("format") or None,
        budget=Decimal(budget) if budget is not None else None,
        currency=prefs.get("currency") or "GBP",
        factors=result.factors() if result is not None else (),
        labels=labels,
    )


def specialist_of(profile: SpecialistProfile) -> Specialist:
    return Specialist(
        id=profile.pk,
        name=profile.membership.display_name,
        approaches=tuple(profile.approaches or ()),
        concerns=tuple(profile.concerns or ()),
        languages=tuple(profile.languages or ()),
        format=profile.format,
        fee=profile.fee_per_session,
        currency=profile.currency,
        sliding_scale=profile.sliding_scale,
        accepting=profile.accepting_new_clients,
    )


def _improved(points: list[tuple[int, str, float]]) -> bool | None:
    """Whether a client's first and latest score (same instrument) show reliable
    improvement; None when there is no later score to compare."""
    if not points:
        return None
    points.sort()
    instrument = points[0][1]
    same = [p for p in points if p[1] == instrument]
    if len(same) < 2 or same[-1][0] == same[0][0]:
        return None
    try:
        found = change.compare(instrument, same[0][2], same[-1][2])
    except (KeyError, ValueError):
        return None
    return found.reliable and found.direction == "better"


def clinic_cases(clinician_ids: Iterable[int]) -> dict[tuple[int, str], Cases]:
    """(clinician membership id, concern) -> Cases, from the clinic's counted links.

    A case is a client linked to the clinician who shares measures, has a completed
    check-up naming the concern, and has a first and a later score on one instrument.
    """
    links = counted_links(clinician_ids)
    people = {p for _, p in links}
    points: dict[int, list[tuple[int, str, float]]] = {p: [] for p in people}
    for person, session, instrument, total in Measurement.objects.filter(
        person_id__in=people
    ).values_list("person_id", "session_number", "instrument", "total"):
        points[person].append((session, instrument, total))
    concerns: dict[int, tuple[str, ...]] = {}
    for checkup in Checkup.objects.filter(
        person_id__in=people, status=Checkup.Status.COMPLETED
    ).order_by("person_id", "-completed_at", "-pk"):
        concerns.setdefault(checkup.person_id, _concerns(checkup))
    counts: dict[tuple[int, str], list[int]] = {}
    for clinician, person in links:
        improved = _improved(points.get(person, []))
        if improved is None:
            continue
        for concern in concerns.get(person, ()):
            pair = counts.setdefault((clinician, concern), [0, 0])
            pair[0] += int(improved)
            pair[1] += 1
    return {key: Cases(improved=s, cases=n) for key, (s, n) in counts.items()}


def client_clinic_id(person: Person) -> int | None:
    enrolment = Enrolment.objects.filter(person=person).order_by("pk").first()
    return enrolment.clinic_id if enrolment is not None else None


def ranked_for(person: Person, prefs: Mapping[str, Any]) -> tuple[list[Ranked], Needs]:
    """Listed specialists ranked for `person`; outcomes only from the person's own clinic."""
    checkup = latest_checkup(person)
    needs = needs_for(checkup, prefs)
    profiles = {p.pk: p for p in services.listed()}
    clinic_id = client_clinic_id(person)
    outcomes: dict[tuple[int, str], Cases] = {}
    if clinic_id is not None:
        clinicians = Membership.objects.filter(clinic_id=clinic_id, role=Role.CLINICIAN)
        profile_of = {p.membership_id: p.pk for p in profiles.values()}
        by_member = clinic_cases(clinicians.values_list("pk", flat=True))
        # Keys become profile ids; a clinician with no listed profile still counts toward
        # the clinic average, under a key no listed specialist has.
        outcomes = {
            (profile_of.get(member, -member), concern): cases
            for (member, concern), cases in by_member.items()
        }
    matches = rank([specialist_of(p) for p in profiles.values()], needs, outcomes)
    return [Ranked(m, profiles[m.specialist_id]) for m in matches], needs
