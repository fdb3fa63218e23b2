"""fib(n) through the coroutine EventLoop of the seed article ("Understanding
Asynchronous IO With Python 3.4's Asyncio And Node.js"), written the way the
seed wrote it: a PEP 342 trampoline whose loop calls selector.select(0) on
every iteration, runs one task per iteration, and keeps its timers in a
sorted list; the hello task's timer is alive. This is a reimplementation of
the behaviour for measuring, not the seed's text.

    python3 bench/seed_loop.py 30
prints one machine-readable line: seed_loop n=30 value=832040 ns=<ns>
"""
import bisect
import collections
import os
import selectors
import sys
import time
import types


class Sleep:
    def __init__(self, seconds):
        self.seconds = seconds


class EventLoop:
    def __init__(self):
        self.running = False
        self.selector = selectors.DefaultSelector()
        self.ready = collections.deque()
        self.timers = []  # sorted (deadline, seq, step)
        self.seq = 0
        # The seed registers stdin; a pipe nobody writes to costs the same
        # select(0) without reading anything.
        self.quiet_read, self.quiet_write = os.pipe()
        self.selector.register(self.quiet_read, selectors.EVENT_READ)

    def resume(self, coroutine, value=None, stack=()):
        result = coroutine.send(value)
        if isinstance(result, types.GeneratorType):
            self.schedule(result, None, (coroutine, stack))
        elif isinstance(result, Sleep):
            self.schedule(coroutine, None, stack, time.time() + result.seconds)
        elif stack:
            self.schedule(stack[0], result, stack[1])

    def schedule(self, coroutine, value=None, stack=(), when=None):
        step = (coroutine, value, stack)
        if when:
            self.seq += 1
            bisect.insort(self.timers, (when, self.seq, step))
        else:
            self.ready.append(step)

    def stop(self):
        self.running = False

    def run_forever(self):
        self.running = True
        while self.running:
            for _key, _mask in self.selector.select(0):
                pass
            if self.ready:
                self.resume(*self.ready.popleft())
            while self.timers and self.timers[0][0] < time.time():
                _when, _seq, step = self.timers.pop(0)
                self.resume(*step)


def print_every(interval):
    while True:
        yield Sleep(interval)


def fib(n):
    if n <= 1:
        yield n
    else:
        a = yield fib(n - 1)
        b = yield fib(n - 2)
        yield a + b


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    loop = EventLoop()
    result = {}

    def compute():
        start = time.perf_counter_ns()
        value = yield fib(n)
        result["value"] = value
        result["ns"] = time.perf_counter_ns() - start
        loop.stop()
        yield Sleep(3600)

    loop.schedule(print_every(1000))
    loop.schedule(compute())
    loop.run_forever()
    print(f"seed_loop n={n} value={result['value']} ns={result['ns']}")


if __name__ == "__main__":
    main()
