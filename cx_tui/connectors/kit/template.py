"""`VendorConnector`: what every HTTP vendor connector does the same way, with hooks for the rest.

A vendor subclasses it, sets `vendor_name`, builds its `Vendor` (hints and hooks), `base_url`
and `_limiter` in `configure()` (no `__init__` of its own: `Connector.__init__` calls `setup`,
which checks the token and calls `configure`), and fills the hooks:

- **Finding people** is `search(query)` (the vendor's request: raw candidates, values checked
  with `kit.query` before anything is sent) then `confirm(candidate, query, now)` for each
  (client-side: the candidate as a `Person`, kept only when it really matches, usually through
  `kit.matching.confirm_person`), then `enrich(...)` (optional: owner names, say). The template
  sorts the matches, most confident first.
- **Writing a note** is `kit.writes.MarkerWrites`: checks, `format_note`, `find_marker` (the
  note this key already wrote), `write_note`; and for an attempt whose outcome is unknown, the
  settle delay, `find_delivery` and (where the vendor allows) `remove_duplicates`.
- **`create_person`** starts from `new_person(...)`: a cleaned name, checked emails and phones.
- **`check()`** runs `check_identity` (sign in, who am I), `check_scopes`, `check_access` (a
  harmless search) and `check_budget` over one `CheckReport`; a step ends the check by raising
  `CheckFailed` (or any `ConnectorError`).

Options are validated once, by config, from their `Option` declarations; `option(name)` reads a
value or its declared default and never validates again.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from cx_tui.connectors.base import (
    AuthError,
    Capability,
    CheckResult,
    ConnectorError,
    InvalidInput,
    NotFound,
)
from cx_tui.connectors.kit.client import HttpClient, bearer
from cx_tui.connectors.kit.errors import seconds_text
from cx_tui.connectors.kit.explain import current_explanation, record_label
from cx_tui.connectors.kit.limiter import Limiter, fingerprint, shared_limiter
from cx_tui.connectors.kit.matching import accepted_why, why_not
from cx_tui.connectors.kit.query import checked_email
from cx_tui.connectors.kit.writes import MarkerWrites
from cx_tui.models import ContactKind, SourceRef
from cx_tui.secrets import secret_set_command
from cx_tui.source_values import phone_e164

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit.errors import Vendor
    from cx_tui.connectors.kit.explain import Explanation
    from cx_tui.identity import Query
    from cx_tui.models import ContactPoint, Match

Candidate = TypeVar("Candidate")
"""What a vendor's `search` returns per person (a JSON record, a record and its identities)."""


@dataclass(frozen=True, slots=True)
class NewPerson:
    """The checked parts of a person to create (`VendorConnector.new_person`)."""

    name: str
    """Whitespace collapsed; "" when none was given."""
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    """E.164, with " ext. N" when there is an extension."""


class CheckFailed(Exception):
    """Ends `VendorConnector.check` with `summary` (what is wrong and what to do)."""

    def __init__(self, summary: str) -> None:
        super().__init__(summary)
        self.summary = summary


@dataclass(slots=True)
class CheckReport:
    """What `check()` learns, step by step."""

    who: str = ""
    """Who or what the token acts as ("portal 123", "Ana <ana@acme.com> (agent)")."""
    details: list[str] = field(default_factory=list)
    permissions: tuple[str, ...] = ()
    capabilities: Capability | None = None

    def result(self, ok: bool, summary: str) -> CheckResult:
        return CheckResult(
            ok=ok,
            summary=summary,
            details=tuple(self.details),
            permissions=self.permissions,
            capabilities=self.capabilities,
        )


class VendorConnector(MarkerWrites, Generic[Candidate]):
    """One account of an HTTP vendor. See the module docstring for the hooks.

    Args:
        name: The configured name (the keyring user of the token).
        settings: Options validated by config (and `default_region` from the app).
        secret: The token.
        transport: An httpx transport for tests.

    Raises:
        AuthError: no token, when the type `needs_secret`.
    """

    vendor_name: ClassVar[str]
    """The vendor as admins know it ("HubSpot"): in messages and the `Vendor`."""

    vendor: Vendor
    base_url: str
    _limiter: Limiter
    """The account budget every request spends unless the vendor picks another."""

    def setup(self) -> None:
        """Refuse a missing token, read the region, then let the vendor `configure` itself.

        Raises:
            AuthError: no token, when the type `needs_secret`.
        """
        if self.needs_secret and not self._secret:
            raise AuthError(
                f"No {self.vendor_name} token for {self.name}: "
                f"run `{secret_set_command(self.name)}`."
            )
        self.secret: str = self._secret or ""
        region = self.settings.get("default_region")
        self.region: str | None = region if isinstance(region, str) and region else None
        self._http: HttpClient | None = None
        self.configure()

    def configure(self) -> None:
        """Set `vendor`, `base_url` and `_limiter` (and the vendor's own state) from the
        settings; raise `ConnectorError` when they cannot work. (A vendor may instead
        override `__init__`, calling `super().__init__` first; the template needs one of
        the two.)"""

    # --- settings and plumbing ---------------------------------------------------------------

    def option(self, name: str) -> Any:
        """The option's configured value, else its declared default (config validated it)."""
        value = self.settings.get(name)
        if value is not None:
            return value
        for option in self.all_options():
            if option.name == name:
                return option.default
        raise KeyError(name)

    @staticmethod
    def host_of(base_url: str) -> str:
        """The host of an address, never a `user:password@` it may carry (messages show it)."""
        return urlsplit(base_url).netloc.rpartition("@")[2] or base_url

    def account_limiter(
        self, limit: int, window: float, *, bucket: str = "", label: str
    ) -> Limiter:
        """The limiter this account shares with every connector on the same host and token."""
        key = (self.type_name, self.vendor.host, fingerprint(self.secret))
        return shared_limiter((*key, bucket) if bucket else key, limit, window, label=label)

    def auth(self) -> httpx.Auth:
        """How requests carry the token. Default: `Authorization: Bearer`."""
        return bearer(self.secret)

    def secret_values(self) -> tuple[str, ...]:
        """Every form of the token a vendor or proxy could quote back (redacted from messages)."""
        return (self.secret,)

    def on_headers(self) -> Callable[[httpx.Headers, Limiter], None] | None:
        """What reads each answer's rate-limit headers. Default: the vendor's hooks."""
        return None

    def _client(self) -> HttpClient:
        if self._http is None:
            self._http = HttpClient(
                self.vendor,
                self.base_url,
                self.auth(),
                secrets=self.secret_values(),
                transport=self._transport,
                on_headers=self.on_headers(),
            )
        return self._http

    async def aclose(self) -> None:
        """Close the HTTP connections (they reopen on next use)."""
        if self._http is not None:
            await self._http.aclose()

    def _ref(self, record: str, url: str | None, now: datetime) -> SourceRef:
        return SourceRef(self.name, record, url, now)

    def own_record(self, ref: SourceRef, what: str) -> str:
        """The record id of `ref`, one of this account's (digits).

        Raises:
            NotFound: another connector's record, or an id this vendor cannot have.
        """
        if ref.connector != self.name:
            raise NotFound(f"{ref.connector} record {ref.record_id} is not in {self.name}.")
        return digits_id(ref.record_id, what, self.name)

    # --- finding people ----------------------------------------------------------------------

    async def find_people(self, query: Query) -> list[Match]:
        """Find the people `query` may mean: `search`, then `confirm` each candidate.

        Returns:
            The candidates that really match, confirmed client-side, most confident first.

        Raises:
            InvalidInput: a value that could change the vendor query's meaning (nothing sent).
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `kit.errors`.
        """
        candidates = await self.search(query)
        now = datetime.now(UTC)
        explanation = current_explanation()
        if explanation is not None:
            explanation.candidates = len(candidates)
        confirmed: list[tuple[Match, Candidate]] = []
        for candidate in candidates:
            match = self.confirm(candidate, query, now)
            if explanation is not None:
                self.explain_candidate(explanation, match, query)
            if match is not None:
                confirmed.append((match, candidate))
        matches = await self.enrich(confirmed)
        matches.sort(key=lambda m: (-m.confidence, m.person.name or "", m.person.ref.record_id))
        return matches

    @abstractmethod
    async def search(self, query: Query) -> Sequence[Candidate]:
        """The vendor's candidates for `query`, loosely matched (values checked first).

        Raises:
            InvalidInput: a value the vendor's query language could misread (nothing sent).
        """

    @abstractmethod
    def confirm(self, candidate: Candidate, query: Query, now: datetime) -> Match | None:
        """The candidate as a match when it really matches `query`, else None."""

    def explain_candidate(
        self, explanation: Explanation, match: Match | None, query: Query
    ) -> None:
        """Record why a candidate was kept or dropped, from the person `confirm` looked at
        (`kit.matching.confirm_person` says), when an explanation is being recorded."""
        person = explanation.take_considered()
        if match is not None:
            why = accepted_why(match.person, match, query, self.region)
            explanation.accept(match, why)
        elif person is not None:
            explanation.reject(record_label(person), why_not(person, query, self.region))
        else:
            explanation.reject("a candidate", "did not match on closer look")

    async def enrich(self, confirmed: list[tuple[Match, Candidate]]) -> list[Match]:
        """Add what the matches need beyond their record (default: nothing)."""
        return [match for match, _ in confirmed]

    # --- creating people ---------------------------------------------------------------------

    def new_person(
        self,
        name: str | None,
        contact_points: Sequence[ContactPoint],
        *,
        noun: str = "contact",
        check_email: Callable[[str], str] = checked_email,
    ) -> NewPerson:
        """The checked parts of a person to create.

        Raises:
            InvalidInput: an invalid phone or email, or nothing to create.
        """
        emails = [check_email(p.value) for p in contact_points if p.kind is ContactKind.EMAIL]
        phones = []
        for point in contact_points:
            if point.kind is ContactKind.PHONE:
                if phone_e164(point.value, self.region) is None:
                    raise InvalidInput(f"'{point.value}' is not a valid phone number.")
                phones.append(point.display())
        clean = " ".join(name.split()) if name else ""
        if not clean and not emails and not phones:
            raise InvalidInput(f"A new {noun} needs a name, a phone number or an email.")
        return NewPerson(clean, tuple(emails), tuple(phones))

    # --- the admin check ---------------------------------------------------------------------

    async def check(self) -> CheckResult:
        """Sign in, say who the token acts as, what it may do, and that a search works.

        Returns:
            ok with who and what works; not ok with what is wrong and what to do.
        """
        report = CheckReport()
        try:
            await self.check_identity(report)
            await self.check_scopes(report)
            await self.check_access(report)
            await self.check_fields(report)
        except CheckFailed as failed:
            return report.result(False, failed.summary)
        except ConnectorError as error:
            return report.result(False, error.message)
        self.check_budget(report)
        return report.result(True, self.check_summary(report))

    @abstractmethod
    async def check_identity(self, report: CheckReport) -> None:
        """Sign in and fill `report.who` (raise `CheckFailed` or a `ConnectorError`)."""

    async def check_scopes(self, report: CheckReport) -> None:
        """Fill `report.permissions` and `report.capabilities` when the vendor says."""

    async def check_access(self, report: CheckReport) -> None:
        """Try a harmless request the lookups need (a one-result search)."""

    async def check_fields(self, report: CheckReport) -> None:
        """Say which `[connectors.fields]` mapping names a field that does not exist or the
        token cannot read (the card leaves it out; the rest still shows). Default: nothing."""

    def check_budget(self, report: CheckReport) -> None:
        """Say when the account's budget is paused (the vendor asked cx-tui to slow down)."""
        paused = self._limiter.paused_for()
        if paused > 0:
            report.details.append(
                f"{self._limiter.label} is rate limited: the next request goes in "
                f"{seconds_text(paused)}"
            )

    def check_summary(self, report: CheckReport) -> str:
        """The one line of a check that passed."""
        return f"authenticated as {report.who}"


def digits_id(value: str, what: str, source: str) -> str:
    """A record id of digits, or `NotFound` (such an id cannot exist in the vendor)."""
    if not value.isdigit():
        raise NotFound(f"There is no {what} {value!r} in {source}.")
    return value
