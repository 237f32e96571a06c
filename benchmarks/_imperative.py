"""Cascade-free asyncio countdown: the floor every TCO loop is compared with."""

import asyncio


async def _countdown(n: int) -> str:
    i = n
    while i > 0:
        i -= 1
        await asyncio.sleep(0)
    return "done"


def countdown(n: int) -> None:
    if asyncio.run(_countdown(n)) != "done":
        raise AssertionError("imperative countdown did not finish")
