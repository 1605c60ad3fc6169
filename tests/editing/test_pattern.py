"""The one pattern every edit form follows, checked on every edit page the URL table has."""

import pytest

from editing.fields import GovukDateField
from editing.forms import EditForm
from tests.edit_forms import CASES, edit_url_names, fill_every_field
from tests.forms import forms_in

pytestmark = pytest.mark.django_db


def test_every_edit_form_in_the_url_table_has_a_case():
    assert set(edit_url_names()) == set(CASES), "add the new edit form to tests/edit_forms.py"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_date_of_every_edit_form_is_a_govuk_date_input():
    from django.db import models

    import governance.assessment_forms  # noqa: F401
    import governance.delivery_forms  # noqa: F401
    import governance.forms  # noqa: F401
    import registers.forms  # noqa: F401

    forms = list(_subclasses(EditForm))
    assert len(forms) >= 9
    for form in forms:
        for name, field in form.base_fields.items():
            model_field = next((f for f in form._meta.model._meta.fields if f.name == name), None)
            if isinstance(model_field, models.DateField):
                assert isinstance(field, GovukDateField), f"{form.__name__}.{name}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_edit_pages_follow_the_govuk_patterns(client, seeded, risk_officer, name):
    case = CASES[name]
    obj = fill_every_field()[case.record]
    client.force_login(risk_officer)
    page = client.get(case.url(obj)).content.decode()
    assert 'class="back-link"' in page
    assert "---------" not in page
    assert ":</label>" not in page  # no trailing colon on labels
    assert "<select multiple" not in page.replace("select name", "select")  # checkboxes
    assert 'name="version"' in page
    form = next(f for f in forms_in(page) if "version" in f.names)
    assert not any(n.endswith("_date") or n in ("date", "reported_on") for n in form.names), (
        "dates are three boxes"
    )
    assert 'src="/static/js/app.js"' in page
