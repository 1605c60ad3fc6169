"""Production settings: `check --deploy` is clean and a missing SECRET_KEY stops the process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "production-only-secret-key-with-enough-variety-9876543210",
        ALLOWED_HOSTS="riskreg.example.police.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="riskreg.example.police.uk")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_bad_boolean_is_refused_loudly():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_production_responses_carry_security_headers(tmp_path):
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "production-only-secret-key-with-enough-variety-9876543210",
        "ALLOWED_HOSTS": "riskreg.example.police.uk",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    collected = run_manage("collectstatic", "--noinput", **production)
    assert collected.returncode == 0, collected.stderr
    code = (
        "from django.test import Client;"
        "r = Client().get('/accounts/login/', secure=True, HTTP_HOST='riskreg.example.police.uk');"
        "print(r.status_code);"
        "print(r.headers.get('Content-Security-Policy'));"
        "print(r.headers.get('Strict-Transport-Security'));"
        "print(r.headers.get('X-Frame-Options'))"
    )
    result = run_manage("shell", "-c", code, **production)
    lines = result.stdout.strip().splitlines()[-4:]
    assert lines[0] == "200", result.stdout + result.stderr
    assert "default-src 'self'" in lines[1] and "script-src 'self'" in lines[1]
    assert lines[2].startswith("max-age=31536000")
    assert lines[3] == "DENY"
