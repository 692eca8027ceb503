"""The receiver's thread and loop (bot.receiver): work runs there and back, a loop that
ends by itself is reported rather than leaving the process deaf, and shutdown waits for
the work handed to the main loop, within its grace."""

import asyncio
import threading

import pytest

from bot.receiver import MainLoop, Receiver, ReceiverFailed


async def test_work_runs_on_the_receivers_thread_and_stopping_ends_it() -> None:
    receiver = Receiver()
    receiver.start()

    async def where() -> str:
        return threading.current_thread().name

    assert await receiver.run(where()) == "receiver"
    await receiver.stop()

    assert not [thread for thread in threading.enumerate() if thread.name == "receiver"]
    await receiver.failure()  # stopped as asked: no failure
    with pytest.raises(ReceiverFailed):
        await receiver.run(where())


async def test_a_loop_that_ends_by_itself_is_reported() -> None:
    receiver = Receiver()
    receiver.start()

    async def end_the_loop() -> None:
        asyncio.get_running_loop().call_soon(_interrupt)

    await receiver.run(end_the_loop())

    with pytest.raises(ReceiverFailed, match="KeyboardInterrupt"):
        await asyncio.wait_for(receiver.failure(), timeout=10)
    await receiver.stop()  # and stopping it afterwards is quiet


def _interrupt() -> None:
    raise KeyboardInterrupt


async def test_work_handed_to_the_main_loop_is_awaited_then_cancelled_at_the_grace() -> None:
    main = MainLoop(asyncio.get_running_loop())
    receiver = Receiver()
    receiver.start()
    ended: list[str] = []

    async def work(name: str, seconds: float) -> None:
        try:
            await asyncio.sleep(seconds)
            ended.append(name)
        except asyncio.CancelledError:
            ended.append(f"{name} cancelled")
            raise

    async def hand_over() -> None:  # on the receiver's loop, as a request handler does
        main.hand_over(work("quick", 0.05))
        main.hand_over(work("slow", 60))

    await receiver.run(hand_over())
    await receiver.stop()

    assert await main.finish(grace_s=1.0) == 1
    assert ended == ["quick", "slow cancelled"]
    assert await main.finish(grace_s=1.0) == 0


async def test_run_returns_the_main_loops_answer_and_its_errors() -> None:
    main = MainLoop(asyncio.get_running_loop())
    receiver = Receiver()
    receiver.start()

    async def on_main() -> int:
        return threading.get_ident()

    async def failing() -> None:
        raise ValueError("no")

    async def ask() -> tuple[int, str]:
        try:
            await main.run(failing())
        except ValueError as error:
            return await main.run(on_main()), str(error)
        raise AssertionError("unreachable")

    try:
        assert await receiver.run(ask()) == (threading.get_ident(), "no")
    finally:
        await receiver.stop()
