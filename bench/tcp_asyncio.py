#!/usr/bin/env python3
"""bench/tcp's Python peers: the tcp_server line protocol (`Welcome.`, then
`add 3 5` -> `8`) on asyncio's start_server, or on uvloop with --uvloop.
asyncio sets TCP_NODELAY on every stream itself. Prints `Serving on ADDR`.

    python3 bench/tcp_asyncio.py 0            # the port (0: any)
    python3 bench/tcp_asyncio.py 0 --uvloop
"""
import asyncio
import sys


def reply(line):
    words = line.split()
    if not words:
        return b""
    if words[0].lower() != "add":
        return f"Invalid command: {words[0]}\n".encode()
    try:
        return f"{sum(int(w) for w in words[1:])}\n".encode()
    except ValueError as e:
        return f"Error: {e}\n".encode()


async def session(reader, writer):
    writer.write(b"Welcome.\n")
    try:
        while line := await reader.readline():
            answer = reply(line.decode())
            if answer:
                writer.write(answer)
                await writer.drain()
    except (ConnectionError, UnicodeDecodeError):
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(session, "127.0.0.1", port, backlog=4096)
    addr = server.sockets[0].getsockname()
    print(f"Serving on {addr[0]}:{addr[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.run(main(port))
    else:
        asyncio.run(main(port))
