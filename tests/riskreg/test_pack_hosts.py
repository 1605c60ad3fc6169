"""Two app hosts and a worker, each with its own local folders, share the packs.

Host A asks for a pack, the task worker (`manage.py db_worker`) builds it, and PCC staff
download it through host B, which never built anything: the PDF is in the database, not
on a host's disk. Each process is a real `manage.py` process on 127.0.0.1, with its own
MEDIA_ROOT, over one SQLite database file made for this test.
"""

import http.cookiejar
import io
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from pypdf import PdfReader

from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
Q2 = "/packs/corporate/2021-q2/"


def manage(env: dict, *args: str, timeout: int = 300) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Host:
    """`manage.py runserver --noreload` on a port of 127.0.0.1, and a signed-in browser."""

    def __init__(self, env: dict, media: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env={**env, "MEDIA_ROOT": str(media)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        for _ in range(300):  # up to 30 s to start
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("runserver did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str):
        try:
            return self.opener.open(self.url(path), timeout=60)
        except urllib.error.HTTPError as answer:
            return answer

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.url("/accounts/login/"), data=data, headers={"Referer": self.url("/")}
        )
        try:
            answer = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as redirect:
            answer = redirect
        assert answer.status == 302, answer.status

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_a_pack_built_by_the_worker_downloads_through_another_host(tmp_path):
    database = tmp_path / "hosts.sqlite3"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEMO_PASSWORD": DEFAULT_DEMO_PASSWORD,
        "DJANGO_SETTINGS_MODULE": "riskreg.settings",
    }
    env.pop("EXPECT_DATABASE_VENDOR", None)
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_demo")
    media = {name: tmp_path / f"media-{name}" for name in ("a", "b", "worker")}
    host_a = Host(env, media["a"])
    host_b = Host(env, media["b"])
    try:
        host_a.sign_in("pcc.staff", DEFAULT_DEMO_PASSWORD)
        asked = host_a.get(Q2)  # not built: queued for the worker, never rendered here
        assert asked.status == 302 and asked.headers["Location"].endswith(Q2 + "status/")
        assert b"queued for the task worker since" in host_a.get(Q2 + "status/").read()
        manage({**env, "MEDIA_ROOT": str(media["worker"])},
               "db_worker", "--batch", "--no-startup-delay")  # fmt: skip
        host_b.sign_in("pcc.staff", DEFAULT_DEMO_PASSWORD)
        answer = host_b.get(Q2)
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "application/pdf"
        assert "no-store" in answer.headers["Cache-Control"]
        pdf = answer.read()
    finally:
        host_a.stop()
        host_b.stop()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 30
    assert reader.metadata.title == "Corporate Risk Register: Quarter 2 2021/22"
    assert not any(files_under(folder) for folder in media.values())  # nothing on a disk
    with sqlite3.connect(database) as db:
        (stored,) = db.execute("SELECT length(data) FROM riskreg_packfile").fetchone()
        (downloads,) = db.execute("SELECT count(*) FROM riskreg_packdownload").fetchone()
    assert stored == len(pdf)
    assert downloads == 1  # the refused first ask on host A recorded nothing
