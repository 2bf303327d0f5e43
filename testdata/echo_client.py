#!/usr/bin/python3
"""Checks `wiretalk echo` with Python's strict websockets client.

Usage: echo_client.py ws://HOST:PORT/ MAX_MESSAGE [deflate|plain]

Valid messages (text, binary, fragmented, with pings) must come back as
they were sent; invalid ones must get the right close code (RFC 6455
§7.4.1). Frames the websockets library refuses to send are written raw
onto its transport. Prints one line per check; exits 1 if any failed.

With "deflate" (the default) the server must accept the client's offer
of permessage-deflate (RFC 7692), which websockets makes by default, and
everything is checked compressed; with "plain" it must ignore the offer.
"""
import asyncio
import os
import struct
import sys

import websockets
from websockets.exceptions import ConnectionClosed

URL = sys.argv[1]
LIMIT = int(sys.argv[2])
DEFLATE = (sys.argv[3] if len(sys.argv) > 3 else "deflate") == "deflate"
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
    # The default client offers permessage-deflate: the server accepts it
    # (deflate) or ignores it (plain), and websockets then compresses its
    # frames or not.
    return websockets.connect(URL, max_size=None, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


def deflate_frame(fin, opcode, data, rsv=4):
    """A client frame whose payload is data compressed as RFC 7692 §7.2.1
    says, with RSV1 set unless rsv says otherwise."""
    import zlib
    c = zlib.compressobj(wbits=-15)
    z = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert z.endswith(b"\x00\x00\xff\xff")
    return frame(fin, opcode, z[:-4], rsv=rsv)


async def valid():
    async with connect() as ws:
        if DEFLATE:
            names = [e.name for e in ws.extensions]
            check("RFC7692 permessage-deflate negotiated", names == ["permessage-deflate"], repr(names))
        else:
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
        if DEFLATE:
            # Compressed frames written raw: a message in two fragments,
            # RSV1 on the first only, and the RFC's own "Hello".
            z = deflate_frame(True, 0x1, "fragmented κόσμε".encode())
            head = 6 if z[1] & 0x7F < 126 else 8
            payload = bytes(b ^ z[head - 4 + i % 4] for i, b in enumerate(z[head:]))
            ws.transport.write(frame(False, 0x1, payload[:3], rsv=4) + frame(True, 0x0, payload[3:]))
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            check("RFC7692 6.1 compressed message in fragments, RSV1 on the first", got == "fragmented κόσμε", repr(got))
            ws.transport.write(frame(True, 0x1, bytes([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), rsv=4))
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            check("RFC7692 7.2.3.1 Hello inflated", got == "Hello", repr(got))
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
        ("RFC6455 5.2 RSV2 without an extension fails with 1002", 1002, frame(True, 0x1, b"x", rsv=2)),
        ("RFC6455 5.5 fragmented ping fails with 1002", 1002, frame(False, 0x9, b"")),
        ("RFC6455 5.5 ping of 126 bytes fails with 1002", 1002, frame(True, 0x9, b"p" * 126)),
        ("RFC6455 5.1 unmasked client frame fails with 1002", 1002, frame(True, 0x1, b"x", mask=False)),
        ("RFC6455 5.4 continuation without a message fails with 1002", 1002, frame(True, 0x0, b"x")),
        ("RFC6455 5.4 new message inside a fragmented one fails with 1002", 1002,
         frame(False, 0x1, b"a") + frame(True, 0x2, b"b")),
        ("RFC6455 7.4.1 close code 1005 on the wire fails with 1002", 1002, frame(True, 0x8, struct.pack("!H", 1005))),
        ("RFC6455 5.5.1 close with a 1-byte payload fails with 1002", 1002, frame(True, 0x8, b"\x03")),
    ]
    if DEFLATE:
        cases += [
            ("RFC7692 6.1 RSV1 on a continuation fails with 1002", 1002,
             deflate_frame(False, 0x1, b"ab") + deflate_frame(True, 0x0, b"cd")),
            ("RFC7692 6.1 RSV1 on a ping fails with 1002", 1002, frame(True, 0x9, b"", rsv=4)),
            ("RFC7692 data that does not inflate fails with 1007", 1007, frame(True, 0x1, b"\x07\x00", rsv=4)),
            ("RFC6455 8.1 inflated text that is not UTF-8 fails with 1007", 1007, deflate_frame(True, 0x1, b"\xff\xfe")),
        ]
    else:
        cases += [("RFC6455 5.2 RSV1 without an extension fails with 1002", 1002, frame(True, 0x1, b"x", rsv=4))]
    for name, code, raw in cases:
        await expect_close(name, code, raw=raw)
    await expect_close("RFC6455 10.4 message over -max-message fails with 1009", 1009, send=os.urandom(LIMIT + 1))
    if DEFLATE:
        # 64 MiB of zeros compress to 64 KiB: the server must stop
        # inflating at -max-message.
        await expect_close("RFC7692 zip bomb (64 MiB of zeros) fails with 1009", 1009, send=bytes(64 << 20))


async def main():
    await valid()
    await invalid()


try:
    asyncio.run(main())
except Exception as e:  # a check that could not even run
    check("the checks ran", False, "%s: %s" % (type(e).__name__, e))
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
