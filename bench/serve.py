"""Benchmark: requests a second under gunicorn (two workers): the PCC dashboard against the
sign-in page, in the same run.

Builds a throwaway database (SQLite, or the PostgreSQL database given, emptied first) with
the seed and, for each size above 18, a register of that many risks (bench/pages.py's),
starts gunicorn with two sync workers on 127.0.0.1, signs PCC staff in, and loads each page
in turn with wrk (Debian's `wrk`; without it, a small Python load generator of threads, said
in the output) for `--seconds`, `--rounds` times, alternating pages. Reports the median
requests a second of each page and its ratio to the sign-in page.

    DEBUG=1 python bench/serve.py --sizes 18 2000 --rounds 3
    DEBUG=1 python bench/serve.py --sizes 18 2000 10000 --rounds 3 \
        --database-url postgres://postgres@127.0.0.1:5432/riskreg_bench
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages  # noqa: E402  (bench/pages.py: setup_django, build)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


def load_with_wrk(url: str, cookie: str, seconds: int, connections: int) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors and os.environ.get("BENCH_DEBUG"):
        print(urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})))
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def load_with_threads(url: str, cookie: str, seconds: int, connections: int) -> float:
    """The fallback without wrk: `connections` threads, each requesting in a loop."""
    done, stop = [0] * connections, time.monotonic() + seconds

    def worker(index: int) -> None:
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        while time.monotonic() < stop:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                assert response.status == 200
            done[index] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[18, 2000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    pages.setup_django(database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    slugs = {size: "corporate" if size == 18 else pages.build(size) for size in args.sizes}
    client = Client()
    client.force_login(get_user_model().objects.get(username="pcc.staff"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    connection.close()

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "riskreg.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    tool = "wrk" if shutil.which("wrk") else "python threads (no wrk installed)"
    load = load_with_wrk if shutil.which("wrk") else load_with_threads
    try:
        wait_for(f"{base}/accounts/login/")
        targets = [("sign-in page (baseline)", "/accounts/login/", "")]
        targets += [(f"PCC dashboard, {size} risks", f"/?register={slug}", cookie)
                    for size, slug in slugs.items()]  # fmt: skip
        for _, path, who in targets:  # warm each worker's cache and connections
            load(base + path, who, 1, 2)
        rates: dict[str, list[float]] = {label: [] for label, _, _ in targets}
        for _ in range(args.rounds):
            for label, path, who in targets:
                rates[label].append(load(base + path, who, args.seconds, args.connections))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"database: {connection.vendor}; load: {tool}, {args.connections} connections, "
          f"{args.seconds} s a page, {args.rounds} rounds; gunicorn 2 sync workers")  # fmt: skip
    baseline = statistics.median(rates[targets[0][0]])
    print(f"{'page':<32} {'req/s (median)':>15} {'x sign-in':>10}  rounds")
    for label, found in rates.items():
        median = statistics.median(found)
        rounds = " ".join(f"{rate:.0f}" for rate in found)
        print(f"{label:<32} {median:15.1f} {median / baseline:10.2f}  {rounds}")


if __name__ == "__main__":
    main()
