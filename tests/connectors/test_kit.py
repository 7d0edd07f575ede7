"""The connector kit: limiter, retry policy, error mapping, size caps, secrets, pagination."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from cx_tui.connectors import kit
from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    RateLimited,
    Timeout,
    Unavailable,
)
from cx_tui.connectors.kit import (
    BACKGROUND,
    LOOKUP,
    HttpClient,
    RateLimiter,
    Vendor,
    bearer,
    retry,
)

TOKEN = "pat-na1-aaaabbbb-cccc-dddd-eeee-ffff00001111"
VENDOR = Vendor(
    name="Acme API",
    host="api.acme.example",
    reach_hint="check `base_url`",
    auth_hint='run `cx-tui secret set "Acme"`',
    scope_hint="grant the missing scopes",
)


def client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> HttpClient:
    return HttpClient(
        VENDOR,
        "https://api.acme.example",
        bearer(TOKEN),
        secrets=(TOKEN,),
        transport=httpx.MockTransport(handler),
        **kwargs,  # type: ignore[arg-type]
    )


def limiter(limit: int = 100, window: float = 1.0) -> RateLimiter:
    return RateLimiter(limit, window, label="Acme API")


def answers(
    *responses: httpx.Response | Exception,
) -> tuple[Callable[..., httpx.Response], list[httpx.Request]]:
    """A handler that gives these answers in turn (the last repeats) and records requests."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def ok(data: object = None) -> httpx.Response:
    return httpx.Response(200, json={"ok": True} if data is None else data)


# --- the limiter ------------------------------------------------------------------------------


async def test_a_burst_queues_in_windows_instead_of_exceeding_the_limit(waits: list[float]) -> None:
    clock = [100.0]
    bucket = RateLimiter(5, 1.0, label="HubSpot search", clock=lambda: clock[0], slack=0.0)
    await asyncio.gather(*(bucket.acquire(LOOKUP) for _ in range(12)))
    # Five at once, the next five one window later, the last two a window after that.
    assert sorted(waits) == [1.0] * 5 + [2.0] * 2
    assert len(waits) == 7


async def test_no_window_ever_holds_more_than_the_limit(waits: list[float]) -> None:
    clock = [0.0]
    bucket = RateLimiter(5, 1.0, label="x", clock=lambda: clock[0], slack=0.0)
    starts: list[float] = []
    for step in range(40):
        clock[0] = step * 0.05  # a request every 50 ms: four times faster than allowed
        before = len(waits)
        await bucket.acquire(BACKGROUND)
        starts.append(clock[0] + (waits[-1] if len(waits) > before else 0.0))
    for index, start in enumerate(starts):
        in_window = [s for s in starts if start <= s < start + 1.0 - 1e-9]
        assert len(in_window) <= 5, (index, in_window)


async def test_a_queue_longer_than_the_policy_allows_fails_with_retry_time(
    waits: list[float],
) -> None:
    bucket = RateLimiter(1, 5.0, label="Acme API", clock=lambda: 0.0, slack=0.0)
    await bucket.acquire(LOOKUP)
    await bucket.acquire(LOOKUP)  # waits 5 s: within LOOKUP.max_queue (10 s)
    await bucket.acquire(LOOKUP)  # waits 10 s: still within
    with pytest.raises(RateLimited) as caught:
        await bucket.acquire(LOOKUP)  # would wait 15 s
    assert caught.value.retry_after == 15.0
    assert waits == [5.0, 10.0]


async def test_a_vendor_pause_fails_lookups_fast_but_background_work_waits(
    waits: list[float],
) -> None:
    bucket = RateLimiter(10, 1.0, label="Zendesk", clock=lambda: 50.0)
    bucket.pause(20.0)
    with pytest.raises(RateLimited) as caught:
        await bucket.acquire(LOOKUP)
    assert caught.value.retry_after == 20.0 and "try again in 20 s" in caught.value.message
    await bucket.acquire(BACKGROUND)  # 20 s is within BACKGROUND.max_retry_after
    assert waits == [20.0]


async def test_a_cancelled_wait_gives_its_place_back() -> None:
    bucket = RateLimiter(1, 0.3, label="x", slack=0.0)
    await bucket.acquire(LOOKUP)
    waiting = asyncio.ensure_future(bucket.acquire(LOOKUP))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    started = asyncio.get_running_loop().time()
    await bucket.acquire(LOOKUP)
    # Its place (0.3 s after the first) is free again, so this one takes it, not 0.6 s.
    assert asyncio.get_running_loop().time() - started < 0.45


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert kit.parse_retry_after("7", now) == 7.0
    assert kit.parse_retry_after("Sun, 22 Nov 2026 15:00:30 GMT", now) == 30.0
    assert kit.parse_retry_after("soon", now) is None
    assert kit.parse_retry_after("999999", now) == kit.MAX_RETRY_AFTER


# --- retries ------------------------------------------------------------------------------------


async def test_429_with_short_retry_after_waits_then_succeeds(waits: list[float]) -> None:
    handler, seen = answers(
        httpx.Response(
            429,
            headers={"Retry-After": "1"},
            json={"message": "You have reached your secondly limit."},
        ),
        ok({"results": [1]}),
    )
    data = await client(handler).get("/x", limiter=limiter())
    assert data == {"results": [1]}
    assert len(seen) == 2
    assert waits and 0.9 <= waits[-1] <= 1.0  # the limiter held the retry for Retry-After


async def test_429_with_long_retry_after_fails_at_once_and_pauses_the_account(
    waits: list[float],
) -> None:
    handler, seen = answers(
        httpx.Response(429, headers={"Retry-After": "30"}, json={"message": "slow down"})
    )
    bucket = limiter()
    api = client(handler)
    with pytest.raises(RateLimited) as caught:
        await api.get("/x", limiter=bucket)
    assert caught.value.retry_after == 30.0
    assert caught.value.message.startswith(
        "Acme API is rate limiting cx-tui (429); try again in 30 s"
    )
    assert len(seen) == 1
    with pytest.raises(RateLimited):
        await api.get("/y", limiter=bucket)  # paused: not even sent
    assert len(seen) == 1


async def test_a_read_is_retried_after_a_5xx_but_a_write_is_not(waits: list[float]) -> None:
    handler, seen = answers(httpx.Response(503, json={"message": "busy"}), ok())
    assert await client(handler).get("/x", limiter=limiter()) == {"ok": True}
    assert len(seen) == 2

    handler, seen = answers(httpx.Response(500, json={"message": "boom"}), ok())
    with pytest.raises(Unavailable) as caught:
        await client(handler).request(
            "POST", "/notes", json_body={}, limiter=limiter(), policy=BACKGROUND
        )
    assert len(seen) == 1  # the note may exist: sending it again could write it twice
    assert caught.value.status == 500


async def test_a_write_is_retried_after_a_429_because_nothing_was_done(waits: list[float]) -> None:
    handler, seen = answers(
        httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(201, json={"id": "9"})
    )
    reply = await client(handler).request(
        "POST", "/notes", json_body={}, limiter=limiter(), policy=BACKGROUND
    )
    assert reply.status == 201 and len(seen) == 2


async def test_a_write_is_retried_when_the_connection_was_never_made(waits: list[float]) -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    handler, seen = answers(refused, httpx.Response(201, json={"id": "9"}))
    reply = await client(handler).request(
        "POST", "/notes", json_body={}, limiter=limiter(), policy=BACKGROUND
    )
    assert reply.data == {"id": "9"} and len(seen) == 2


async def test_a_write_that_timed_out_is_not_sent_again(waits: list[float]) -> None:
    handler, seen = answers(httpx.ReadTimeout("timed out"), httpx.Response(201, json={"id": "9"}))
    with pytest.raises(Timeout):
        await client(handler).request(
            "POST", "/notes", json_body={}, limiter=limiter(), policy=BACKGROUND
        )
    assert len(seen) == 1


async def test_lookups_do_not_retry_timeouts_but_background_reads_do(waits: list[float]) -> None:
    handler, seen = answers(httpx.ReadTimeout("timed out"), ok())
    with pytest.raises(Timeout) as caught:
        await client(handler).get("/x", limiter=limiter(), policy=LOOKUP)
    assert "did not answer in time" in caught.value.message and len(seen) == 1
    handler, seen = answers(httpx.ReadTimeout("timed out"), ok())
    assert await client(handler).get("/x", limiter=limiter(), policy=BACKGROUND) == {"ok": True}
    assert len(seen) == 2


async def test_backoff_is_exponential_with_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "jitter", lambda: 1.0)
    assert [kit.backoff_delay(BACKGROUND, n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 8.0]
    monkeypatch.setattr(retry, "jitter", lambda: 0.25)
    assert kit.backoff_delay(LOOKUP, 1) == pytest.approx(0.05)


# --- error mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (
            401,
            {"message": "Authentication credentials not found."},
            AuthError,
            'rejected the token (401): run `cx-tui secret set "Acme"`',
        ),
        (
            422,
            {"error": "RecordInvalid", "description": "Record validation errors"},
            BadResponse,
            "refused the request (422)",
        ),
        (502, None, Unavailable, "is failing (502)"),
        (504, None, Timeout, "timed out answering (504)"),
        (302, None, Unavailable, "redirected cx-tui to login.acme.example (302): check `base_url`"),
    ],
)
async def test_http_errors_map_to_the_connector_errors(
    waits: list[float], status: int, body: object, kind: type[Exception], words: str
) -> None:
    headers = {"Location": "https://login.acme.example/x"} if status == 302 else {}
    response = (
        httpx.Response(status, headers=headers, json=body)
        if body
        else httpx.Response(status, headers=headers)
    )
    handler, _ = answers(response)
    with pytest.raises(kind) as caught:
        await client(handler).get("/x", limiter=limiter())
    assert words in str(caught.value)
    assert caught.value.status == status


def _dns_failure() -> httpx.ConnectError:
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    return error


async def test_a_name_that_does_not_resolve_says_what_to_check(waits: list[float]) -> None:
    handler, seen = answers(_dns_failure())
    with pytest.raises(Unavailable) as caught:
        await client(handler).get("/x", limiter=limiter())
    assert caught.value.message == "cannot reach api.acme.example: check `base_url`"
    assert len(seen) == 1  # a typo does not fix itself: not retried


async def test_a_refused_connection_is_unavailable(waits: list[float]) -> None:
    handler, _ = answers(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(Unavailable) as caught:
        await client(handler).get("/x", limiter=limiter())
    assert "cannot connect to api.acme.example (connection refused)" in caught.value.message


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (
            httpx.Response(
                200,
                content=b"<html><body>Oops</body></html>",
                headers={"Content-Type": "text/html"},
            ),
            "not JSON (text/html)",
        ),
        (
            httpx.Response(
                200, content=b'{"results": [', headers={"Content-Type": "application/json"}
            ),
            "not JSON",
        ),
    ],
)
async def test_junk_is_a_bad_response(
    waits: list[float], response: httpx.Response, words: str
) -> None:
    handler, _ = answers(response)
    with pytest.raises(BadResponse) as caught:
        await client(handler).get("/x", limiter=limiter())
    assert words in caught.value.message


async def test_oversized_answers_are_refused_declared_or_streamed(waits: list[float]) -> None:
    big = b'{"x": "' + b"a" * 5000 + b'"}'
    handler, _ = answers(httpx.Response(200, content=big))
    with pytest.raises(BadResponse) as caught:
        await client(handler, max_bytes=1024).get("/x", limiter=limiter())
    assert "refuses answers that large" in caught.value.message

    async def chunks() -> object:
        for _ in range(10):
            yield b"a" * 500

    streamed = httpx.Response(200, content=chunks())  # type: ignore[arg-type]
    handler, _ = answers(streamed)
    with pytest.raises(BadResponse):
        await client(handler, max_bytes=1024).get("/x", limiter=limiter())


# --- secrets -----------------------------------------------------------------------------------


async def test_the_token_travels_in_a_header_and_never_reaches_a_message_or_repr(
    waits: list[float],
) -> None:
    echo = {"message": f"token {TOKEN} is not valid for this portal"}
    handler, seen = answers(httpx.Response(401, json=echo))
    api = client(handler)
    with pytest.raises(AuthError) as caught:
        await api.get("/crm/v3/objects/contacts", limiter=limiter(), params={"limit": 1})
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(seen[0].url)
    assert TOKEN not in caught.value.message and "***" in caught.value.message
    for text in (repr(api), repr(bearer(TOKEN)), repr(caught.value), str(caught.value.args)):
        assert TOKEN not in text


# --- pagination -----------------------------------------------------------------------------


async def test_pages_follow_cursors_and_stop_at_the_cap() -> None:
    requested: list[str | None] = []

    async def fetch(cursor: str | None) -> dict[str, object]:
        requested.append(cursor)
        number = int(cursor or 0)
        return {"items": [number], "next": str(number + 1)}

    def next_cursor(page: dict[str, object]) -> str | None:
        return str(page["next"])

    seen = [p async for p in kit.pages(fetch, next_cursor, max_pages=3)]
    assert [p["items"] for p in seen] == [[0], [1], [2]] and requested == [None, "1", "2"]

    requested.clear()
    async with contextlib.aclosing(kit.pages(fetch, next_cursor, max_pages=50)) as found:
        async for page in found:
            if page["items"] == [1]:
                break  # the caller caps
    assert requested == [None, "1"]


async def test_gather_all_cancels_the_rest_and_raises_the_first_error() -> None:
    finished: list[str] = []

    async def slow() -> str:
        await asyncio.sleep(1)
        finished.append("slow")
        return "slow"

    async def failing() -> str:
        raise Unavailable("down")

    with pytest.raises(Unavailable):
        await kit.gather_all(slow(), failing())
    await asyncio.sleep(0)
    assert finished == []


# --- text ------------------------------------------------------------------------------------


def test_html_bodies_become_lines_and_markers_disappear() -> None:
    html_body = (
        "<p>Tried:</p><ul><li>restart &amp; reset</li><li>new cable</li></ul>"
        "<p>cx-tui:0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41</p>"
    )
    assert kit.strip_marker(kit.html_to_text(html_body)) == "Tried:\n- restart & reset\n- new cable"
    assert kit.text_to_html("a < b\nnext") == "a &lt; b<br>next"
    with pytest.raises(ValueError):
        kit.marker("</p><script>")


def test_tags_custom_fields_and_the_vip_tag_read_from_untrusted_json() -> None:
    assert kit.texts(["vip", 7, None, "beta"]) == ("vip", "beta")
    assert kit.texts("vip") == ()  # a string is not a list of tags
    assert kit.texts(None) == ()
    assert kit.text_in({"plan": " Enterprise "}, "plan") == "Enterprise"
    assert kit.text_in({"plan": ""}, "plan") is None
    assert kit.text_in(["plan"], "plan") is None  # custom fields sent as a list: nothing
    assert kit.vip_tagged(("beta", "VIP")) is True
    assert kit.vip_tagged(("vip-lounge",)) is None  # only the whole tag counts
    assert kit.vip_tagged(()) is None  # no tag: not known, never "not a VIP"
