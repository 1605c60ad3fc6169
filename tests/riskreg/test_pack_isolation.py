"""A render runs in its own process, and a runaway one is stopped there."""

from concurrent.futures.process import BrokenProcessPool

import pytest

from riskreg import pdf


def test_a_job_runs_in_a_child_process_and_reports_its_memory():
    import os

    peaks: list[int] = []
    [child_pid] = pdf.run_isolated([(os.getpid, ())], workers=1, peaks=peaks)
    assert child_pid != os.getpid()
    assert len(peaks) == 1 and peaks[0] > 0


def test_a_render_over_the_memory_limit_fails_in_the_child(monkeypatch):
    monkeypatch.setattr(pdf, "MEMORY_LIMIT", 1024**3)
    with pytest.raises(MemoryError):
        pdf.run_isolated([(bytearray, (2 * 1024**3,))], workers=1)


def test_a_render_over_the_time_limit_is_stopped(monkeypatch):
    monkeypatch.setattr(pdf, "TIME_LIMIT", 1)
    with pytest.raises(BrokenProcessPool):
        pdf.run_isolated([(sum, (range(10**11),))], workers=1)
