"""Every page that counts a quarter's movements counts the same risks."""

import pytest

from registers import services
from registers.models import RatingBand, Register, ReportingPeriod, Risk
from riskreg.dashboard import _closed_quarter_movement
from riskreg.packs import movements

pytestmark = pytest.mark.django_db


def test_changes_page_pack_and_dashboard_agree_on_every_closed_quarter(seeded, risk_officer):
    register = Register.objects.get(slug="corporate")
    Risk.objects.filter(reference="CRR10").update(band=RatingBand.objects.get(label="High"))
    Risk.objects.filter(reference="CRR07").update(band=RatingBand.objects.get(label="Low"))
    Risk.objects.filter(reference="CRR11").update(status="closed")
    Risk.objects.create(register=register, reference="CRR19", name="Estates", position=19)
    services.close_quarter(period=register.open_period(), user=risk_officer)

    closed = ReportingPeriod.objects.filter(register=register, status="closed")
    assert closed.count() == 4
    for period in closed:
        changes = services.quarter_changes(period)
        listed = {
            "new": [c.reference for c in changes.new],
            "escalated": [c.reference for c in changes.escalated],
            "de_escalated": [c.reference for c in changes.deescalated],
            "closed": [c.reference for c in changes.closed],
        }
        assert movements(period, []) == listed, period.label
        counted = {item.label: item.count for item in _closed_quarter_movement(period).items}
        assert counted == {
            "New": len(listed["new"]),
            "Escalated": len(listed["escalated"]),
            "De-escalated": len(listed["de_escalated"]),
            "Closed": len(listed["closed"]),
        }, period.label
    q3 = closed.get(year=2021, quarter=3)
    q3_changes = movements(q3, [])
    assert q3_changes == {
        "new": ["CRR19"],
        "escalated": ["CRR10"],
        "de_escalated": ["CRR07"],
        "closed": ["CRR11"],
    }
