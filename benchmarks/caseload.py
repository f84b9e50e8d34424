"""The caseload page for 1,000 clients with 20 measurements each, on PostgreSQL.

    THERAPYCHECK_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:55432/therapycheck \\
        .venv/bin/python benchmarks/caseload.py                # about a minute
    .venv/bin/python benchmarks/caseload.py --clients 200 --requests 10 --json

The server comes from THERAPYCHECK_BENCH_POSTGRES_URL (or DATABASE_URL). The script makes
its own database on that server (`therapycheck_bench`, or --database, whose name must end
in "bench"), migrates it, fills it and drops it at the end (unless --keep); no other
database is touched. Setup uses bulk_create: 1,000 fictional clients, each with an active
care link (sharing measures and check-ups) to one clinician, and 20 measurements (PHQ-9
and GAD-7 at 10 weekly sessions, scored by core.scoring; drifting scores, a few risk
answers, some clients behind on their measures).

Then the clinician's caseload page (`clinic:caseload`, clinic mode settings, signed in
through Django's test client, so middleware, template and audit log writes all count)
is requested again and again. Printed: the first request on its own (it fits the
clinic's expected-response models, which later requests reuse for a day), the median
and 95th percentile of the rest, the SQL queries per request (CaptureQueriesContext)
for the full caseload and for a second clinician with 10 of the same clients (the same
count means no query per client), and the median in reference loops (benchmarks/_common.py)
so a slower machine can be told apart from slower code. If the page's URL does not
exist, `therapycheck.web.clinic.caseload.caseload(user, today=...)` is timed instead.
`--profile` adds a cProfile of one request (on stderr). Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine

DEFAULT_DATABASE = "therapycheck_bench"
SESSIONS = 10  # x (PHQ-9 + GAD-7) = 20 measurements per client
SMALL_CASELOAD = 10


def server_url() -> str:
    url = os.environ.get("THERAPYCHECK_BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    if not url or urlsplit(url).scheme not in ("postgres", "postgresql"):
        raise SystemExit(
            "set THERAPYCHECK_BENCH_POSTGRES_URL (or DATABASE_URL) to a PostgreSQL server, "
            "e.g. postgres://postgres@127.0.0.1:55432/therapycheck"
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin_sql(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE from the server's maintenance database (`postgres`)."""
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


@contextmanager
def bench_database(url: str, name: str, *, keep: bool) -> Iterator[str]:
    if not name.endswith("bench") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing database name {name!r}: it must end in 'bench'")
    if urlsplit(url).path.lstrip("/") == name:
        raise SystemExit(f"{name} is the database of the URL given; name another one")
    _admin_sql(url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin_sql(url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            _admin_sql(url, f'DROP DATABASE IF EXISTS "{name}"')


def set_up_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # The test settings: production settings with a throwaway data folder.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _series(rng: random.Random, start: int, top: int) -> list[int]:
    score, found = start, []
    for _ in range(SESSIONS):
        score = max(0, min(top, score + rng.randint(-3, 2)))
        found.append(score)
    return found


def _answers(total: int, size: int, risk: int = 0) -> list[int]:
    items, left = [], total - risk
    for _ in range(size - (1 if size == 9 else 0)):
        items.append(min(3, left))
        left -= items[-1]
    return [*items, risk] if size == 9 else items


def build(n_clients: int, today: dt.date, seed: int) -> dict[str, Any]:
    """The clinic, its clinicians and the clients' measurements (bulk inserts)."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model

    from therapycheck.core import scoring
    from therapycheck.core.instruments import get_instrument
    from therapycheck.web.accounts.models import Person
    from therapycheck.web.clinic.models import Clinic, Enrolment, Membership
    from therapycheck.web.sharing.models import CareLink
    from therapycheck.web.tracking.models import Measurement

    rng = random.Random(seed)
    clinic = Clinic.objects.create(name="Benchmark Clinic", slug="bench", is_demo=True)
    users = {}
    for key, name in (("full", "Full Caseload"), ("small", "Small Caseload")):
        user = get_user_model().objects.create_user(username=key, email=f"{key}@example.org")
        Membership.objects.create(user=user, clinic=clinic, role="clinician", display_name=name)
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # past the MFA set-up page
        users[key] = user
    people = Person.objects.bulk_create(
        Person(key=f"bench-{n}", country="GB", display_name=f"Client {n:04d} (fictional)")
        for n in range(n_clients)
    )
    Enrolment.objects.bulk_create(Enrolment(person=p, clinic=clinic) for p in people)
    accepted = dt.datetime.combine(today - dt.timedelta(weeks=30), dt.time(), dt.UTC)
    links = [
        CareLink(
            person=person,
            clinician=users[key].membership,
            status=CareLink.Status.ACTIVE,
            invited_by=CareLink.InvitedBy.CLIENT,
            accepted_at=accepted,
        )
        for key, group in (("full", people), ("small", people[:SMALL_CASELOAD]))
        for person in group
    ]
    CareLink.objects.bulk_create(links)
    phq, gad = get_instrument("phq9"), get_instrument("gad7")
    rows = []
    for person in people:
        # Most are measured up to this week; one in five stopped a few weeks ago (overdue).
        last = today - dt.timedelta(weeks=rng.choice((0, 0, 0, 0, rng.randint(3, 8))))
        risky = rng.random() < 0.03
        for instrument, size, totals in (
            (phq, 9, _series(rng, rng.randint(8, 24), 24)),
            (gad, 7, _series(rng, rng.randint(6, 21), 21)),
        ):
            for session, total in enumerate(totals, start=1):
                risk = 1 if risky and instrument is phq and session == SESSIONS else 0
                result = scoring.score(instrument, _answers(total, size, risk))
                rows.append(
                    Measurement(
                        person=person,
                        instrument=instrument.id,
                        session_number=session,
                        taken_on=last - dt.timedelta(weeks=SESSIONS - session),
                        answers=list(result.answers),
                        total=float(result.total),
                        band=result.band.label if result.band is not None else "",
                        flags=list(result.flags),
                        subscales=dict(result.subscales),
                    )
                )
    Measurement.objects.bulk_create(rows, batch_size=2000)
    return {"users": users, "measurements": len(rows)}


def page_or_function(user: Any, today: dt.date) -> tuple[str, Callable[[], object]]:
    """A request to clinic:caseload when that URL exists, else the caseload function."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("clinic:caseload")
    except NoReverseMatch:
        from therapycheck.web.clinic.caseload import caseload

        return "caseload(user, today) (no clinic:caseload URL yet)", lambda: caseload(
            user, today=today
        )
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")

    def request() -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    return f"GET {url}", request


def measure(call: Callable[[], object], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds, queries = [], []
    for _ in range(repeat + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
        queries.append(len(captured.captured_queries))
    first, rest = seconds[0], sorted(seconds[1:])
    p95 = rest[min(len(rest) - 1, max(0, round(0.95 * len(rest)) - 1))]
    return {
        "first_ms": round(first * 1000, 1),
        "median_ms": round(statistics.median(rest) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "queries_first": queries[0],
        "queries_per_request": sorted(set(queries[1:])),
    }


def profile(call: Callable[[], object], top: int = 30) -> str:
    """cProfile of one call: the functions with the most cumulative time, then own time."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(call)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30, help="timed after the first")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="made and dropped here")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--profile", action="store_true", help="where one request spends time")
    args = parser.parse_args()
    url = server_url()
    reference = machine()
    with bench_database(url, args.database, keep=args.keep) as database_url:
        set_up_django(database_url)
        from django.test.utils import override_settings
        from django.utils import timezone

        from therapycheck.web.settings import for_mode

        # The test client's host name; nothing else differs from clinic mode's settings.
        with override_settings(**for_mode("clinic"), ALLOWED_HOSTS=["testserver"]):
            today = timezone.localdate()
            started = time.perf_counter()
            built = build(args.clients, today, args.seed)
            setup_seconds = time.perf_counter() - started
            what, full = page_or_function(built["users"]["full"], today)
            full_caseload = measure(full, args.requests)
            _, small = page_or_function(built["users"]["small"], today)
            small_caseload = measure(small, max(3, args.requests // 5))
            if args.profile:
                print(profile(full), file=sys.stderr)
    loops = reference["reference_loops_per_second"]
    result = {
        "what": what,
        "clients": args.clients,
        "measurements": built["measurements"],
        "setup_seconds": round(setup_seconds, 1),
        "full_caseload": full_caseload,
        f"caseload_of_{SMALL_CASELOAD}": small_caseload,
        "median_in_reference_loops": round(full_caseload["median_ms"] / 1000 * loops),
        "machine": reference,
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    _print(result)


def _print(result: dict[str, Any]) -> None:
    full, small = result["full_caseload"], result[f"caseload_of_{SMALL_CASELOAD}"]
    m = result["machine"]
    print(
        f"machine: {m['cores']} cores, Python {m['python']}, load {m['load']:.2f}, "
        f"reference loop {m['reference_loops_per_second']:,}/s"
    )
    print(
        f"data: {result['clients']:,} clients, {result['measurements']:,} measurements "
        f"(set up in {result['setup_seconds']} s); timed: {result['what']}"
    )
    print(f"{'caseload':<22}{'first ms':>10}{'median ms':>11}{'p95 ms':>9}{'queries':>14}")
    for name, row in (
        (f"{result['clients']:,} clients", full),
        (f"{SMALL_CASELOAD} clients", small),
    ):
        queries = ",".join(str(q) for q in row["queries_per_request"])
        print(
            f"{name:<22}{row['first_ms']:>10}{row['median_ms']:>11}{row['p95_ms']:>9}{queries:>14}"
        )
    print(
        f"median = {result['median_in_reference_loops']:,} reference loops "
        "(median seconds x reference loops per second)"
    )
    print(
        f"first request (fits the clinic's models): {full['queries_first']} queries; "
        "the same query count at both sizes means no query per client."
    )


if __name__ == "__main__":
    main()
