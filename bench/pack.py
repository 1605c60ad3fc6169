"""Benchmark: build the quarterly PDF pack for registers of 18, 100, 500 and 2,000 risks.

The seed's 18 risks are repeated under new references (so pages are as dense as the real
register) in a throwaway SQLite database. For each size it measures, in a fresh process
per run: the pack as the application builds it (one child process up to 150 risks; above,
parts of 50 risks laid out one after another in one child and written once), the pack
drawn in one child regardless of size, and WeasyPrint alone on the same finished HTML
(tagged PDF/UA, as the pack is). Each line gives the PDF's bytes and whether it is
tagged; the ratios compare the pack with WeasyPrint alone in time and in bytes.

    DEBUG=1 python bench/pack.py                      # 18 100 500, 3 runs each
    DEBUG=1 python bench/pack.py --sizes 2000 --runs 1

Peak memory is the largest resident set of one process (ru_maxrss): the largest renderer
child for the pack, the measuring process itself for WeasyPrint alone.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("pack", "single", "weasyprint")


def setup_django(workdir: Path) -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskreg.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_database(sizes: list[int]) -> None:
    from django.core.management import call_command
    from django.db.models import QuerySet

    from governance.publication import publish
    from registers.models import QuarterlySnapshot, Register, ReportingPeriod, Risk

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    seed = Register.objects.get(slug="corporate")
    q2 = seed.periods.get(year=2021, quarter=2)
    seed_snaps = list(QuarterlySnapshot.objects.filter(period=q2).order_by("position"))
    for size in sizes:
        register = Register.objects.create(
            name=f"Bench Register {size}",
            slug=f"bench-{size}",
            organisation=seed.organisation,
            rating_scale=seed.rating_scale,
        )
        period = ReportingPeriod.objects.create(
            register=register, year=2021, quarter=2, start=q2.start, end=q2.end
        )
        risks = Risk.objects.bulk_create(
            Risk(
                register=register,
                reference=f"B{n:04d}",
                name=seed_snaps[n % 18].name,
                position=n,
                band=seed_snaps[n % 18].band,
            )
            for n in range(size)
        )
        QuerySet(QuarterlySnapshot).bulk_create(  # as closing the quarter would write them
            QuarterlySnapshot(
                risk=risk,
                period=period,
                trend=seed_snaps[n % 18].trend,
                band=seed_snaps[n % 18].band,
                reference=risk.reference,
                name=risk.name,
                description=seed_snaps[n % 18].description,
                impact=seed_snaps[n % 18].impact,
                controls=seed_snaps[n % 18].controls,
                status="open",
                position=n,
            )
            for n, risk in enumerate(risks)
        )
        ReportingPeriod.objects.filter(pk=period.pk).update(status="closed")
        publish(period=period)  # closing publishes the governance records with the quarter


def measure(size: int, mode: str) -> dict:
    """One run, in this (fresh) process."""
    from registers.models import ReportingPeriod
    from riskreg import packs
    from riskreg.pdf import html_to_pdf, pdf_job, run_isolated

    period = ReportingPeriod.objects.select_related("register__rating_scale").get(
        register__slug=f"bench-{size}", quarter=2
    )
    register = period.register
    if mode == "weasyprint":
        data = packs.pack_data(register=register, period=period, draft=False)
        html = packs.render_html(data)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        pdf, pages = html_to_pdf(html)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "seconds": seconds,
            "pages": pages,
            "peak_mb": peak / 1024,
            "grew_mb": (peak - before) / 1024,
            "bytes": len(pdf),
            "tagged": _tagged(pdf),
        }
    peaks: list[int] = []
    # Collect each render child's peak memory: the children are the fork server's, so
    # this process's RUSAGE_CHILDREN does not see them.
    packs.run_isolated = lambda jobs, workers, on_done=None, **options: run_isolated(
        jobs, workers, on_done, peaks=peaks, **options
    )
    start = time.perf_counter()
    if mode == "pack":
        pdf, pages = packs.render_pack_with_pages(register=register, period=period)
    else:
        data = packs.pack_data(register=register, period=period, draft=False)
        pdf, pages = packs.run_isolated([pdf_job(packs.render_html(data))], 1)[0]
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "pages": pages,
        "peak_mb": max(peaks) / 1024,  # the largest child
        "sum_mb": sum(peaks) / 1024,  # all children (those of a pool run side by side)
        "bytes": len(pdf),
        "tagged": _tagged(pdf),
    }


def _tagged(pdf: bytes) -> bool:
    import io

    from pypdf import PdfReader

    return "/StructTreeRoot" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[18, 100, 500])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--measure", nargs=3, metavar=("WORKDIR", "SIZE", "MODE"))
    args = parser.parse_args()
    if args.measure:
        workdir, size, mode = args.measure
        setup_django(Path(workdir))
        print(json.dumps(measure(int(size), mode)))
        return
    with tempfile.TemporaryDirectory(prefix="riskreg-bench-") as tmp:
        workdir = Path(tmp)
        setup_django(workdir)
        build_database(args.sizes)
        print(
            f"{'risks':>6} {'mode':<11} {'pages':>6} {'median s':>9} {'s/page':>7} "
            f"{'peak MB':>8} {'bytes':>10} {'tagged':>6}  runs (s)"
        )
        for size in args.sizes:
            results, sizes = {}, {}
            for mode in args.modes:
                runs = []
                for _ in range(args.runs):
                    out = subprocess.run(
                        [sys.executable, __file__, "--measure", tmp, str(size), mode],
                        capture_output=True,
                        text=True,
                    )
                    if out.returncode:
                        sys.exit(f"{size} risks, {mode}: failed\n{out.stderr[-3000:]}")
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                seconds = statistics.median(r["seconds"] for r in runs)
                peak = statistics.median(r["peak_mb"] for r in runs)
                pages = runs[0]["pages"]
                results[mode] = seconds
                sizes[mode] = runs[0]["bytes"]
                each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
                print(
                    f"{size:>6} {mode:<11} {pages:>6} {seconds:>9.2f} {seconds / pages:>7.3f} "
                    f"{peak:>8.0f} {runs[0]['bytes']:>10} {str(runs[0]['tagged']):>6}  {each}",
                    flush=True,
                )
            if "weasyprint" in results:
                for mode in ("pack", "single"):
                    if mode in results:
                        print(
                            f"{size:>6} {mode} / weasyprint alone = "
                            f"{results[mode] / results['weasyprint']:.2f} in time, "
                            f"{sizes[mode] / sizes['weasyprint']:.2f} in bytes",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
