"""The admin checks a record's version as the app's forms do, and lists withdrawn records."""

import pytest

from registers.models import Risk
from tests.forms import form_fields, submit

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    return client.post(url, {name: data.getlist(name) for name in data})


def test_an_admin_save_opened_before_an_officers_save_is_refused(
    client, seeded, administrator, risk_officer
):
    risk = Risk.objects.get(reference="CRR07")
    admin_url = f"/admin/registers/risk/{risk.pk}/change/"
    client.force_login(administrator)
    opened = form_fields(client.get(admin_url).content.decode(), containing="opened_version")
    opened["lead_officer"] = "Set in the admin"

    client.force_login(risk_officer)
    edit = "/registers/corporate/risks/CRR07/edit/"
    assert (
        submit(client, edit, {"name": "Renamed by an officer"}, containing="reference").status_code
        == 302
    )

    client.force_login(administrator)
    page = _post(client, admin_url, opened).content.decode()
    assert "saved this record after you opened it" in page
    risk.refresh_from_db()
    assert (risk.name, risk.lead_officer) == ("Renamed by an officer", "")

    fresh = form_fields(client.get(admin_url).content.decode(), containing="opened_version")
    fresh["lead_officer"] = "Set in the admin"
    assert _post(client, admin_url, fresh).status_code == 302
    risk.refresh_from_db()
    assert (risk.name, risk.lead_officer, risk.version) == (
        "Renamed by an officer",
        "Set in the admin",
        3,
    )


def test_the_admin_lists_a_withdrawn_risk(client, seeded, administrator, risk_officer):
    risk = Risk.objects.get(reference="CRR07")
    risk.withdraw(user=risk_officer, reason="entered in error")
    client.force_login(administrator)
    page = client.get("/admin/registers/risk/?q=CRR07").content.decode()
    assert f"/admin/registers/risk/{risk.pk}/change/" in page
