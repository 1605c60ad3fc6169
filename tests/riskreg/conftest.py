"""The Q2 2021/22 pack rendered once for every PDF test that reads it."""

import io

import pytest
from pypdf import PdfReader

from registers.models import ReportingPeriod
from riskreg import packs

_rendered: dict[str, bytes] = {}


@pytest.fixture
def q2_pack(seeded) -> PdfReader:
    # Rendering takes seconds: render once for the session, from the same seed every time.
    if "q2" not in _rendered:
        period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
        _rendered["q2"] = packs.render_pack(register=period.register, period=period)
    return PdfReader(io.BytesIO(_rendered["q2"]))
