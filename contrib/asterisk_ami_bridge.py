#!/usr/bin/env python3
"""Asterisk AMI -> cx-tui: post newCall / answer / hangup for one agent's phone.

Runs on the agent's machine (cx-tui's HTTP endpoint listens on 127.0.0.1 only), logs in to the
Asterisk Manager Interface, follows the calls of the agent's endpoint(s) and POSTs each change
to cx-tui in the generic CTI format. Standard library only; Python 3.9+.

    export AMI_SECRET='...'                          # the manager.conf secret
    export CX_TUI_SECRET_SOFTPHONE_HTTP='...'        # the token cx-tui's endpoint expects
    python3 asterisk_ami_bridge.py --ami-host pbx.example.lan --ami-user cxtui \\
        --endpoint PJSIP/1001 --url http://127.0.0.1:8765/cti

Secrets are read from the environment only (never from the command line, where `ps` shows
them) and never printed. AMI sends the secret in clear text: reach a remote PBX through an SSH
tunnel (`ssh -L 5038:127.0.0.1:5038 pbx`) or a VPN.

How AMI events map (Asterisk 12+ event names, as documented for AMI):

- `DialBegin` whose `DestChannel` is the agent's endpoint -> newCall, direction in,
  from = `CallerIDNum` (the caller), callId = `DestUniqueid` (the agent's leg);
- `DialBegin` whose `Channel` is the agent's endpoint -> newCall, direction out,
  to = `Exten` (what the agent dialled; `DestCallerIDNum` when Exten is not a number);
- `DialEnd` with `DialStatus: ANSWER` on a followed call -> answer;
- `Hangup` of a followed channel -> hangup, cause from the Q.850 `Cause` code.

The manager user needs `read = call` (see manager.conf); nothing is written to Asterisk.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlencode

Message = dict[str, str]
Poster = Callable[[Message], None]

MAX_FOLLOWED = 1000
"""Calls followed at once; the oldest are forgotten first (a missed Hangup cannot leak)."""

# Q.850 cause codes -> the generic CTI hangup causes.
_CAUSES = {
    "16": "normalClearing",
    "17": "busy",
    "18": "noAnswer",
    "19": "noAnswer",
    "21": "noAnswer",
    "1": "notFound",
    "3": "notFound",
    "20": "notFound",
    "34": "congestion",
    "38": "congestion",
    "42": "congestion",
}


def log(text: str) -> None:
    sys.stderr.write(f"ami-bridge: {text}\n")
    sys.stderr.flush()


class _Call:
    __slots__ = ("answered", "fields")

    def __init__(self, fields: Message) -> None:
        self.fields = fields
        self.answered = False


class CallTracker:
    """Turns AMI events into CTI events for the calls of the given endpoints."""

    def __init__(self, endpoints: list[str]) -> None:
        self.prefixes = tuple(endpoint.rstrip("-").lower() + "-" for endpoint in endpoints)
        self.calls: OrderedDict[str, _Call] = OrderedDict()

    def _ours(self, channel: str) -> bool:
        return bool(channel) and channel.lower().startswith(self.prefixes)

    def _follow(self, uniqueid: str, fields: Message) -> None:
        self.calls[uniqueid] = _Call(fields)
        while len(self.calls) > MAX_FOLLOWED:
            self.calls.popitem(last=False)

    def handle(self, message: Message) -> list[Message]:
        """The CTI events (form fields) this AMI event means; usually none."""
        event = message.get("Event", "")
        if event == "DialBegin":
            return self._dial_begin(message)
        if event == "DialEnd":
            return self._dial_end(message)
        if event == "Hangup":
            return self._hangup(message)
        return []

    def _dial_begin(self, message: Message) -> list[Message]:
        if self._ours(message.get("DestChannel", "")):
            call_id = message.get("DestUniqueid", "")
            fields = {
                "event": "newCall",
                "direction": "in",
                "from": message.get("CallerIDNum", ""),
                "to": message.get("DestCallerIDNum", "") or message.get("DestExten", ""),
                "callId": call_id,
            }
        elif self._ours(message.get("Channel", "")):
            call_id = message.get("Uniqueid", "")
            dialled = message.get("Exten", "")
            if not dialled.lstrip("+").isdigit():
                dialled = message.get("DestCallerIDNum", "")
            fields = {
                "event": "newCall",
                "direction": "out",
                "from": message.get("CallerIDNum", ""),
                "to": dialled,
                "callId": call_id,
            }
        else:
            return []
        if not call_id or call_id in self.calls:
            return []  # a second DialBegin for the same leg (forks, retries)
        self._follow(call_id, fields)
        return [fields]

    def _dial_end(self, message: Message) -> list[Message]:
        if message.get("DialStatus", "").upper() != "ANSWER":
            return []
        for key in (message.get("DestUniqueid", ""), message.get("Uniqueid", "")):
            call = self.calls.get(key)
            if call is not None and not call.answered:
                call.answered = True
                return [{**call.fields, "event": "answer"}]
        return []

    def _hangup(self, message: Message) -> list[Message]:
        call = self.calls.pop(message.get("Uniqueid", ""), None)
        if call is None:
            return []
        code = message.get("Cause", "")
        if call.answered:
            cause = "normalClearing" if code in ("16", "") else _CAUSES.get(code, "normalClearing")
        else:
            # 16 before an answer: the caller gave up (or another phone took the call).
            cause = _CAUSES.get(code, "cancel") if code != "16" else "cancel"
        return [{**call.fields, "event": "hangup", "cause": cause}]


class AmiError(Exception):
    pass


class AmiConnection:
    """A minimal AMI client: banner, Login, then one message (a dict) per read."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _read_until(self, separator: bytes) -> bytes:
        while separator not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the PBX closed the AMI connection")
            self.buffer += chunk
            if len(self.buffer) > 1_000_000:
                raise AmiError("an AMI message larger than 1 MB; is this really AMI?")
        data, self.buffer = self.buffer.split(separator, 1)
        return data

    def banner(self) -> str:
        return self._read_until(b"\r\n").decode("utf-8", "replace")

    def read(self) -> Message:
        block = self._read_until(b"\r\n\r\n").decode("utf-8", "replace")
        message: Message = {}
        for line in block.split("\r\n"):
            key, colon, value = line.partition(":")
            if colon and key.strip() not in message:
                message[key.strip()] = value.strip()
        return message

    def send(self, fields: Message) -> None:
        text = "".join(f"{key}: {value}\r\n" for key, value in fields.items()) + "\r\n"
        self.sock.sendall(text.encode("utf-8"))

    def login(self, user: str, secret: str) -> None:
        self.send({"Action": "Login", "Username": user, "Secret": secret, "Events": "call"})
        while True:
            reply = self.read()
            if "Response" in reply:
                break
        if reply.get("Response", "").lower() != "success":
            raise AmiError(f"AMI login refused for user {user!r}: {reply.get('Message', '')}")


def http_poster(url: str, token: str, timeout: float = 2.0) -> Poster:
    """Posts form-encoded CTI events to cx-tui; failures are logged, never raised."""

    def post(fields: Message) -> None:
        request = urllib.request.Request(
            url,
            data=urlencode(fields).encode("utf-8"),
            headers={
                "X-CX-Token": token,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(300).decode("utf-8", "replace")
            log(f"cx-tui refused {fields.get('event')} ({error.code}): {detail}")
        except (urllib.error.URLError, OSError) as error:
            log(f"cx-tui is not reachable at {url} ({getattr(error, 'reason', error)})")

    return post


def run(
    host: str,
    port: int,
    user: str,
    secret: str,
    endpoints: list[str],
    post: Poster,
    *,
    once: bool = False,
    retry_max: float = 30.0,
) -> int:
    """Follow AMI and post events until interrupted (with `once`: until AMI closes)."""
    tracker = CallTracker(endpoints)
    delay = 1.0
    while True:
        connection: AmiConnection | None = None
        try:
            connection = AmiConnection(host, port)
            banner = connection.banner()
            if not banner.startswith("Asterisk Call Manager"):
                raise AmiError(f"{host}:{port} is not AMI (it said {banner[:40]!r})")
            connection.login(user, secret)
            connection.sock.settimeout(None)
            log(f"logged in to {host}:{port}; following {', '.join(endpoints)}")
            delay = 1.0
            while True:
                for fields in tracker.handle(connection.read()):
                    post(fields)
        except AmiError as error:
            log(str(error))
            return 2
        except OSError as error:
            log(f"AMI connection lost ({error})")
            if once:
                return 0
        finally:
            if connection is not None:
                connection.close()
        time.sleep(delay)
        delay = min(delay * 2, retry_max)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ami-host", default="127.0.0.1")
    parser.add_argument("--ami-port", type=int, default=5038)
    parser.add_argument("--ami-user", required=True, help="the manager.conf user (read = call)")
    parser.add_argument(
        "--endpoint",
        action="append",
        required=True,
        metavar="TECH/NAME",
        help="the agent's device, e.g. PJSIP/1001 (repeat for several)",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8765/cti", help="cx-tui's endpoint")
    parser.add_argument("--once", action="store_true", help="exit when AMI disconnects")
    args = parser.parse_args(argv)
    secret = os.environ.get("AMI_SECRET", "")
    token = os.environ.get("CX_TUI_SECRET_SOFTPHONE_HTTP", "")
    if not secret or not token:
        log("set AMI_SECRET and CX_TUI_SECRET_SOFTPHONE_HTTP in the environment")
        return 2
    try:
        return run(
            args.ami_host,
            args.ami_port,
            args.ami_user,
            secret,
            args.endpoint,
            http_poster(args.url, token),
            once=args.once,
        )
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
