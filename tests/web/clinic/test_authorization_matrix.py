"""The authorization matrix: every page of clinic mode x every persona, with the expected
answer, and no page ever showing a client's record to someone it is not shared with.

Personas, in column order: anonymous, client A (Alex), client B (Blake), A's clinician,
another clinician, a supervisor (of A's clinician), the clinic admin, another clinic's
admin. Every URL pattern of the clinic URLconf must have a row here (a new page fails
`test_every_page_is_in_the_matrix` until someone decides who may open it). The API's
operations have their own matrix over bearer tokens in tests/web/api/ (each operation x
the same personas); their URLs are listed here as token-only.

Expected answers: an HTTP status, LOGIN (a redirect to the sign-in page), or ANY_OK for
allauth's own account pages (which follow allauth's rules: never a server error, and
never a client's record). Runs on SQLite and on PostgreSQL (tests/web runs on both).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.web.clinic_personas import sign_in
from therapycheck.web.checkups.models import Checkup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

PERSONAS = (
    "anonymous",
    "client_a",
    "client_b",
    "clinician",
    "other_clinician",
    "supervisor",
    "clinic_admin",
    "other_clinic_admin",
)
LOGIN = "login"
ANY_OK = "any"  # allauth's own pages: no 5xx and no leak
TOKEN_ONLY = "token"  # the API: answered only with a bearer token (see tests/web/api)

# Words that only pages showing Alex's record may contain.
ALEX_NAME = "Alex (fictional)"
ALEX_SHARED_ENTRY = "Work stress"
ALEX_PRIVATE_NOTE = "PRIVATE NOTE"  # never shared: only Alex ever sees it


def _row(*codes: int | str) -> tuple[int | str, ...]:
    assert len(codes) == len(PERSONAS)
    return codes


# Who sees what. Columns: anon, A, B, A's clinician, other clinician, supervisor, admin,
# other clinic's admin. A's record: A, A's clinician and their supervisor; Blake's pages
# and objects are never opened here (the other clinician's side is tested in its app).
PERSONAL = _row(LOGIN, 200, 200, 403, 403, 403, 403, 403)
A_OBJECT = _row(LOGIN, 200, 404, 403, 403, 403, 403, 403)
CLIENT_ONLY = _row(LOGIN, 200, 200, 403, 403, 403, 403, 403)
STAFF_CLINICAL = _row(LOGIN, 403, 403, 200, 200, 200, 403, 403)
A_RECORD_STAFF = _row(LOGIN, 403, 403, 200, 404, 200, 403, 403)

EXPECTED: dict[str, tuple[int | str, ...]] = {
    # --- public
    "pages:help": _row(200, 200, 200, 200, 200, 200, 200, 200),
    "pages:learn": _row(200, 200, 200, 200, 200, 200, 200, 200),
    "pages:learn_page": _row(200, 200, 200, 200, 200, 200, 200, 200),
    "fhir_metadata": _row(200, 200, 200, 200, 200, 200, 200, 200),
    # --- the client's own record (personal mode's pages, behind sign-in)
    "pages:home": _row(LOGIN, 200, 200, 302, 302, 302, 302, 302),
    "pages:settings": PERSONAL,
    "accounts:acknowledge_crisis": _row(LOGIN, 302, 302, 403, 403, 403, 403, 403),
    "tracking:measures": PERSONAL,
    "tracking:check_in": PERSONAL,
    # A calendar file of reminder dates: nothing of anyone's record in it.
    "tracking:reminders": _row(LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "tracking:measurement": A_OBJECT,
    "tracking:measurement_edit": A_OBJECT,
    "tracking:measurement_delete": A_OBJECT,
    "tracking:measurement_new": PERSONAL,
    "tracking:progress": PERSONAL,
    "tracking:journal": PERSONAL,
    "tracking:journal_new": PERSONAL,
    "tracking:journal_edit": A_OBJECT,
    "tracking:journal_delete": A_OBJECT,
    "tracking:check_in_done": _row(LOGIN, 404, 404, 403, 403, 403, 403, 403),
    "checkups:start": PERSONAL,
    "checkups:quick": PERSONAL,
    # Alex's check-up is finished: its quick-check pages and steps lead to the results.
    "checkups:quick_more": _row(LOGIN, 302, 404, 403, 403, 403, 403, 403),
    "checkups:quick_answer": A_OBJECT,
    "checkups:results": A_OBJECT,
    "checkups:print": A_OBJECT,
    "checkups:delete": A_OBJECT,
    "checkups:add_scores": A_OBJECT,
    "checkups:step": _row(LOGIN, 302, 404, 403, 403, 403, 403, 403),
    "reports:report": PERSONAL,
    "reports:print": PERSONAL,
    "reports:pdf": PERSONAL,
    "exchange:home": PERSONAL,
    "exchange:export_fhir": PERSONAL,
    "exchange:export_csv": PERSONAL,
    # A GET of the upload address goes back to the data page (which refuses staff).
    "exchange:import": _row(LOGIN, 302, 302, 302, 302, 302, 302, 302),
    "exchange:import_confirm": _row(LOGIN, 302, 302, 403, 403, 403, 403, 403),
    "exchange:import_cancel": _row(LOGIN, 302, 302, 403, 403, 403, 403, 403),
    "exchange:delete": PERSONAL,
    "exchange:deleted": _row(200, 200, 200, 200, 200, 200, 200, 200),
    # --- sharing (consent)
    "sharing:home": CLIENT_ONLY,
    "sharing:invite_clinician": _row(LOGIN, 400, 400, 403, 403, 403, 403, 403),
    "sharing:close_invitation": _row(LOGIN, 302, 404, 403, 403, 403, 403, 403),
    "sharing:change": A_OBJECT,
    "sharing:stop": A_OBJECT,
    "sharing:accept": _row(200, 200, 403, 403, 403, 403, 403, 403),
    "sharing:clinician_invitations": _row(LOGIN, 403, 403, 200, 200, 403, 403, 403),
    "sharing:withdraw": _row(LOGIN, 403, 403, 302, 404, 403, 403, 403),
    # An empty answer (neither accept nor decline) goes back to the list for any clinician.
    "sharing:clinician_answer": _row(LOGIN, 403, 403, 302, 302, 403, 403, 403),
    # --- the clinic
    "clinic:home": _row(LOGIN, 302, 302, 302, 302, 302, 302, 302),
    "clinic:caseload": STAFF_CLINICAL,
    "clinic:client": A_RECORD_STAFF,
    "clinic:alert_action": _row(LOGIN, 403, 403, 400, 404, 400, 403, 403),
    "clinic:outcomes": _row(LOGIN, 403, 403, 200, 200, 200, 200, 200),
    "clinic:outcomes_csv": _row(LOGIN, 403, 403, 200, 200, 200, 200, 200),
    "clinic:admin_home": _row(LOGIN, 403, 403, 403, 403, 403, 200, 200),
    # The clinician's membership: their own clinic's admin may change it, nobody else.
    "clinic:admin_staff_change": _row(LOGIN, 403, 403, 403, 403, 403, 200, 404),
    "audit:log": _row(LOGIN, 403, 403, 403, 403, 403, 200, 200),
    "reviews:my_agreement": CLIENT_ONLY,
    "reviews:client": A_RECORD_STAFF,
    "reviews:send_checkup": _row(LOGIN, 403, 403, 302, 404, 302, 403, 403),
    "reviews:agreement_edit": A_RECORD_STAFF,
    # --- measure requests: the clinician's pages, and the client's signed link
    "measurerequests:list": STAFF_CLINICAL,
    "measurerequests:new": A_RECORD_STAFF,
    # Only whoever sent a request opens or cancels it.
    "measurerequests:show": _row(LOGIN, 403, 403, 200, 404, 404, 403, 403),
    "measurerequests:cancel": _row(LOGIN, 403, 403, 302, 404, 404, 403, 403),
    "measurerequests:answer": _row(200, 200, 200, 200, 200, 200, 200, 200),
    "measurerequests:done": _row(410, 410, 410, 410, 410, 410, 410, 410),
    # --- free consultations (booking): the clinician's pages, the public times and links
    "booking:list": _row(LOGIN, 200, 200, 200, 200, 403, 403, 403),
    "booking:availability": _row(LOGIN, 403, 403, 200, 200, 403, 403, 403),
    "booking:detail": _row(LOGIN, 403, 403, 200, 404, 403, 403, 403),
    "booking:outcome": _row(LOGIN, 403, 403, 302, 404, 403, 403, 403),
    "booking:clinician_cancel": _row(LOGIN, 403, 403, 302, 404, 403, 403, 403),
    "booking:notes": _row(LOGIN, 403, 403, 302, 404, 403, 403, 403),
    # Personal mode only: a clinic server has no "what I'm looking for" page.
    "looking_for:summary": _row(LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "booking:use_notes": _row(LOGIN, 403, 403, 302, 404, 403, 403, 403),
    "booking:slots": _row(200, 200, 200, 200, 200, 200, 200, 200),
    # Without a chosen time the booking page shows the free times; staff never book.
    "booking:book": _row(200, 200, 200, 403, 403, 403, 403, 403),
    "booking:check_email": _row(404, 404, 404, 404, 404, 404, 404, 404),
    "booking:verify": _row(200, 200, 200, 200, 200, 200, 200, 200),
    "booking:manage": _row(200, 200, 200, 200, 200, 200, 200, 200),
    # The first post cancels the guest's booking; every later one finds it cancelled.
    "booking:cancel": _row(302, 302, 302, 302, 302, 302, 302, 302),
    # Reached after the cancel row: a cancelled booking cannot be moved (back to its page).
    "booking:move": _row(302, 302, 302, 302, 302, 302, 302, 302),
    # --- the specialists' directory: public pages, the clinician's own profile, the
    # clinic admin's verification (another clinic's profile: not found)
    "directory:directory": _row(200, 200, 200, 200, 200, 200, 200, 200),
    "directory:profile": _row(200, 200, 200, 200, 200, 200, 200, 200),
    # No photo in this world (the photo itself: tests/web/directory/test_access.py).
    "directory:photo": _row(404, 404, 404, 404, 404, 404, 404, 404),
    "directory:edit_mine": _row(LOGIN, 403, 403, 200, 200, 403, 403, 403),
    "directory:verify_list": _row(LOGIN, 403, 403, 403, 403, 403, 200, 200),
    "directory:verify": _row(LOGIN, 403, 403, 403, 403, 403, 200, 404),
    # Matching from the client's own check-up: clients only.
    "directory:match": _row(LOGIN, 200, 200, 403, 403, 403, 403, 403),
    # --- API tokens (the page) and FHIR (bearer tokens only)
    "api:tokens": _row(LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "api:revoke": _row(LOGIN, 302, 404, 404, 404, 404, 404, 404),
}


# ----------------------------------------------------------------------------- the walk


@dataclass(frozen=True)
class Page:
    name: str
    route: str


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[Page]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = ":".join(part for part in (ns, entry.namespace or "") if part)
            yield from _walk(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            name = f"{ns}:{entry.name}" if ns and entry.name else (entry.name or "")
            yield Page(name, prefix + str(entry.pattern))


def clinic_pages() -> list[Page]:
    return list(_walk(get_resolver("therapycheck.web.urls_clinic")))


def _kind(page: Page) -> str:
    if page.route.startswith("accounts/"):
        return ANY_OK
    if page.route.startswith(("api/v1/", "fhir/")) and page.name != "api:fhir_metadata":
        return TOKEN_ONLY
    if page.name == "static":
        return "static"
    return "matrix"


def _key(page: Page) -> str:
    return page.name.removeprefix("api:") if page.name.startswith("api:fhir") else page.name


def test_every_page_is_in_the_matrix() -> None:
    missing = sorted(
        {_key(p) for p in clinic_pages() if _kind(p) == "matrix"} - set(EXPECTED),
    )
    assert not missing, f"decide who may open these pages and add them to EXPECTED: {missing}"


# ---------------------------------------------------------------------- the objects


@dataclass
class World:
    people: dict[str, Any]
    args: dict[str, dict[str, Any]]


@pytest.fixture
def world(
    client_a: Any,
    client_b: Any,
    clinician: Any,
    other_clinician: Any,
    supervisor: Any,
    clinic_admin: Any,
    other_clinic_admin: Any,
) -> World:
    from therapycheck.web.api.tokens import create_token
    from therapycheck.web.booking import services as booking
    from therapycheck.web.booking.models import Availability
    from therapycheck.web.measurerequests.services import answer_url, create_request
    from therapycheck.web.sharing.models import CareLink, ClientInvitation
    from therapycheck.web.sharing.services import make_token

    alex = client_a.person
    now = timezone.now()
    checkup = Checkup.objects.create(
        person=alex,
        status=Checkup.Status.COMPLETED,
        answers={"answers": {}, "measures": {}},
        started_at=now,
        updated_at=now,
        completed_at=now,
    )
    # An invitation the clinician sent to Alex's address (the accept link's token), one
    # from Blake waiting for the clinician, and one Alex sent.
    invited = CareLink.objects.create(
        person=None,
        clinician=clinician.membership,
        invited_by=CareLink.InvitedBy.CLINICIAN,
        invite_email=client_a.email,
    )
    waiting = CareLink.objects.create(
        person=client_b.person,
        clinician=clinician.membership,
        invited_by=CareLink.InvitedBy.CLIENT,
    )
    sent = ClientInvitation.objects.create(person=alex, email="someone@example.org")
    request = create_request(clinician, alex, instruments=["phq9"], base_url="http://testserver")
    # A second request, still open when the matrix reaches its link (the first is
    # cancelled on the way, by the cancel page's row).
    to_answer = create_request(clinician, alex, instruments=["gad7"], base_url="http://testserver")
    token = create_token(client_a, "matrix", ["measures:read"], 30)
    answer = answer_url(to_answer)
    answer_token = answer.rstrip("/").rsplit("/", 1)[-1]
    # A consultation Alex booked with the clinician, and a guest's, held for its email link.
    Availability.objects.create(
        clinician=clinician.membership,
        weekly=[{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)],
    )
    free = booking.free_slots(clinician.membership)
    alex_booking = booking.book(
        clinician.membership, free[0].start, person=alex, base_url="http://testserver/"
    )
    guest_booking = booking.book(
        clinician.membership,
        free[2].start,
        guest=booking.Guest("Gale (fictional)", "gale@example.org"),
        base_url="http://testserver/",
    )
    from therapycheck.web.directory.models import SpecialistProfile

    profile = SpecialistProfile.objects.create(
        membership=clinician.membership, profession="Counsellor", published=True
    )
    args: dict[str, dict[str, Any]] = {
        "pages:learn_page": {"slug": _a_learn_slug()},
        "tracking:measurement": {"pk": alex.measurements.first().pk},
        "tracking:measurement_edit": {"pk": alex.measurements.first().pk},
        "tracking:measurement_delete": {"pk": alex.measurements.first().pk},
        "tracking:measurement_new": {"instrument_id": "phq9"},
        "tracking:journal_edit": {"pk": alex.journal_entries.first().pk},
        "tracking:journal_delete": {"pk": alex.journal_entries.first().pk},
        "tracking:check_in_done": {"group": "7d0e2f4c-1111-4222-8333-944455556666"},
        "checkups:quick_more": {"pk": checkup.pk},
        "checkups:quick_answer": {"pk": checkup.pk},
        "checkups:results": {"pk": checkup.pk},
        "checkups:print": {"pk": checkup.pk},
        "checkups:delete": {"pk": checkup.pk},
        "checkups:add_scores": {"pk": checkup.pk},
        "checkups:step": {"pk": checkup.pk, "kind": "section", "ref": "about"},
        "sharing:close_invitation": {"pk": sent.pk},
        "sharing:change": {"pk": alex.care_links.get(status="active").pk},
        "sharing:stop": {"pk": alex.care_links.get(status="active").pk},
        "sharing:accept": {"token": make_token(invited)},
        "sharing:withdraw": {"pk": invited.pk},
        "sharing:clinician_answer": {"pk": waiting.pk},
        "clinic:client": {"person_id": alex.pk},
        "clinic:alert_action": {"person_id": alex.pk},
        "reviews:client": {"person_id": alex.pk},
        "reviews:send_checkup": {"person_id": alex.pk},
        "reviews:agreement_edit": {"person_id": alex.pk},
        "measurerequests:new": {"person_id": alex.pk},
        "measurerequests:show": {"pk": request.pk},
        "measurerequests:cancel": {"pk": request.pk},
        "measurerequests:answer": {"token": answer_token},
        "measurerequests:done": {"token": answer_token},
        "api:revoke": {"pk": token.token.pk},
        "clinic:admin_staff_change": {"pk": clinician.membership.pk},
        "booking:detail": {"pk": alex_booking.pk},
        "booking:outcome": {"pk": alex_booking.pk},
        "booking:clinician_cancel": {"pk": alex_booking.pk},
        "booking:notes": {"pk": alex_booking.pk},
        "booking:use_notes": {"pk": alex_booking.pk},
        "booking:slots": {"member_id": clinician.membership.pk},
        "booking:book": {"member_id": clinician.membership.pk},
        "booking:verify": {"token": booking.token_for(guest_booking, "verify")},
        "booking:manage": {"token": booking.token_for(guest_booking, "manage")},
        "booking:cancel": {"token": booking.token_for(guest_booking, "manage")},
        "booking:move": {"token": booking.token_for(guest_booking, "manage")},
        "directory:profile": {"pk": profile.pk},
        "directory:photo": {"pk": profile.pk},
        "directory:verify": {"pk": profile.pk},
    }
    people = {
        "anonymous": None,
        "client_a": client_a,
        "client_b": client_b,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "supervisor": supervisor,
        "clinic_admin": clinic_admin,
        "other_clinic_admin": other_clinic_admin,
    }
    return World(people, args)


def _a_learn_slug() -> str:
    from therapycheck.web.pages.learn import LEARN_PAGES

    return LEARN_PAGES[0].slug


def _url(page: Page, args: dict[str, Any]) -> str:
    route = page.route
    # Regular-expression routes (allauth's, the check-up step): named groups take the
    # sample value, or a harmless placeholder for allauth's keys.
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(args.get(m.group(1), "x1")), route)
    route = route.replace("^", "").replace("$", "")
    for name, value in args.items():
        route = re.sub(rf"<(?:\w+:)?{name}>", str(value), route)
    assert "<" not in route, f"no sample arguments for {page.name} ({page.route})"
    return "/" + route


def _answer(response: Any) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return LOGIN
    return int(response.status_code)


def _open_as(user: Any) -> Client:
    client = Client()
    return client if user is None else sign_in(client, user)


SEES_ALEX = {"client_a", "clinician", "supervisor"}


def _check_no_leak(persona: str, page: Page, body: str, failures: list[str]) -> None:
    if persona != "client_a" and ALEX_PRIVATE_NOTE in body:
        failures.append(f"{page.name} shows Alex's private journal note to {persona}")
    # The clinic admin's audit log names whose record was opened (who looked at whom is
    # what the log is for); it shows nothing of the record itself.
    log_names = page.name == "audit:log" and persona == "clinic_admin"
    shown = ALEX_NAME in body or ALEX_SHARED_ENTRY in body
    if persona not in SEES_ALEX and shown and not log_names:
        failures.append(f"{page.name} shows Alex's record to {persona}")


# Pages that only take a form post: sent an empty post (which changes nothing: each view
# checks who may act before it reads the form, and an empty form is refused).
POST_ONLY = {
    "booking:notes",
    "booking:use_notes",
    "accounts:acknowledge_crisis",
    "checkups:add_scores",
    "clinic:alert_action",
    "clinic:admin_staff_change",
    "sharing:invite_clinician",
    "sharing:close_invitation",
    "sharing:withdraw",
    "sharing:clinician_answer",
    "measurerequests:cancel",
    "reviews:send_checkup",
    "exchange:import_confirm",
    "exchange:import_cancel",
    "api:revoke",
    "booking:outcome",
    "booking:clinician_cancel",
    "booking:cancel",
}


def _requests(world: World) -> Iterator[tuple[Page, str, Callable[[], Any]]]:
    for page in clinic_pages():
        kind = _kind(page)
        if kind in ("static", TOKEN_ONLY):
            continue
        url = _url(page, world.args.get(_key(page), {}))
        post = _key(page) in POST_ONLY
        for persona in PERSONAS:
            user = world.people[persona]
            if post:
                yield page, persona, (lambda u=user, url=url: _open_as(u).post(url, {}))
            else:
                yield page, persona, (lambda u=user, url=url: _open_as(u).get(url))


def test_every_persona_gets_the_expected_answer_on_every_page_and_sees_nothing_else(
    world: World,
) -> None:
    failures: list[str] = []
    for page, persona, fetch in _requests(world):
        response = fetch()
        got = _answer(response)
        body = response.content.decode(errors="replace") if got == 200 else ""
        if _kind(page) == ANY_OK:
            if response.status_code >= 500:
                failures.append(f"{page.route} as {persona}: {response.status_code}")
        else:
            wanted = EXPECTED[_key(page)][PERSONAS.index(persona)]
            if got != wanted:
                failures.append(f"{page.name} as {persona}: got {got}, expected {wanted}")
        _check_no_leak(persona, page, body, failures)
    assert not failures, "\n".join(failures)


def test_the_api_and_fhir_answer_nobody_without_a_token(world: World) -> None:
    failures = []
    for page in clinic_pages():
        if _kind(page) != TOKEN_ONLY or page.name == "api:v1:openapi-json":
            continue
        route = re.sub(r"<(?:\w+:)?\w+>", "1", page.route)
        for persona in PERSONAS:
            status = _open_as(world.people[persona]).get("/" + route).status_code
            if status not in (401, 404, 405):
                failures.append(f"/{route} as {persona} (session, no token): {status}")
    assert not failures, "\n".join(failures)


def test_a_risk_answer_never_reaches_someone_it_is_not_shared_with(
    world: World, client_a_at_risk: Any
) -> None:
    # Alex stops sharing: the caseload and Alex's record must show nothing any more.
    client_a_at_risk.person.care_links.update(status="ended", ended_at=dt.datetime.now(dt.UTC))
    clinician = _open_as(world.people["clinician"])
    assert ALEX_NAME not in clinician.get("/clinic/caseload/").content.decode()
    assert clinician.get(f"/clinic/clients/{client_a_at_risk.person.pk}/").status_code == 404
