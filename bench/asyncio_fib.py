"""fib(n) as recursive `async def` coroutines under CPython's asyncio, each
call an `await` (no task per call), with a hello timer alive.

    python3 bench/asyncio_fib.py 30
prints one machine-readable line: asyncio n=30 value=832040 ns=<ns>
"""
import asyncio
import sys
import time


async def fib(n):
    if n <= 1:
        return n
    return await fib(n - 1) + await fib(n - 2)


async def print_every(interval):
    while True:
        await asyncio.sleep(interval)


async def main(n):
    hello = asyncio.create_task(print_every(3))
    start = time.perf_counter_ns()
    value = await fib(n)
    ns = time.perf_counter_ns() - start
    hello.cancel()
    print(f"asyncio n={n} value={value} ns={ns}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
