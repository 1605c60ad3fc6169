"""The render machinery: the memoised page references, and Django set up once."""

import io
import os

import pydyf
import pytest
import weasyprint
from pypdf import PdfReader

from riskreg import pdf

# Enough pages and structure elements for the tagger to read the references many times.
HTML = (
    "<html lang='en-GB'><title>T</title><body>"
    + "".join(
        f"<h2>Part {n}</h2><p>{'Text. ' * 40}</p><table><tr><th>A</th><td>{n}</td></tr></table>"
        "<p style='break-after: page'>end</p>"
        for n in range(12)
    )
    + "</body></html>"
)


def _render() -> bytes:
    document = weasyprint.HTML(string=HTML, base_url=pdf.BASE_URL).render()
    return document.write_pdf(pdf_variant=pdf.PDF_VARIANT)


def test_page_references_are_memoised_for_the_installed_versions():
    # A new WeasyPrint or pydyf: check the memo still gives the same bytes (below), then
    # add the versions to MEMOISED_FOR (or drop the memo if pydyf now keeps the tuple).
    versions = (weasyprint.__version__, pydyf.__version__)
    assert pdf.PAGE_REFERENCES_MEMOISED, f"not checked for WeasyPrint/pydyf {versions}"
    assert pydyf.PDF.page_references.fget.memoised


def test_the_memoised_references_write_the_same_bytes(monkeypatch):
    memoised = _render()
    original = property(
        lambda self: tuple(f"{n} 0 R".encode("ascii") for n in self.pages["Kids"][::3])
    )
    monkeypatch.setattr(pydyf.PDF, "page_references", original)
    assert pydyf.PDF.page_references.fget is original.fget  # as pydyf 0.13.0 has it
    assert _render() == memoised
    reader = PdfReader(io.BytesIO(memoised))
    assert len(reader.pages) >= 12 and "/StructTreeRoot" in reader.trailer["/Root"]


def test_references_follow_pages_added_after_a_read():
    document = pydyf.PDF()
    for _ in range(3):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = document.page_references
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(first) == 3 and len(document.page_references) == 4
    assert document.page_references is document.page_references


def _child_state() -> tuple:
    from django.apps import apps

    from riskreg import render_server

    return os.getpid(), render_server.SET_UP_IN, apps.ready


@pytest.mark.django_db
def test_django_is_set_up_in_the_fork_server_not_in_each_child():
    ((child, set_up_in, ready),) = pdf.run_isolated([(_child_state, ())], workers=1)
    assert ready
    assert set_up_in not in (child, os.getpid())  # in neither the child nor this process
