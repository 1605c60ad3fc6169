"""Benchmark: time and queries of the main pages, and of closing a quarter, by register size.

Each register above 18 risks repeats the seed's 18 risks (text, controls, ratings, trends)
under new references, with a closed quarter (frozen rows) and an open one (live rows). Each
page is fetched in-process with Django's test client, signed in as a chief officer (or as
PCC staff, who read the published quarter); the sign-in page is the baseline measured in
the same run, so figures can be compared across a noisy machine as ratios.

Pages are timed twice: "cold" with the cache emptied before every request (what the
database and Python cost), and "warm" as served again (what a second reader waits).
Closing a quarter is timed inside a transaction rolled back after each run, against the
bulk insert of the same snapshots alone, every frozen column filled (also rolled back).

    DEBUG=1 python bench/pages.py --runs 15 --sizes 18 2000
    DEBUG=1 python bench/pages.py --runs 5 --sizes 18 2000 10000 \
        --database-url postgres://postgres@127.0.0.1:5432/riskreg_bench

A PostgreSQL database given with --database-url is emptied and migrated first.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(database_url: str) -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskreg.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(size: int) -> str:
    """A register of `size` risks copied from the seed, with Q2 closed and Q3 open."""
    from django.db.models import QuerySet

    from registers.models import Control, QuarterlySnapshot, Register, ReportingPeriod, Risk

    seed = Register.objects.get(slug="corporate")
    slug = f"bench-{size}"
    register = Register.objects.create(
        name=f"Bench {size}", slug=slug, organisation="Bench", rating_scale=seed.rating_scale
    )
    q2_seed = seed.periods.get(year=2021, quarter=2)
    q2 = ReportingPeriod.objects.create(
        register=register, year=2021, quarter=2, start=q2_seed.start, end=q2_seed.end,
        status="closed",
    )  # fmt: skip
    q3_seed = seed.periods.get(year=2021, quarter=3)
    ReportingPeriod.objects.create(
        register=register, year=2021, quarter=3, start=q3_seed.start, end=q3_seed.end
    )
    templates = list(seed.risks.prefetch_related("controls").order_by("position"))
    risks = Risk.objects.bulk_create(
        Risk(
            register=register, reference=f"B{n:05d}", name=templates[n % 18].name,
            description=templates[n % 18].description, impact=templates[n % 18].impact,
            band=templates[n % 18].band, likelihood=templates[n % 18].likelihood,
            impact_score=templates[n % 18].impact_score, position=n,
            next_review_date=templates[n % 18].next_review_date,
        )
        for n in range(size)
    )  # fmt: skip
    Control.objects.bulk_create(
        Control(risk=risk, text=control.text, position=control.position)
        for n, risk in enumerate(risks)
        for control in templates[n % 18].controls.all()
    )
    # Rows of a closed quarter are frozen; written straight to the table, as closing the
    # quarter would have written them.
    QuerySet(QuarterlySnapshot).bulk_create(
        QuarterlySnapshot(
            risk=risk, period=q2, trend="→", band=risk.band, reference=risk.reference,
            name=risk.name, description=risk.description, impact=risk.impact,
            controls=[c.text for c in templates[n % 18].controls.all()], status="open",
            position=risk.position,
        )
        for n, risk in enumerate(risks)
    )  # fmt: skip
    return slug


def measure(client, url: str, runs: int, *, cold: bool) -> tuple[float, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the session (and the cache)
    times = []
    for _ in range(runs):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times) * 1000, len(queries)


class Rollback(Exception):
    pass


def measure_close(slug: str, runs: int) -> tuple[float, int, float]:
    """Median seconds and queries of closing the open quarter, and of the bulk insert of
    its snapshots alone; each run rolled back."""
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries, transaction
    from django.db.models import QuerySet
    from django.test.utils import CaptureQueriesContext

    from registers.models import QuarterlySnapshot, Register
    from registers.services import close_quarter, freezable, freeze_values

    register = Register.objects.get(slug=slug)
    user = get_user_model().objects.get(username="risk.officer")
    closes, inserts, queries = [], [], 0
    for _ in range(runs):
        period = register.open_period()
        # DEBUG keeps the last 9,000 queries: counted from a full log, the close would be 0.
        reset_queries()
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                close_quarter(period=period, user=user)
                closes.append(time.perf_counter() - start)
                raise Rollback
        except Rollback:
            queries = len(captured)
        # The same snapshots, every frozen column filled, made before the clock starts.
        risks = freezable(register.risks.filter(status="open"))
        snapshots = [
            QuarterlySnapshot(risk=risk, period=period, trend="→", **freeze_values(risk))
            for risk in risks
        ]
        try:
            with transaction.atomic():
                start = time.perf_counter()
                QuerySet(QuarterlySnapshot).bulk_create(snapshots)
                inserts.append(time.perf_counter() - start)
                raise Rollback
        except Rollback:
            pass
    return statistics.median(closes), queries, statistics.median(inserts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sizes", type=int, nargs="+", default=[18, 2000])
    parser.add_argument("--close-runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--close-only", action="store_true", help="time the close, no pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(args.database_url or f"sqlite:///{Path(workdir) / 'bench.sqlite3'}")
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        if connection.vendor == "postgresql":
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        users = get_user_model().objects
        chief, pcc = Client(), Client()
        chief.force_login(users.get(username="chief.officer"))
        pcc.force_login(users.get(username="pcc.staff"))
        anonymous = Client()
        print(f"database: {connection.vendor}; runs: {args.runs}")
        print(f"{'page':<46} {'cold ms':>8} {'x':>6} {'warm ms':>8} {'x':>6} {'queries':>11}")
        baseline = None
        pages = [("sign-in page (baseline)", "/accounts/login/", anonymous)]
        slugs = {}
        for size in args.sizes:
            slugs[size] = "corporate" if size == 18 else build(size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after the bulk writes
        for size, slug in slugs.items():
            pages += [
                (f"{size}: register, open quarter", f"/registers/{slug}/2021-q3/", chief),
                (f"{size}: register, closed quarter", f"/registers/{slug}/2021-q2/", chief),
                (f"{size}: register, closed, PCC", f"/registers/{slug}/2021-q2/", pcc),
                (f"{size}: register search", f"/registers/{slug}/2021-q2/?q=training", chief),
                (f"{size}: what changed, closed", f"/registers/{slug}/2021-q2/changes/", chief),
                (f"{size}: dashboard, chief officer", f"/?register={slug}", chief),
                (f"{size}: dashboard, PCC staff", f"/?register={slug}", pcc),
            ]
        pages.append(("pack list, chief officer", "/packs/", chief))
        pages.append(("pack list, PCC staff", "/packs/", pcc))
        for label, url, who in [] if args.close_only else pages:
            cold, queries_cold = measure(who, url, args.runs, cold=True)
            warm, queries_warm = measure(who, url, args.runs, cold=False)
            baseline = baseline or cold
            print(
                f"{label:<46} {cold:8.1f} {cold / baseline:6.1f} {warm:8.1f} "
                f"{warm / baseline:6.1f} {queries_cold:5d}/{queries_warm:<5d}"
            )
        print(f"\n{'close the open quarter':<30} {'s':>8} {'queries':>8} {'insert s':>9} {'x':>6}")
        for size, slug in slugs.items():
            close, queries, insert = measure_close(slug, args.close_runs)
            print(f"{size:<30} {close:8.3f} {queries:8d} {insert:9.3f} {close / insert:6.1f}")


if __name__ == "__main__":
    main()
