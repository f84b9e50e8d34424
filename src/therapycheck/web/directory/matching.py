"""The web side of matching: turn the match form (filled from the client's latest check-up,
or from an uploaded summary, and checked by them) into `core.matching.Needs`, the listed
profiles into `Specialist`s, the clinic's measurements into per-specialist, per-concern
`Cases`, and the specialists' free consultation times (web/booking) into the time bands,
on the person's clock, in which each has a free time.

Nothing here writes to the database: the preferences live only in the request. (Looking
up free times lets booking release guest holds that have run out, as every view of free
times does.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from therapycheck.core import change, looking_for, scheduling
from therapycheck.core.matching import (
    TIME_WINDOW_DAYS,
    Cases,
    Match,
    Needs,
    Specialist,
    rank,
    time_bands,
)
from therapycheck.core.result import StoredResult
from therapycheck.core.safety import SafetyResponse
from therapycheck.web.accounts.models import Person
from therapycheck.web.booking import services as booking
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.checkups.presenters import current_safety
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


def checkup_crisis(checkup: Checkup | None, country: str | None) -> SafetyResponse | None:
    """The crisis response of a check-up that raised one, remade for the person's country
    with its own reasons and dangers (as its results page shows it); None otherwise."""
    result = checkup.stored_result() if checkup is not None else None
    if checkup is None or result is None or not result.crisis:
        return None
    return current_safety(checkup, country)


def _concerns(checkup: Checkup | None) -> tuple[str, ...]:
    if checkup is None:
        return ()
    raw = checkup.answer_map().get("concerns")
    known = dict(c.concern_choices())
    return (
        tuple(x for x in raw if isinstance(x, str) and x in known) if isinstance(raw, list) else ()
    )


def from_checkup(checkup: Checkup | None) -> dict[str, Any]:
    """What the check-up says for the match form: concerns, the findings matching uses,
    and a style read from the `wants_different` answer. The person can change all of it."""
    if checkup is None:
        return {}
    result: StoredResult | None = checkup.stored_result()
    factors = result.factors() if result is not None else ()
    style = STYLE_FROM_CHECKUP.get(str(checkup.answer_map().get("wants_different")), "")
    return {
        "concerns": list(_concerns(checkup)),
        "findings": [f for f in looking_for.FINDINGS if f in factors],
        "style": style,
    }


def needs_for(prefs: Mapping[str, Any]) -> Needs:
    """The person's needs, all from the form (which the check-up or a summary filled in)."""
    labels = {
        **{k: v.lower() for k, v in c.concern_choices()},
        **dict(c.LANGUAGE_CHOICES),
        **dict(c.IDENTITY_PHRASES),
    }
    budget = prefs.get("budget")
    return Needs(
        concerns=tuple(prefs.get("concerns") or ()),
        approach=prefs.get("approach") or None,
        style=prefs.get("style") or None,
        language=prefs.get("language") or None,
        format=prefs.get("format") or None,
        budget=Decimal(budget) if budget is not None else None,
        currency=prefs.get("currency") or "GBP",
        factors=tuple(prefs.get("findings") or ()),
        labels=labels,
        times=tuple(prefs.get("times") or ()),
        time_zone=prefs.get("time_zone") or "",
        identity_wishes=tuple(prefs.get("identity_wishes") or ()),
    )


def free_time_bands(
    profiles: Iterable[SpecialistProfile], zone_name: str, now: dt.datetime | None = None
) -> dict[int, frozenset[str]]:
    """Profile id -> the bands, on the person's clock, in which the specialist has a free
    consultation in the next TIME_WINDOW_DAYS days (read from web/booking; empty when they
    offer none). A specialist whose stored hours cannot be read counts as offering none."""
    zone = scheduling.load_zone(zone_name)
    now = now or timezone.now()
    found: dict[int, frozenset[str]] = {}
    for profile in profiles:
        member = profile.membership
        if not profile.offers_free_consultation or not booking.availability_of(member).is_open:
            found[profile.pk] = frozenset()
            continue
        try:
            slots = booking.free_slots(member, now=now, days=TIME_WINDOW_DAYS)
        except ValueError:
            slots = []
        # free_slots counts days on the specialist's calendar; keep exactly the window.
        end = now + dt.timedelta(days=TIME_WINDOW_DAYS)
        found[profile.pk] = time_bands((s.start for s in slots if s.start < end), zone)
    return found


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
        identities=tuple(profile.identities or ()),
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
    needs = needs_for(prefs)
    profiles = {p.pk: p for p in services.listed()}
    free = (
        free_time_bands(profiles.values(), needs.time_zone)
        if needs.times and needs.time_zone
        else None
    )
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
    matches = rank([specialist_of(p) for p in profiles.values()], needs, outcomes, free_times=free)
    return [Ranked(m, profiles[m.specialist_id]) for m in matches], needs
