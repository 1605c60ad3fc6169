"""Risk references: only what an address can hold, unique per register ignoring case."""

import importlib
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse

from registers.models import Risk

pytestmark = pytest.mark.django_db

CREATE = reverse("registers:risk_create", args=["corporate"])


class _Form(HTMLParser):
    """The fields of the page's `form.risk-form`, as a browser would post them unchanged."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._textarea, self._select = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = a.get("action") != reverse("logout")
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict:
    parser = _Form()
    parser.feed(html)
    parser.fields.pop("csrfmiddlewaretoken", None)
    return parser.fields


def create(client, **changes):
    fields = form_fields(client.get(CREATE).content.decode())
    fields.update({"name": "A new risk", **changes})
    return client.post(CREATE, fields)


@pytest.mark.parametrize("bad", ["SL/ASH", "CRR 19", "CRR19?", "crr%19", "..", "CRR\u00e919"])
def test_a_reference_with_characters_an_address_cannot_hold_is_a_form_error(
    client, seeded, risk_officer, bad
):
    client.force_login(risk_officer)
    response = create(client, reference=bad)
    assert response.status_code == 200
    assert "Use only letters, digits, &#x27;-&#x27;, &#x27;.&#x27; and &#x27;_&#x27;" in (
        response.content.decode()
    )
    assert not Risk.objects.filter(name="A new risk").exists()


def test_letters_digits_dash_dot_and_underscore_are_accepted(client, seeded, risk_officer):
    client.force_login(risk_officer)
    response = create(client, reference="SL-ASH_2.1")
    assert response.status_code == 302
    risk = Risk.objects.get(name="A new risk")
    assert client.get(risk.get_absolute_url()).status_code == 200


def test_a_reference_taken_in_another_case_is_a_form_error(client, seeded, risk_officer):
    client.force_login(risk_officer)
    response = create(client, reference="crr18")
    assert response.status_code == 200
    assert "CRR18 is already a risk" in response.content.decode()


def test_the_model_refuses_a_reference_differing_only_in_case(seeded):
    from django.core.exceptions import ValidationError

    crr18 = Risk.objects.get(reference="CRR18")
    twin = Risk(register=crr18.register, reference="Crr18", name="Twin")
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "reference" in refused.value.message_dict


def test_the_migration_gives_old_bad_references_a_working_address(
    client, seeded, risk_officer, chief_officer
):
    register = Risk.objects.get(reference="CRR18").register
    Risk.objects.create(register=register, reference="SL/ASH", name="Slash")
    Risk.objects.create(register=register, reference="SL ASH", name="Space")
    migration = importlib.import_module("registers.migrations.0005_risk_reference_characters")
    migration.fix_references(apps, None)
    assert Risk.objects.get(name="Slash").reference == "SL-ASH"
    assert Risk.objects.get(name="Space").reference == "SL-ASH-2"
    assert Risk.objects.get(reference="CRR18").reference == "CRR18"  # good ones untouched
    slash = Risk.objects.get(name="Slash")
    assert "characters an address cannot hold" in slash.history.first().history_change_reason
    for user in (risk_officer, chief_officer):
        client.force_login(user)
        assert client.get("/registers/corporate/2021-q3/").status_code == 200
        assert client.get(slash.get_absolute_url()).status_code == 200
    client.force_login(risk_officer)
    assert client.get(reverse("quarters:close", args=["corporate", 2021, 3])).status_code == 200
