"""A small closed-loop HTTP/1.1 load generator on asyncio streams.

Each of ``concurrency`` clients keeps one keep-alive connection and sends its
next request as soon as the previous response has been read in full, for a
bounded time and a bounded number of requests. It does only what the
benchmark needs (GET, Content-Length or chunked bodies), so it costs the
machine far less CPU than a general-purpose client: on two cores, the client
shares the CPU with the server under test, and a heavy client would make the
cheap trivial view look slower than it is and flatter the ratio.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    name: str
    path: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bytes_per_response: int = 0
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        """Latency percentile in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        k = max(0, min(len(data) - 1, round(p / 100 * len(data) + 0.5) - 1))
        return data[k] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


def build_request(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive", "Accept: text/html"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One response: (status, body, keep_alive)."""
    response, keep_alive = await _read_full(reader)
    return response.status, response.body, keep_alive


async def _client(host, port, request, deadline, budget, result, warmup_until, stop):
    reader = writer = None
    try:
        while not stop.is_set():
            if reader is None:
                reader, writer = await asyncio.open_connection(host, port)
            now = time.perf_counter()
            if now >= deadline or budget[0] <= 0:
                break
            budget[0] -= 1
            writer.write(request)
            status, body, keep_alive = await read_response(reader)
            elapsed = time.perf_counter() - now
            if now >= warmup_until:
                result.requests += 1
                result.latencies.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.bytes_per_response = len(body)
                if status != 200:
                    result.errors += 1
                    if not result.first_error:
                        result.first_error = f"HTTP {status}: {body[:300]!r}"
            if not keep_alive:
                writer.close()
                reader = writer = None
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        result.errors += 1
        if not result.first_error:
            result.first_error = f"{type(exc).__name__}: {exc}"
        stop.set()
    finally:
        if writer is not None:
            writer.close()


async def run_load(
    name: str,
    host: str,
    port: int,
    path: str,
    *,
    headers: dict[str, str],
    concurrency: int = 20,
    seconds: float = 10.0,
    max_requests: int = 50_000,
    warmup: float = 1.0,
) -> LoadResult:
    """Hammer ``path`` from ``concurrency`` connections for ``warmup`` +
    ``seconds`` (or until ``max_requests`` were sent). Only requests started
    after the warm-up count."""
    result = LoadResult(name=name, path=path)
    request = build_request(host, port, path, headers)
    start = time.perf_counter()
    warmup_until = start + warmup
    deadline = warmup_until + seconds
    budget = [max_requests]
    stop = asyncio.Event()
    await asyncio.gather(
        *(_client(host, port, request, deadline, budget, result, warmup_until, stop) for _ in range(concurrency))
    )
    result.seconds = max(1e-9, min(time.perf_counter(), deadline) - warmup_until)
    return result


# --- One browser: a keep-alive connection with a cookie jar (make bench-class) ---


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[-1] if values else ""


async def _read_full(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.setdefault(k.strip().lower(), []).append(v.strip())
    length = headers.get("content-length")
    if length:
        body = await reader.readexactly(int(length[-1]))
    elif headers.get("transfer-encoding", [""])[-1].lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(chunk[:-2])
        body = b"".join(parts)
    else:
        return Response(status, headers, await reader.read()), False
    return Response(status, headers, body), headers.get("connection", [""])[-1].lower() != "close"


class Browser:
    """What one learner's browser does to the server: one keep-alive
    connection (reopened when the server closes it) and the cookies it was
    given. GET and form POSTs only, as the portal's pages make them."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self._reader = self._writer = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: text/html"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
            lines.append(f"Origin: http://{self.host}:{self.port}")
            lines.append(f"Referer: http://{self.host}:{self.port}/")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (0, 1):
            if self._reader is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                self._writer.write(raw)
                response, keep_alive = await _read_full(self._reader)
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        if not keep_alive:
            await self.close()
        for cookie in response.headers.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response
