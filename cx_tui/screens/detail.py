"""A ticket or a timeline item in full: comments in order, internal notes marked as such."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cx_tui.keys import MODAL_KEYS, bindings
from cx_tui.models import Interaction, SourceRef, Ticket
from cx_tui.phrases import ago
from cx_tui.render import PLAIN, Palette


def ticket_body(ticket: Ticket, palette: Palette = PLAIN) -> RenderableType:
    head = Text()
    head.append(f"#{ticket.ref.record_id} ", style="bold")
    head.append(ticket.subject, style="bold")
    head.append(f"\n{ticket.status.value}", style="bold" if ticket.is_open else "dim")
    if ticket.priority:
        head.append(f" · {ticket.priority.value}")
    head.append(f" · opened {ago(ticket.created)} · updated {ago(ticket.updated)}")
    if ticket.sla_due and ticket.is_open:
        head.append(f" · SLA {ago(ticket.sla_due)}", style="bold red")
    if ticket.tags:
        head.append(f"\ntags: {', '.join(ticket.tags)}", style="dim")
    parts: list[RenderableType] = [head]
    for comment in ticket.comments:
        label = Text()
        if comment.public:
            label.append("public reply", style="bold")
        else:
            label.append(" INTERNAL NOTE ", style=palette.internal_note)
        label.append(f"  {comment.author or 'unknown'} · {ago(comment.created)}", style="dim")
        parts += [Text(), label, Text(comment.body)]
    if not ticket.comments:
        parts += [Text(), Text("No comments.", style="dim")]
    return Group(*parts)


def interaction_body(
    item: Interaction, ticket: Ticket | None, palette: Palette = PLAIN
) -> RenderableType:
    head = Text()
    head.append(f"{item.channel.value} · {item.direction.value} · {ago(item.at)}", style="bold")
    head.append(f"\n{item.summary}")
    parts: list[RenderableType] = [head]
    if ticket is not None:
        parts += [
            Text(),
            Text("About this ticket:", style="underline"),
            ticket_body(ticket, palette),
        ]
    return Group(*parts)


class RecordDetail(ModalScreen[None]):
    """Shows one record; `o` opens it in the vendor's UI, `c` copies its link."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(MODAL_KEYS)

    def __init__(self, title: str, body: RenderableType, ref: SourceRef) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.ref = ref

    def compose(self) -> ComposeResult:
        with Vertical(id="detail", classes="dialog"):
            yield Label(f"{self.title_text} — {self.ref.connector}", classes="dialog-title")
            with VerticalScroll(id="detail-scroll"):
                yield Static(self.body, id="detail-body")
            hint = "o open in browser · c copy link · " if self.ref.url else ""
            yield Label(f"{hint}Escape closes", classes="dialog-hint")

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)

    def action_open_record(self) -> None:
        open_record(self, self.ref)

    def action_copy_link(self) -> None:
        copy_link(self, self.ref)


def open_record(screen: ModalScreen[None] | object, ref: SourceRef) -> None:
    """Open the record's deep link in the browser, or say why not."""
    from textual.screen import Screen

    assert isinstance(screen, Screen)
    if not ref.url:
        screen.notify(f"{ref.connector} has no web link for this record.", severity="warning")
        return
    screen.app.open_url(ref.url)
    screen.notify(f"Opened {ref.url}")


def copy_link(screen: ModalScreen[None] | object, ref: SourceRef) -> None:
    """Copy the record's deep link to the clipboard (OSC 52), or say why not."""
    from textual.screen import Screen

    assert isinstance(screen, Screen)
    if not ref.url:
        screen.notify(f"{ref.connector} has no web link for this record.", severity="warning")
        return
    screen.app.copy_to_clipboard(ref.url)
    screen.notify(f"Copied {ref.url}")
