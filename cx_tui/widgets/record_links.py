"""A record in full and its deep link: the bodies the detail dialog shows, open and copy."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.text import Text
from textual.dom import DOMNode
from textual.widget import Widget

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


def open_record(screen: DOMNode, ref: SourceRef) -> None:
    """Open the record's deep link in the browser, or say why not."""
    _with_link(screen, ref, lambda widget, url: widget.app.open_url(url), "Opened")


def copy_link(screen: DOMNode, ref: SourceRef) -> None:
    """Copy the record's deep link to the clipboard (OSC 52), or say why not."""
    _with_link(screen, ref, lambda widget, url: widget.app.copy_to_clipboard(url), "Copied")


def _with_link(
    screen: DOMNode, ref: SourceRef, use: Callable[[Widget, str], None], done: str
) -> None:
    assert isinstance(screen, Widget)
    if not ref.url:
        screen.notify(f"{ref.connector} has no web link for this record.", severity="warning")
        return
    use(screen, ref.url)
    screen.notify(f"{done} {ref.url}")
