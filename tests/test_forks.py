"""forks.shared_with_a_fork: items worked through by this process and a forked child."""

from __future__ import annotations

import gc
import logging
import os
import time
import weakref
from collections.abc import Sequence

import pytest

from cleanguide import forks
from cleanguide.plugin import CleanguidePlugin

PARENT = os.getpid()


def whose(items: Sequence[int]) -> list[tuple[int, bool]]:
    """Each item, and whether this process (the test's) worked it."""
    return [(i, os.getpid() == PARENT) for i in items]


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forks, "cores", lambda: 2)
    monkeypatch.setattr(forks, "can_fork", lambda: True)


def slowly(items: Sequence[int]) -> list[tuple[int, bool]]:
    """`whose`, each item taking 10 ms (so that both processes take some)."""
    time.sleep(0.01 * len(items))
    return whose(items)


@pytest.mark.usefixtures("two_cores")
def test_both_processes_take_batches_until_none_is_left_and_the_results_keep_their_order() -> None:
    done = forks.shared_with_a_fork(slowly, list(range(40)), minimum=4, what="counting")
    assert [i for i, _ in done] == list(range(40))  # each item once, in order
    here = [i for i, mine in done if mine]
    assert 0 < len(here) < 40  # the child took some, whichever
    # 200 items: batches of four, each taken by one process
    done = forks.shared_with_a_fork(slowly, list(range(200)), minimum=4, what="counting")
    assert [i for i, _ in done] == list(range(200))
    assert all(len({mine for _, mine in done[k : k + 4]}) == 1 for k in range(0, 200, 4))


@pytest.mark.usefixtures("two_cores")
def test_a_slow_process_takes_fewer_batches() -> None:
    """The work is shared by speed, not in halves fixed beforehand."""

    def slower_in_the_child(items: Sequence[int]) -> list[tuple[int, bool]]:
        time.sleep((0.002 if os.getpid() == PARENT else 0.02) * len(items))
        return whose(items)

    done = forks.shared_with_a_fork(
        slower_in_the_child, list(range(60)), minimum=4, what="counting"
    )
    assert [i for i, _ in done] == list(range(60))
    assert sum(1 for _, mine in done if mine) > 40


@pytest.mark.usefixtures("two_cores")
def test_too_few_items_or_one_core_or_no_safe_fork_work_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert forks.shared_with_a_fork(whose, [1, 2, 3], minimum=4, what="counting") == [
        (1, True),
        (2, True),
        (3, True),
    ]
    monkeypatch.setattr(forks, "cores", lambda: 1)
    assert all(
        here for _, here in forks.shared_with_a_fork(whose, list(range(9)), minimum=4, what="c")
    )
    monkeypatch.setattr(forks, "cores", lambda: 2)
    monkeypatch.setattr(forks, "can_fork", lambda: False)
    assert all(
        here for _, here in forks.shared_with_a_fork(whose, list(range(9)), minimum=4, what="c")
    )


@pytest.mark.usefixtures("two_cores")
def test_a_child_that_dies_has_its_batches_worked_here(caplog: pytest.LogCaptureFixture) -> None:
    def dies_in_the_child(items: Sequence[int]) -> list[tuple[int, bool]]:
        if os.getpid() != PARENT:
            os._exit(9)
        time.sleep(0.1 * len(items))  # time enough for the child to take a batch
        return whose(items)

    with caplog.at_level(logging.INFO):
        done = forks.shared_with_a_fork(
            dies_in_the_child, list(range(6)), minimum=2, what="counting"
        )
    assert done == [(i, True) for i in range(6)]
    assert "counting here, their fork failed (exit status 9" in caplog.text


@pytest.mark.usefixtures("two_cores")
def test_no_child_to_be_had_means_all_is_worked_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_fork(work: object) -> forks.Fork:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forks.Fork, "start", no_fork)
    with caplog.at_level(logging.INFO):
        done = forks.shared_with_a_fork(whose, list(range(6)), minimum=2, what="counting")
    assert done == [(i, True) for i in range(6)]
    assert "counting in this process only ([Errno 11]" in caplog.text


@pytest.mark.usefixtures("two_cores")
def test_an_error_in_a_childs_batch_is_raised_here() -> None:
    def fails_on_five(items: Sequence[int]) -> list[int]:
        if 5 in items:
            raise ValueError("item 5 is bad")
        return list(items)

    with pytest.raises(ValueError, match="item 5 is bad"):
        forks.shared_with_a_fork(fails_on_five, list(range(8)), minimum=2, what="counting")


@pytest.mark.usefixtures("two_cores")
def test_an_error_in_a_batch_here_stops_the_child() -> None:
    started: list[forks.Fork] = []
    start = forks.Fork.start

    def spy(work: object) -> forks.Fork:
        started.append(start(work))  # type: ignore[arg-type]
        return started[-1]

    def fails_here(items: Sequence[int]) -> list[int]:
        if os.getpid() == PARENT and 0 in items:
            raise ValueError("item 0 is bad")
        return list(items)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forks.Fork, "start", spy)
        with pytest.raises(ValueError, match="item 0 is bad"):
            forks.shared_with_a_fork(fails_here, list(range(8)), minimum=2, what="counting")
    assert len(started) == 1
    assert started[0].pid == 0 and not started[0].folder.exists()


def _answer() -> list[dict[str, list[int]]]:
    return [{"n": [i]} for i in range(50_000)]


@pytest.mark.skipif(not forks.can_fork(), reason="forks need Linux and a single thread")
def test_held_objects_and_fork_answers_stay_out_of_the_collector_until_thawed() -> None:
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    assert gc.get_freeze_count() == 0
    # not held: a fork leaves nothing frozen here, and its answer is collected as usual
    assert len(forks.Fork.start(_answer).result()) == 50_000
    assert gc.get_freeze_count() == 0

    forks.hold()
    try:
        held = gc.get_freeze_count()
        assert held > 0
        child = forks.Fork.start(_answer)
        gc.callbacks.append(count)
        try:
            answer = child.result()
        finally:
            gc.callbacks.remove(count)
        assert collections == []  # 100,000 new objects and no pass over them
        assert gc.get_freeze_count() >= held + 100_000  # the answer is held too
        assert len(answer) == 50_000
    finally:
        forks.thaw()
    assert gc.get_freeze_count() == 0
    forks.thaw()  # once is enough; again does nothing
    assert gc.get_freeze_count() == 0


class _Cyclic:
    def __init__(self) -> None:
        self.me = self


def test_objects_left_to_the_exit_are_not_collected_until_reclaimed() -> None:
    """`leave_to_exit` keeps Python's last collection (at exit) off every object alive; a
    process that builds again after all gets them back with `reclaim`."""
    garbage = _Cyclic()
    gone = weakref.ref(garbage)
    del garbage  # only a collection frees a cycle
    forks.leave_to_exit()
    try:
        assert gc.get_freeze_count() > 0
        gc.collect()
        assert gone() is not None  # not collected: left to the exit
    finally:
        forks.reclaim()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None
    forks.reclaim()  # once is enough; again does nothing
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    ("command", "left"), [("build", True), ("gh-deploy", True), ("serve", False)]
)
def test_a_one_shot_command_leaves_the_builds_objects_to_the_exit(command: str, left: bool) -> None:
    """MkDocs calls on_shutdown from its command line as the process ends: after `build` and
    `gh-deploy` the objects stay out of the last collection; `serve` hands them back (its
    builds go on in the same process until then), and so does the next startup."""
    plugin = CleanguidePlugin()
    plugin.on_startup(command=command, dirty=False)
    try:
        plugin.on_shutdown()
        assert (gc.get_freeze_count() > 0) is left
        plugin.on_startup(command="serve", dirty=False)
        assert gc.get_freeze_count() == 0
    finally:
        forks.reclaim()
