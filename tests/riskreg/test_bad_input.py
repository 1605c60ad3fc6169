"""NUL bytes and undecodable input in a path or query string: 400 for every role, never 500."""

import pytest

pytestmark = pytest.mark.django_db

ROLES = [None, "risk_officer", "chief_officer", "pcc_staff", "administrator"]
BAD = [
    "/?register=%00",
    "/?register=corp%00orate",
    "/registers/?q=%ff%fe",
    "/registers/corporate/2021-q3/?name=%00",
    "/registers/corporate/risks/CRR%00/",
    "/packs/corporate%00/2021-q2/",
    "/accounts/login/?next=%00",
    "/admin/registers/risk/?q=%00",
]


@pytest.mark.parametrize("url", BAD)
@pytest.mark.parametrize("role", ROLES)
def test_bad_bytes_answer_400_for_every_role(client, seeded, request, role, url):
    if role:
        client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert b"not text" in response.content


@pytest.mark.parametrize("role", ROLES)
def test_undecodable_bytes_in_a_path_are_not_found(client, seeded, request, role):
    # Django keeps them as "%FF" text, which names nothing: 404 (or sign in first).
    if role:
        client.force_login(request.getfixturevalue(role))
    response = client.get("/registers/corporate/risks/%ff/")
    assert response.status_code == (404 if role else 302)


def test_good_input_still_reaches_the_page(client, seeded, chief_officer):
    client.force_login(chief_officer)
    assert client.get("/?register=corporate").status_code == 200
    assert client.get("/registers/corporate/2021-q3/?name=caf%C3%A9").status_code == 200
