"""A minimal RFC 6455 websocket client on asyncio streams, for talking to real daphne processes.

No client library is installed (daphne's own stack is server-side Twisted), and the scale tests
need only this much: the opening handshake with extra headers (Origin, Cookie), masked text
frames out, text/close/ping frames in. No extensions, no TLS.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import struct
from typing import Any
from urllib.parse import urlsplit

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


class Closed(Exception):
    """The server closed the socket; `code` is its close code (None if none was given)."""

    def __init__(self, code: int | None, reason: str = ""):
        super().__init__(f"websocket closed with code {code} {reason}".strip())
        self.code = code
        self.reason = reason


class WebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, url: str, headers: dict[str, str] | None = None,
                      timeout: float = 10.0, local_address: str | None = None) -> WebSocket:
        """Open `ws://host:port/path`; raises ConnectionError if the server refuses the upgrade.

        `local_address` is the address to connect from (another loopback address such as
        127.0.0.7 makes the socket another client of the room, as daphne sees it)."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        local = (local_address, 0) if local_address else None
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, local_addr=local), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path or '/'} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status, *header_lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in f"{status} ":
            writer.close()
            raise ConnectionError(f"websocket upgrade refused: {status}")
        answer = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in header_lines if line)
        )
        expected = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        if answer.get("sec-websocket-accept") != expected:
            writer.close()
            raise ConnectionError("bad Sec-WebSocket-Accept in the server's answer")
        return cls(reader, writer)

    async def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(head + mask + masked)
        await self.writer.drain()

    async def send_json(self, message: dict[str, Any]) -> None:
        await self._send_frame(TEXT, json.dumps(message).encode())

    async def _read_frame(self) -> tuple[bool, int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else b""
        payload = await self.reader.readexactly(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    async def receive(self) -> str:
        """The next text message; raises Closed when the server closes instead."""
        parts: list[bytes] = []
        while True:
            try:
                final, opcode, payload = await self._read_frame()
            except asyncio.IncompleteReadError:
                raise Closed(None, "connection dropped") from None
            if opcode == PING:
                await self._send_frame(PONG, payload)
            elif opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code, payload[2:].decode("utf-8", "replace"))
            elif opcode in (TEXT, BINARY, CONTINUATION):
                parts.append(payload)
                if final:
                    return b"".join(parts).decode()

    async def receive_json(self, timeout: float = 15.0) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.receive(), timeout))
        return message

    async def close(self) -> None:
        try:
            await self._send_frame(CLOSE, struct.pack("!H", 1000))
        except (ConnectionError, RuntimeError):
            pass
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass
