"""PCC staff never see the live register: a walk over every page they can reach.

Text that exists only in the open quarter's working register (a new risk with its trend
set this quarter, and a published risk's live name, description and controls rewritten)
is looked for on every page PCC staff reach: each link followed from the home page, and
every URL of the role table (tests/riskreg/test_roles.py) that answers them. A PDF is read
as text. The same walk as a chief officer finds it, so the walk does reach it.
"""

import datetime
import io
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag

import pytest
from pypdf import PdfReader

from governance.models import AssessmentTopic, Inspection, Recommendation
from registers import services
from registers.models import Control, RatingBand, Register, Risk, Trend

from .test_roles import ROUTES, cases, url_of

pytestmark = pytest.mark.django_db

SENTINEL = "QZXLIVEONLY"
NOT_WALKED = ("/accounts/logout/", "/admin/", "/static/")
PAGE_LIMIT = 600


@pytest.fixture
def live_only_text(seeded):
    """Sentinel text in the working register only, and linked from governance records."""
    register = Register.objects.get(slug="corporate")
    secret = Risk.objects.create(
        register=register,
        reference=f"{SENTINEL}1",
        name=f"{SENTINEL} new risk name",
        description=f"<p>{SENTINEL} description</p>",
        impact=f"<p>{SENTINEL} impact</p>",
        band=RatingBand.objects.get(label="High"),
        lead_officer=f"{SENTINEL} officer",
        position=3,
        next_review_date=datetime.date(2021, 1, 1),  # overdue: the live dashboard lists it
    )
    Control.objects.create(risk=secret, text=f"<p>{SENTINEL} control</p>", position=1)
    services.set_current_trend(risk=secret, trend=Trend.INCREASING)
    published = Risk.objects.get(reference="CRR05")  # on the closed quarters as it was
    Risk.objects.filter(pk=published.pk).update(
        name=f"{SENTINEL} renamed", description=f"<p>{SENTINEL} rewritten</p>"
    )
    Control.objects.create(risk=published, text=f"<p>{SENTINEL} new control</p>", position=9)
    services.set_current_trend(risk=published, trend=Trend.DECREASING)
    recommendation = Recommendation.objects.create(
        inspection=Inspection.objects.order_by("pk").first(), reference="R1", text="A test one."
    )
    recommendation.risks.add(secret, published)
    recommendation.updates.create(text="Under way.")
    AssessmentTopic.objects.order_by("pk").first().risks.add(secret, published)
    # A demo user's API token, for the role table's token pages (another user's: a 404).
    from django.contrib.auth import get_user_model

    from api.models import ApiToken

    ApiToken.issue(user=get_user_model().objects.get(username="risk.officer"), name="Excel")
    # The published pack, as the task worker builds it, to be read back in the walk.
    from riskreg.packs import build_pack_file, request_pack_build

    q2 = register.periods.get(year=2021, quarter=2)
    build_pack_file(request_pack_build(period=q2).pk)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _readable(response) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        reader = PdfReader(io.BytesIO(content))
        return " ".join(page.extract_text() or "" for page in reader.pages) + str(reader.metadata)
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return " ".join(str(value) for row in sheet.values for value in row if value is not None)
    return response.content.decode("utf-8-sig")


def walk(client, start: list[str]) -> dict[str, str]:
    """Every page reached from `start` by following the site's own links: url -> text."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < PAGE_LIMIT:
        url = urldefrag(queue.pop(0)).url
        if url in seen or not url.startswith("/") or url.startswith(NOT_WALKED):
            continue
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            seen[url] = ""
            continue
        if response.status_code != 200:
            seen[url] = ""
            continue
        seen[url] = _readable(response)
        if "text/html" in response.get("Content-Type", ""):
            parser = _Links()
            parser.feed(seen[url])
            base = url.split("?")[0]
            queue += [f"{base}{link}" if link.startswith("?") else link for link in parser.links]
    return seen


def role_table_urls() -> list[str]:
    routes = {route.name: route for route in ROUTES}
    return [
        url_of(routes[name], case)
        for key, name, case in cases()
        if not name.startswith("admin:") and name not in ("logout",)
    ]


def test_pcc_staff_reach_no_text_of_the_live_register(client, live_only_text, pcc_staff):
    client.force_login(pcc_staff)
    pages = walk(client, ["/", *role_table_urls()])
    read = {url: text for url, text in pages.items() if text}
    assert len(read) > 40, sorted(read)  # the walk reached the site, not one page
    assert any(url.endswith("/changes/") for url in read)
    assert any(url.startswith("/governance/hmic/recommendations/") for url in read)
    assert "/packs/corporate/2021-q2/" in read  # the published pack, read as text
    assert "/api/registers/corporate/quarters/2021-q2/rows/" in read  # the API, as JSON
    assert "/registers/corporate/2021-q2/export.xlsx" in read  # downloads, read as text
    assert any(url.startswith("/governance/hmic/recommendations/export.csv") for url in read)
    leaked = [url for url, text in read.items() if SENTINEL in text]
    assert not leaked, leaked


def test_a_chief_officer_walking_the_same_way_finds_the_live_text(
    client, live_only_text, chief_officer
):
    client.force_login(chief_officer)
    pages = walk(client, ["/"])
    found = {url for url, text in pages.items() if SENTINEL in text}
    assert any(re.fullmatch(r"/registers/corporate/2021-q3/(\?.*)?", url) for url in found)
    assert any(url.startswith("/governance/") for url in found)
    # The API's open quarter holds it too, for a reader who may see it.
    for url in ("/api/registers/corporate/quarters/2021-q3/rows/", "/api/risks/?page_size=500"):
        assert SENTINEL in client.get(url).content.decode()
    assert any(url.startswith("/registers/corporate/2021-q3/export.") for url in found)
