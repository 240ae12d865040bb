"""``heap.few_collections``: fewer collections inside, the collector as it was after."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from monitor.heap import THRESHOLD, few_collections


def test_inside_the_block_the_heap_is_frozen_and_collections_are_rarer() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with few_collections():
        assert gc.get_threshold() == THRESHOLD
        assert gc.get_freeze_count() > 0  # what existed before is out of the generations
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_nested_blocks_restore_only_when_the_outer_one_ends() -> None:
    before = gc.get_threshold()
    with few_collections():
        with few_collections():
            assert gc.get_threshold() == THRESHOLD
        assert gc.get_threshold() == THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before


def test_an_exception_restores_the_collector() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), few_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_overlapping_blocks_on_two_threads_restore_once_both_end() -> None:
    before = gc.get_threshold()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with few_collections():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with few_collections():
        thread.start()
        assert entered.wait(5)
    # This thread's block ended first: the other one's still holds the setting.
    assert gc.get_threshold() == THRESHOLD
    release.set()
    thread.join(5)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cyclic_garbage_made_inside_is_collected_after() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    collected = threading.Event()
    with few_collections():
        node = Node()
        ref = weakref.ref(node, lambda _: collected.set())
        del node
    gc.collect()
    assert ref() is None
    assert collected.is_set()
