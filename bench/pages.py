"""Benchmark: time and queries of the main pages for a register of 18 and of 2,000 risks.

The 2,000-risk register repeats the seed's 18 risks (text, controls, ratings, trends) under
new references, with an open quarter (live rows) and a closed one (frozen rows), in a
throwaway SQLite database. Each page is fetched in-process with Django's test client,
signed in as a chief officer; the sign-in page is the baseline measured in the same run,
so the figures can be compared across a noisy machine as ratios.

    DEBUG=1 python bench/pages.py --runs 15
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(workdir: Path) -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
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
            band=templates[n % 18].band, position=n,
        )
        for n in range(size)
    )  # fmt: skip
    Control.objects.bulk_create(
        Control(risk=risk, text=control.text, position=control.position)
        for n, risk in enumerate(risks)
        for control in templates[n % 18].controls.all()
    )
    # Rows of a closed quarter are frozen; bulk_create writes them as a close would.
    # Written straight to the table, as closing the quarter would have written them.
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


def measure(client, url: str, runs: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and the session
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(Path(workdir))
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        big = build(2000)
        client = Client()
        client.force_login(get_user_model().objects.get(username="chief.officer"))
        anonymous = Client()
        pages = [("sign-in page (baseline)", "/accounts/login/", anonymous)]
        for label, slug in (("18 risks", "corporate"), ("2,000 risks", big)):
            pages += [
                (f"register, open quarter, {label}", f"/registers/{slug}/2021-q3/", client),
                (f"register, closed quarter, {label}", f"/registers/{slug}/2021-q2/", client),
                (f"register search, {label}", f"/registers/{slug}/2021-q2/?q=training", client),
                (f"dashboard, {label}", f"/?register={slug}", client),
            ]
        pages.append(("risk page (CRR10)", "/registers/corporate/risks/CRR10/", client))
        baseline = None
        print(f"{'page':<44} {'median ms':>9} {'x sign-in':>9} {'queries':>7} {'KB':>6}")
        for label, url, who in pages:
            ms, queries, size = measure(who, url, args.runs)
            baseline = baseline or ms
            print(f"{label:<44} {ms:9.1f} {ms / baseline:9.1f} {queries:7d} {size / 1024:6.0f}")


if __name__ == "__main__":
    main()
