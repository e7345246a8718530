"""The collector pause around a replication: restored as it was, nested, on error (the numbers: tests/test_golden.py)."""

import gc

import pytest

from sim.gcpause import gc_paused


def test_gc_paused_restores_the_collector_state_even_on_error():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()          # the inner block does not switch it back on early
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with gc_paused():
            raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()          # a caller that had it off keeps it off
    finally:
        gc.enable()
