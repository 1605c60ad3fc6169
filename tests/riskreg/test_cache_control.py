"""Pages holding register data are never kept by a shared cache or the browser."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/registers/corporate/2021-q3/",
        "/registers/corporate/2021-q2/",
        "/registers/corporate/risks/CRR18/",
        "/governance/cipfa/",
        reverse("packs:list"),
        reverse("password_change"),
    ],
)
def test_signed_in_pages_are_private_and_not_stored(client, seeded, chief_officer, url):
    client.force_login(chief_officer)
    response = client.get(url)
    assert response.status_code in (200, 302)
    assert {"private", "no-store"} <= directives(response)
