#!/usr/bin/python3
"""Checks `wiretalk echo` with Python's strict websockets client.

Usage: echo_client.py ws://HOST:PORT/ MAX_MESSAGE

Valid messages (text, binary, fragmented, with pings) must come back as
they were sent; invalid ones must get the right close code (RFC 6455
§7.4.1). Frames the websockets library refuses to send are written raw
onto its transport. Prints one line per check; exits 1 if any failed.
"""
import asyncio
import os
import struct
import sys

import websockets
from websockets.exceptions import ConnectionClosed

URL = sys.argv[1]
LIMIT = int(sys.argv[2])
TIMEOUT = 10
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail), flush=True)
    if not ok:
        failures.append(name)


def frame(fin, opcode, payload, rsv=0, mask=True):
    """A client frame, masked with a random key unless mask is False."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    m = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def connect():
    # The default client offers permessage-deflate: the server must
    # ignore the offer, and websockets then sends uncompressed frames.
    return websockets.connect(URL, max_size=None, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


async def valid():
    async with connect() as ws:
        check("no extension negotiated", not ws.extensions, repr(ws.extensions))
        for msg in ["Hello, wiretalk", "κόσμε €", ""]:
            await ws.send(msg)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            check("RFC6455 5.6 text %r echoed" % msg, got == msg, repr(got))
        for n in [0, 125, 126, 65535, 65536, LIMIT]:
            msg = os.urandom(n)
            await ws.send(msg)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            check("RFC6455 5.6 binary of %d bytes echoed" % n, got == msg, "%d bytes back" % len(got))
        await ws.send(["frag", "mented ", "κό", "σμε"])
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        check("RFC6455 5.4 fragmented text echoed whole", got == "fragmented κόσμε", repr(got))
        await ws.send([b"\x00\x01", b"", b"\x02"])
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        check("RFC6455 5.4 fragmented binary echoed whole", got == b"\x00\x01\x02", repr(got))
        pong = await ws.ping(b"wiretalk")
        try:
            await asyncio.wait_for(pong, TIMEOUT)
            check("RFC6455 5.5.2 ping answered with its payload", True)
        except asyncio.TimeoutError:
            check("RFC6455 5.5.2 ping answered with its payload", False, "no pong")
        # A code point split across fragments, and a ping between them.
        ws.transport.write(frame(False, 0x1, "€".encode()[:1]) + frame(True, 0x9, b"mid") +
                           frame(True, 0x0, "€".encode()[1:]))
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        check("RFC6455 5.4 ping between fragments, code point split across them", got == "€", repr(got))
        await ws.close(4000, "bye")
        check("RFC6455 5.5.1 close 4000 echoed", ws.close_code == 4000, "close %r" % ws.close_code)


async def expect_close(name, code, raw=None, send=None):
    async with connect() as ws:
        if raw is not None:
            ws.transport.write(raw)
        if send is not None:
            await ws.send(send)
        try:
            msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
            check(name, False, "got a message: %r" % msg[:40])
        except ConnectionClosed as e:
            got = e.rcvd.code if e.rcvd else None
            check(name, got == code, "closed with %r" % got)
        except asyncio.TimeoutError:
            check(name, False, "no close within %ds" % TIMEOUT)


async def invalid():
    cases = [
        ("RFC6455 8.1 invalid UTF-8 text fails with 1007", 1007, frame(True, 0x1, b"\xff\xfe")),
        ("RFC6455 8.1 text ending inside a code point fails with 1007", 1007, frame(True, 0x1, b"\xe2\x82")),
        ("RFC6455 8.1 surrogate fails with 1007", 1007, frame(True, 0x1, b"\xed\xa0\x80")),
        ("RFC6455 8.1 invalid UTF-8 in a continuation fails with 1007", 1007,
         frame(False, 0x1, b"ok") + frame(True, 0x0, b"\xc0\xaf")),
        ("RFC6455 8.1 fails fast: bad first fragment, no more sent", 1007, frame(False, 0x1, b"ok\xf8")),
        ("RFC6455 5.2 reserved opcode 3 fails with 1002", 1002, frame(True, 0x3, b"")),
        ("RFC6455 5.2 reserved opcode 11 fails with 1002", 1002, frame(True, 0xB, b"")),
        ("RFC6455 5.2 RSV1 without an extension fails with 1002", 1002, frame(True, 0x1, b"x", rsv=4)),
        ("RFC6455 5.5 fragmented ping fails with 1002", 1002, frame(False, 0x9, b"")),
        ("RFC6455 5.5 ping of 126 bytes fails with 1002", 1002, frame(True, 0x9, b"p" * 126)),
        ("RFC6455 5.1 unmasked client frame fails with 1002", 1002, frame(True, 0x1, b"x", mask=False)),
        ("RFC6455 5.4 continuation without a message fails with 1002", 1002, frame(True, 0x0, b"x")),
        ("RFC6455 5.4 new message inside a fragmented one fails with 1002", 1002,
         frame(False, 0x1, b"a") + frame(True, 0x2, b"b")),
        ("RFC6455 7.4.1 close code 1005 on the wire fails with 1002", 1002, frame(True, 0x8, struct.pack("!H", 1005))),
        ("RFC6455 5.5.1 close with a 1-byte payload fails with 1002", 1002, frame(True, 0x8, b"\x03")),
    ]
    for name, code, raw in cases:
        await expect_close(name, code, raw=raw)
    await expect_close("RFC6455 10.4 message over -max-message fails with 1009", 1009, send=os.urandom(LIMIT + 1))


async def main():
    await valid()
    await invalid()


try:
    asyncio.run(main())
except Exception as e:  # a check that could not even run
    check("the checks ran", False, "%s: %s" % (type(e).__name__, e))
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
