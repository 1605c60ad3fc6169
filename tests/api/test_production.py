"""Under production settings: the API's answers carry the security headers, and the
documentation page's Swagger UI files are collected and named as `collectstatic` names them."""

from pathlib import Path

from tests.riskreg.test_deploy import run_manage


def test_api_answers_and_docs_assets_under_production_settings(tmp_path):
    static = tmp_path / "static"
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "production-only-secret-key-with-enough-variety-9876543210",
        "ALLOWED_HOSTS": "riskreg.example.police.uk",
        "STATIC_ROOT": str(static),
    }
    collected = run_manage("collectstatic", "--noinput", **production)
    assert collected.returncode == 0, collected.stderr
    code = (
        "from django.test import Client;"
        "from drf_spectacular.views import SpectacularSwaggerSplitView as V;"
        "r = Client().get('/api/registers/', secure=True, HTTP_HOST='riskreg.example.police.uk');"
        "print(r.status_code);"
        "print(r.headers.get('Content-Security-Policy'));"
        "print(r.headers.get('Strict-Transport-Security'));"
        "print(r.headers.get('X-Content-Type-Options'));"
        "print(V()._swagger_ui_resource('swagger-ui-bundle.js'))"
    )
    result = run_manage("shell", "-c", code, **production)
    lines = result.stdout.strip().splitlines()[-5:]
    assert lines[0] == "401", result.stdout + result.stderr
    assert "default-src 'self'" in lines[1]
    assert lines[2].startswith("max-age=31536000")
    assert lines[3] == "nosniff"
    bundle = lines[4]
    assert bundle.startswith("/static/drf_spectacular_sidecar/") and bundle != (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    )  # the hashed name, which only collectstatic writes
    assert (static / Path(bundle.removeprefix("/static/"))).is_file()
