"""`therapycheck manage demo_clinic`: a demo clinic of made-up people (docs/clinic.md).

Creates, once, a clinic marked is_demo with a clinic admin, a supervisor, three clinicians
and twelve clients whose names say "(fictional)", each client with measures that show one
thing the caseload must catch: improving, recovered, no change after many sessions,
reliably worse, a risk answer on PHQ-9 item 9, an alliance drop, measures overdue. Run
again, it adds only what is missing; `--reset` makes the clinic anew with fresh dates.

Everyone has the same published password and the staff the same published authenticator
secret, so someone trying the demo can sign in as anyone. That is why the command only
runs in a demo (THERAPYCHECK_DEMO=1), which serves this computer alone.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Clinic, Enrolment, Membership, Role
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import JournalEntry
from therapycheck.web.tracking.services import save_measurement

CLINIC_SLUG = "riverside-demo"
CLINIC_NAME = "Riverside Demo Clinic"
# Published in docs/clinic.md: this is a demo that only this computer can reach.
DEMO_PASSWORD = "demo-clinic-2026"
# Base32, 160 bits: what an authenticator app asks for when the code is typed in.
DEMO_TOTP_SECRET = "THERAPYCHECKDEMOCLINICSTAFFTOTP2"
EMAIL_DOMAIN = "riverside.example.org"
OTPAUTH_URL = (
    f"otpauth://totp/therapycheck:demo-staff?secret={DEMO_TOTP_SECRET}&issuer=therapycheck"
)


@dataclass(frozen=True)
class DemoStaff:
    key: str
    name: str
    role: str
    supervisor: str | None = None

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("morgan.admin", "Morgan Admin (fictional)", Role.ADMIN),
    DemoStaff("sam.supervisor", "Sam Supervisor (fictional)", Role.SUPERVISOR),
    DemoStaff("ada.clinician", "Ada Clinician (fictional)", Role.CLINICIAN, "sam.supervisor"),
    DemoStaff("ben.clinician", "Ben Clinician (fictional)", Role.CLINICIAN, "sam.supervisor"),
    DemoStaff("cleo.clinician", "Cleo Clinician (fictional)", Role.CLINICIAN, "sam.supervisor"),
)


@dataclass(frozen=True)
class Series:
    """One instrument's totals, one per weekly session; the last `days_ago` days ago."""

    instrument: str
    totals: tuple[int, ...]
    days_ago: int = 3
    # PHQ-9 item 9 ("thoughts that you would be better off dead, or of hurting yourself")
    # in the latest answers: above 0 is a risk answer.
    last_item9: int = 0


@dataclass(frozen=True)
class DemoClient:
    key: str
    name: str
    clinician: str
    # What the caseload should show for them (docs/clinic.md lists the same).
    story: str
    series: tuple[Series, ...]
    country: str = "GB"
    share_measures: bool = True
    share_checkups: bool = True
    shared_journal: tuple[str, ...] = field(default=())

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        "alex",
        "Alex (fictional)",
        "ada.clinician",
        "improving (PHQ-9 20 to 13)",
        (Series("phq9", (20, 19, 17, 16, 14, 13)),),
        shared_journal=("Talked about sleep and a plan for mornings.",),
    ),
    DemoClient(
        "blake",
        "Blake (fictional)",
        "ada.clinician",
        "recovered (PHQ-9 18 to 6)",
        (Series("phq9", (18, 16, 15, 12, 10, 9, 7, 6)), Series("gad7", (14, 12, 9, 8, 6, 5, 5, 4))),
    ),
    DemoClient(
        "casey",
        "Casey (fictional)",
        "ada.clinician",
        "not improving after 9 sessions (PHQ-9 17 to 16)",
        (Series("phq9", (17, 16, 17, 15, 16, 17, 16, 15, 16)),),
        shared_journal=("Felt stuck. Hard to say what I want from therapy.",),
    ),
    DemoClient(
        "devon",
        "Devon (fictional)",
        "ada.clinician",
        "reliably worse (PHQ-9 10 to 18)",
        (Series("phq9", (10, 12, 13, 15, 18)),),
    ),
    DemoClient(
        "emery",
        "Emery (fictional)",
        "ben.clinician",
        "risk answer: PHQ-9 item 9 answered 'several days' at the latest session",
        (Series("phq9", (16, 15, 17), last_item9=1),),
        country="US",
    ),
    DemoClient(
        "finley",
        "Finley (fictional)",
        "ben.clinician",
        "alliance drop (WAI-SR 48 to 35) while PHQ-9 is still high",
        (Series("phq9", (15, 14, 15, 14)), Series("wai_sr", (46, 48, 44, 35))),
    ),
    DemoClient(
        "gray",
        "Gray (fictional)",
        "ben.clinician",
        "measures overdue (last one 5 weeks ago)",
        (Series("phq9", (14, 13, 12), days_ago=35),),
    ),
    DemoClient(
        "harper",
        "Harper (fictional)",
        "ben.clinician",
        "too early to tell (2 sessions)",
        (Series("gad7", (13, 12)),),
    ),
    DemoClient(
        "indigo",
        "Indigo (fictional)",
        "cleo.clinician",
        "anxiety improving (GAD-7 16 to 9)",
        (Series("gad7", (16, 14, 12, 11, 9)), Series("wai_sr", (44, 46, 47, 49))),
    ),
    DemoClient(
        "jordan",
        "Jordan (fictional)",
        "cleo.clinician",
        "no clear change so far (4 sessions)",
        (Series("phq9", (13, 12, 13, 11)),),
    ),
    DemoClient(
        "kai",
        "Kai (fictional)",
        "cleo.clinician",
        "shares check-up results but not measures: the caseload shows no scores",
        (Series("phq9", (12, 11, 10)),),
        share_measures=False,
    ),
    DemoClient(
        "lee",
        "Lee (fictional)",
        "ada.clinician",
        "recovered early (PHQ-9 12 to 4)",
        (Series("phq9", (12, 9, 6, 4)),),
        country="US",
    ),
)


def answers_for(instrument: str, total: int, item9: int = 0) -> list[int]:
    """Item answers adding up to `total`, spread evenly (PHQ-9 item 9 set on its own)."""
    if instrument == "wai_sr":
        # 12 items answered 1-5.
        items, low, high = 12, 1, 5
    else:
        items = {"phq9": 9, "gad7": 7}[instrument]
        low, high = 0, 3
    answers = [low] * items
    free = items - 1 if instrument == "phq9" else items
    if instrument == "phq9":
        answers[8] = item9
        total -= item9
    remaining = total - low * free
    if not 0 <= remaining <= free * (high - low):
        raise ValueError(f"{instrument} cannot add up to {total} with item 9 at {item9}")
    index = 0
    while remaining > 0:
        if answers[index % free] < high:
            answers[index % free] += 1
            remaining -= 1
        index += 1
    return answers


class Command(BaseCommand):
    help = "Create the demo clinic of fictional people (only with THERAPYCHECK_DEMO=1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo clinic and its fictional people, then make them anew.",
        )
        parser.add_argument(
            "--quiet-sign-ins",
            action="store_true",
            help="Do not print the sign-in details (accounts are still created).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "THERAPYCHECK_DEMO", False):
            raise CommandError(
                "demo_clinic only runs in a demo clinic (THERAPYCHECK_MODE=clinic and "
                "THERAPYCHECK_DEMO=1, as `therapycheck serve --mode clinic --demo` sets): "
                "its passwords are published and must never be in a real clinic's database"
            )
        with transaction.atomic():
            if options["reset"]:
                reset_demo()
            created = build_demo(today=timezone.localdate())
        if created:
            self.stdout.write(f"Made the demo clinic {CLINIC_NAME!r} with fictional people.")
        else:
            self.stdout.write(f"The demo clinic {CLINIC_NAME!r} is ready.")
        if not options["quiet_sign_ins"]:
            self.stdout.write(sign_in_help())


def reset_demo() -> None:
    """Delete the demo clinic and every account of its (fictional) people."""
    clinic = Clinic.objects.filter(slug=CLINIC_SLUG, is_demo=True).first()
    if clinic is None:
        return
    user_ids = list(clinic.members.values_list("user_id", flat=True))
    user_ids += list(
        Person.objects.filter(enrolment__clinic=clinic).values_list("user_id", flat=True)
    )
    get_user_model().objects.filter(pk__in=[pk for pk in user_ids if pk]).delete()
    Person.objects.filter(enrolment__clinic=clinic).delete()
    clinic.delete()


def build_demo(*, today: dt.date) -> bool:
    """Create whatever of the demo clinic is missing; True when anything was created."""
    clinic, created = Clinic.objects.get_or_create(
        slug=CLINIC_SLUG,
        defaults={"name": CLINIC_NAME, "is_demo": True, "measure_every_days": 7},
    )
    if not clinic.is_demo:
        raise CommandError(
            f"a clinic with the slug {CLINIC_SLUG!r} exists and is not a demo; not touching it"
        )
    # Hashed once for everyone: the password is published, and hashing it 17 times would
    # make the demo slow to start.
    password_hash = make_password(DEMO_PASSWORD)
    members: dict[str, Membership] = {}
    for staff in STAFF:
        member, made = _staff_member(clinic, staff, members, password_hash)
        members[staff.key] = member
        created = created or made
    for client in CLIENTS:
        created = (
            _client(clinic, client, members[client.clinician], today, password_hash) or created
        )
    return created


def _account(email: str, password_hash: str) -> tuple[Any, bool]:
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = user_model(username=email.split("@")[0], email=email)
    user.password = password_hash
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


def _staff_member(
    clinic: Clinic, staff: DemoStaff, members: dict[str, Membership], password_hash: str
) -> tuple[Membership, bool]:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    user, made = _account(staff.email, password_hash)
    supervisor = members.get(staff.supervisor) if staff.supervisor else None
    member, made_member = Membership.objects.get_or_create(
        user=user,
        defaults={
            "clinic": clinic,
            "role": staff.role,
            "display_name": staff.name,
            "supervisor": supervisor,
        },
    )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        # As allauth does when someone sets up their app: codes for a lost phone.
        RecoveryCodes.activate(user)
        made = True
    return member, made or made_member


def _client(
    clinic: Clinic,
    client: DemoClient,
    clinician: Membership,
    today: dt.date,
    password_hash: str,
) -> bool:
    user, made = _account(client.email, password_hash)
    person, made_person = Person.objects.get_or_create(
        user=user,
        defaults={
            "key": f"user-{user.pk}",
            "country": client.country,
            "display_name": client.name,
        },
    )
    Enrolment.objects.get_or_create(person=person, defaults={"clinic": clinic})
    if not made_person:
        return made
    for series in client.series:
        _measures(person, series, today)
    entries = [
        JournalEntry.objects.create(
            person=person,
            session_number=number,
            entry_date=today - dt.timedelta(days=7 * (len(client.shared_journal) - number) + 3),
            topics=text,
        )
        for number, text in enumerate(client.shared_journal, start=1)
    ]
    if entries:
        # One more entry the client keeps to themselves: the clinician never sees it.
        JournalEntry.objects.create(
            person=person,
            session_number=len(entries) + 1,
            entry_date=today - dt.timedelta(days=2),
            notes="A private note, not shared with anyone (fictional).",
        )
    started = timezone.now() - dt.timedelta(days=7 * 12)
    link = CareLink.objects.create(
        person=person,
        clinician=clinician,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLINICIAN,
        invite_email=client.email,
        share_measures=client.share_measures,
        share_checkups=client.share_checkups,
        created_at=started,
        accepted_at=started,
    )
    link.journal_entries.set(entries)
    return True


def _measures(person: Person, series: Series, today: dt.date) -> None:
    count = len(series.totals)
    for index, total in enumerate(series.totals):
        last = index == count - 1
        save_measurement(
            person,
            series.instrument,
            answers_for(series.instrument, total, series.last_item9 if last else 0),
            session_number=index + 1,
            taken_on=today - dt.timedelta(days=series.days_ago + 7 * (count - 1 - index)),
        )


def sign_in_help() -> str:
    """What someone trying the demo needs: who to sign in as, the password, the code."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    out = io.StringIO()
    out.write(f"\nEveryone below signs in with the password: {DEMO_PASSWORD}\n\nStaff:\n")
    for staff in STAFF:
        out.write(f"  {staff.email:<38} {staff.name}\n")
    out.write("Clients:\n")
    for client in CLIENTS:
        out.write(f"  {client.email:<38} {client.name}: {client.story}\n")
    out.write(
        "\nStaff also type a 6-digit code from an authenticator app. All demo staff share\n"
        f"this secret key; add it to your app by hand:\n  {DEMO_TOTP_SECRET}\n"
        "or scan this square code with the app:\n"
    )
    out.write(_qr_text(OTPAUTH_URL))
    code = format_hotp_value(
        hotp_value(DEMO_TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD)
    )
    out.write(
        f"No app at hand? The code right now is {code}. It changes every "
        f"{app_settings.TOTP_PERIOD} seconds; `therapycheck manage demo_clinic` prints a "
        "fresh one.\n"
    )
    return out.getvalue()


def _qr_text(data: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=2)
    qr.add_data(data)
    text = io.StringIO()
    qr.print_ascii(out=text, invert=True)
    return text.getvalue()
