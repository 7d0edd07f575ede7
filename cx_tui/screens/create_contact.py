"""Unknown caller: create a contact in a source that supports it, prefilled with what was
looked up (the number, the email or the name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from cx_tui.identity import QueryError, normalize_email, normalize_phone
from cx_tui.keys import CLOSE_KEYS, CONTACT_KEYS, bindings
from cx_tui.models import ContactKind, ContactPoint

if TYPE_CHECKING:
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine


@dataclass(frozen=True, slots=True)
class ContactDraft:
    source: str
    name: str | None
    points: tuple[ContactPoint, ...]


class CreateContact(ModalScreen[ContactDraft | None]):
    """A small form; ctrl+s (or Enter in the last field) creates, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS, CONTACT_KEYS)

    def __init__(
        self,
        sources: Sequence[str],
        *,
        name: str = "",
        phone: str = "",
        email: str = "",
        region: str | None = None,
    ) -> None:
        super().__init__()
        self.sources = list(sources)
        self.person_name = name
        self.phone = phone
        self.email = email
        self.phone_region = region

    @classmethod
    def for_query(
        cls, query: Query | None, engine: LookupEngine, region: str | None
    ) -> CreateContact:
        """The form for the caller nobody knows: every source that creates contacts, and
        what was looked up (the number with its extension, the email or the name)."""
        from cx_tui.connectors.base import Capability
        from cx_tui.identity import contact_prefill

        sources = [c.name for c in engine.connectors if c.capabilities & Capability.CREATE_CONTACT]
        prefill = contact_prefill(query) if query else {}
        phone = prefill.get("phone", "")
        if phone and prefill.get("extension"):
            phone += f" ext. {prefill['extension']}"
        name, email = prefill.get("name", ""), prefill.get("email", "")
        return cls(sources, name=name, phone=phone, email=email, region=region)

    def compose(self) -> ComposeResult:
        with Vertical(id="create-contact", classes="dialog"):
            yield Label("Create a contact", classes="dialog-title")
            yield (
                Select(
                    [(name, name) for name in self.sources],
                    value=self.sources[0] if self.sources else Select.NULL,
                    allow_blank=False,
                    id="contact-source",
                )
                if self.sources
                else Static("No source can create contacts.")
            )
            yield Input(self.person_name, placeholder="Full name", id="contact-name")
            yield Input(self.phone, placeholder="Phone (+country code)", id="contact-phone")
            yield Input(self.email, placeholder="Email", id="contact-email")
            yield Static("", id="contact-message")
            yield Label("ctrl+s creates · Escape cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "contact-email":
            self.action_create()
        else:
            self.focus_next()

    def action_create(self) -> None:
        message = self.query_one("#contact-message", Static)
        if not self.sources:
            message.update("No configured source can create contacts.")
            return
        name = " ".join(self.query_one("#contact-name", Input).value.split()) or None
        phone = self.query_one("#contact-phone", Input).value.strip()
        email = self.query_one("#contact-email", Input).value.strip()
        points: list[ContactPoint] = []
        try:
            if phone:
                parsed = normalize_phone(phone, self.phone_region)
                points.append(ContactPoint(ContactKind.PHONE, parsed.e164, parsed.extension))
            if email:
                points.append(ContactPoint(ContactKind.EMAIL, normalize_email(email)))
        except QueryError as error:
            message.update(str(error))
            return
        if not points and not name:
            message.update("Give at least a name, a phone or an email.")
            return
        source = self.query_one("#contact-source", Select).value
        self.dismiss(ContactDraft(str(source), name, tuple(points)))

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
