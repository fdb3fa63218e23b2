"""aiohttp's hello world, the peer bench/http measures examples/http_hello.rs
against: `GET /` answers `Hello world!` on asyncio's default loop.

    python3 bench/aiohttp_hello.py PORT    (0: any free port)
"""
import asyncio
import sys

from aiohttp import web


async def hello(request):
    return web.Response(text="Hello world!")


async def main(port):
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"Serving on http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
