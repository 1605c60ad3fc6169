"""Every page needs a signed-in user: walk every URL pattern as an anonymous visitor.

The read-only API signs its own callers in (a token or a session): it answers anyone else
401, with how to sign in, rather than a redirect to a sign-in page.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Values that satisfy each path converter; an anonymous request never reaches the view.
SAMPLE = {"int": "1", "slug": "sample", "str": "sample", "path": "sample/path", "uuid": "0" * 32}
# Signing in, single sign-on's way there and back (tests/riskreg/test_sso.py: the provider's
# callback and the page explaining a refused sign-in show no register data), and resetting a
# forgotten password (tests/riskreg/test_accounts.py).
PUBLIC = {
    "accounts/login/",
    "accounts/oidc/sign-in/",
    "accounts/oidc/callback/",
    "accounts/no-access/",
    "accounts/password/reset/",
    "accounts/password/reset/sent/",
    "accounts/password/reset/sample/sample/",
    "accounts/password/reset/done/",
}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def concrete(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:
        # The admin's regex routes: fill the named groups it uses.
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<object_id>[^)]*\)", "1", route)
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "registers", route)
        route = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", "sample", route)
        route = route.replace("\\", "")
        if any(c in route for c in "()[]*+?"):
            return None
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
    return "/" + route


ROUTES = sorted(
    {path for r in walk(get_resolver().url_patterns) if (path := concrete(r)) is not None}
)


def test_the_walk_covers_the_project():
    assert "/" in ROUTES
    assert any(route.startswith("/registers/") for route in ROUTES)
    assert any(route.startswith("/admin/") for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, route):
    if (
        route.lstrip("/") in PUBLIC
        or route.startswith("/admin/login")
        or route.startswith("/admin/logout")
    ):
        pytest.skip("a sign-in page itself")
    if route.startswith("/api/") and route != "/api/docs/":
        for method in (client.get, client.post):
            response = method(route)
            assert response.status_code == 401, (route, response.status_code)
            assert response["WWW-Authenticate"] == 'Bearer realm="riskreg"'
            # JSON, or the schema's own YAML: the refusal and nothing else.
            assert "Authentication credentials were not provided." in response.content.decode()
            assert len(response.content) < 100
        return
    for method in (client.get, client.post):
        response = method(route)
        assert response.status_code == 302, (route, response.status_code)
        location = response["Location"]
        assert location.startswith("/accounts/login/") or location.startswith("/admin/login/"), (
            route,
            location,
        )
