"""The profile as rich renderables, for `cx-tui lookup` (and the minimal screen).

Plain rich, no Textual: the CLI prints these to the terminal. The screen passes a `Palette`
resolved from the theme's colours (`cx_tui.themes.theme_palette`), and shares the headlines
that say what a profile without one caller means (`candidates_headline`, `nobody_summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Group, RenderableType
from rich.style import StyleType
from rich.table import Table
from rich.text import Text

from cx_tui.actions import NextAction
from cx_tui.insight.trouble import banner_text
from cx_tui.models import (
    FieldValue,
    Match,
    MatchReason,
    Profile,
    ProfileState,
    SourceRef,
    SourceState,
    TroubleSpot,
)
from cx_tui.phrases import ago, listing, now_utc, people
from cx_tui.resolution import STRONG_MATCH, is_weak, weak_only

TIMELINE_ROWS = 12


@dataclass(frozen=True, slots=True)
class Palette:
    """How the highlights look; the defaults are the CLI's, the screen's come from its theme
    (the `cx-conflict`, `cx-vip`, `cx-internal-note` and `cx-sla-breach` colours)."""

    conflict: StyleType = "bold red"
    conflict_values: StyleType = "red"
    vip: StyleType = "bold magenta"
    internal_note: StyleType = "bold reverse yellow"
    sla_breach: StyleType = "bold red"


PLAIN = Palette()

_STATE_STYLE = {
    SourceState.SEARCHING: "yellow",
    SourceState.FOUND: "green",
    SourceState.NOBODY: "dim",
    SourceState.CANCELLED: "dim",
}
_FIELD_LABELS = {
    "name": "Name",
    "company": "Company",
    "title": "Title",
    "plan": "Plan",
    "timezone": "Time zone",
    "language": "Language",
    "vip": "VIP",
    "tags": "Tags",
}


def _sources(refs: Sequence[SourceRef]) -> str:
    return ", ".join(dict.fromkeys(r.connector for r in refs))


def _on_shared_line(matches: Sequence[Match]) -> bool:
    return any(cp.shared for m in matches for cp in m.person.contact_points)


def match_reason(match: Match) -> str:
    """Why a record matched, with how the source stores it: `last digits: stored as '555-0142'
    (only the last digits agree)`."""
    if match.detail and match.reason is not MatchReason.NAME:  # a name's detail repeats it
        return f"{match.reason.value}: {match.detail}"
    return match.reason.value


def candidates_headline(profile: Profile) -> str:
    """What the agent must do about several candidates, or about one weak one."""
    if all(weak_only(c.matches) for c in profile.candidates):
        return f"Only a weak match for {profile.query}: ask who is calling before sharing anything"
    count = len(profile.candidates)
    verb = "matches" if count == 1 else "match"
    return f"{people(count)} {verb} {profile.query}: ask who is calling"


def nobody_summary(profile: Profile) -> str:
    """What an unknown caller means, honestly: nobody in the sources that answered, and which
    sources could not be searched and why (they may know the caller)."""
    failed = profile.unsearched
    if not failed:
        return f"No one found for {profile.query}."
    if not profile.answered:
        gaps = listing([f"{s.source} ({s.state.value})" for s in failed])
        return f"No source could be searched for {profile.query}: {gaps}."
    searched = listing([s.source for s in profile.answered], "or")
    if len(failed) == 1:
        gaps = f"{failed[0].source} could not be searched ({failed[0].state.value})"
    else:
        gaps = listing([f"{s.source} ({s.state.value})" for s in failed]) + (
            " could not be searched"
        )
    return f"No one found for {profile.query} in {searched}; {gaps}."


def local_time(zone: str, now: datetime | None = None) -> str | None:
    """The customer's wall-clock time, e.g. "06:12 local", or None for an unknown zone."""
    try:
        here = (now or now_utc()).astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return f"{here:%H:%M} local, {here:%a}"


def identity_card(profile: Profile, now: datetime | None = None, palette: Palette = PLAIN) -> Table:
    """Field, value, where it came from ("both" or "all N" when every merged source agrees:
    the value, not its provenance, gets the room in a narrow column)."""
    merged = {m.source for m in profile.matches}

    def where(refs: Sequence[SourceRef]) -> str:
        found = {r.connector for r in refs}
        if len(merged) > 1 and found == merged:
            return "both" if len(merged) == 2 else f"all {len(merged)}"
        return _sources(refs)

    table = Table(show_header=False, box=None, pad_edge=False, expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=3)
    table.add_column(style="dim", ratio=1, overflow="ellipsis", no_wrap=True)
    for note in profile.notes:
        table.add_row("Note", Text(note, style="dim italic"), "")
    conflicting = {c.field for c in profile.conflicts}
    # Anything short of an exact number or an email says why it matched, first: the agent
    # judges whether this is really the caller. (Candidates say it in their own list.)
    reasons: dict[str, list[SourceRef]] = {}
    for match in profile.matches if profile.state is ProfileState.RESOLVED else ():
        if match.confidence < STRONG_MATCH:
            reasons.setdefault(match_reason(match), []).append(match.person.ref)
    for reason, refs in reasons.items():
        table.add_row("Matched by", Text(reason, style="yellow"), where(refs))
    mapped = {n: n.replace("_", " ").capitalize() for n in profile.fields if n not in _FIELD_LABELS}
    for name, label in {**_FIELD_LABELS, **mapped}.items():  # `[connectors.fields]` labels last
        values = profile.fields.get(name)
        if not values or (name == "vip" and name not in conflicting and values[0].value == "no"):
            continue
        shown = Text(values[0].value)
        if name == "timezone" and (clock := local_time(values[0].value, now)):
            shown.append(f"  ({clock})", style="cyan")
        if name == "vip" and values[0].value == "yes":
            shown.stylize(palette.vip)
        if name in conflicting:
            table.add_row(*conflict_cells(label, values, palette))
        else:
            table.add_row(label, shown, where(values[0].sources))
    for contact in profile.contacts:
        point = contact.point
        text = Text(point.display())
        if point.label:
            text.append(f"  {point.label}", style="dim")
        if point.shared:
            text.append("  shared", style="yellow")
        table.add_row(point.kind.value.capitalize(), text, where(contact.sources))
    return table


def conflict_cells(
    label: str, values: Sequence[FieldValue], palette: Palette = PLAIN
) -> tuple[Text, Text, Text]:
    """A conflict on two lines, each cut rather than wrapped: the value shown and its sources,
    then (`conflict`, in the conflict colour) every other value and theirs."""
    first, others = values[0], values[1:]

    def cell() -> Text:
        return Text(no_wrap=True, overflow="ellipsis")

    name, value, where = cell(), cell(), cell()
    name.append(label)
    name.append("\nconflict", style=palette.conflict)
    value.append(first.value)
    value.append("\n⚠ ", style=palette.conflict)
    value.append(" · ".join(f"'{v.value}'" for v in others), style=palette.conflict_values)
    where.append(_sources(first.sources))
    where.append("\n" + " · ".join(_sources(v.sources) for v in others))
    return name, value, where


def tickets_table(profile: Profile, now: datetime | None = None) -> Table:
    table = Table(title="Tickets", title_justify="left", expand=False)
    for column in ("#", "Subject", "Status", "Priority", "Age", "SLA due", "Source"):
        table.add_column(column)
    for ticket in profile.tickets[:15]:
        sla = ""
        if ticket.sla_due and ticket.is_open:
            sla = ago(ticket.sla_due, now)
        table.add_row(
            ticket.ref.record_id,
            ticket.subject,
            Text(ticket.status.value, style="bold" if ticket.is_open else "dim"),
            ticket.priority.value if ticket.priority else "",
            ago(ticket.created, now),
            Text(sla, style="bold red" if sla and not sla.startswith("in ") else "yellow"),
            ticket.ref.connector,
        )
    return table


def timeline_table(profile: Profile, now: datetime | None = None) -> Table:
    shown = profile.timeline[:TIMELINE_ROWS]
    more = len(profile.timeline) - len(shown)
    title = "Timeline" + (f" (newest {len(shown)} of {len(profile.timeline)})" if more else "")
    table = Table(title=title, title_justify="left", expand=False)
    for column in ("When", "Channel", "", "Summary", "Source"):
        table.add_column(column)
    for item in shown:
        table.add_row(
            ago(item.at, now),
            item.channel.value,
            {"inbound": "←", "outbound": "→"}.get(item.direction.value, "·"),
            item.summary,
            item.ref.connector,
        )
    return table


def actions_list(actions: Sequence[NextAction], palette: Palette = PLAIN) -> Group:
    lines: list[RenderableType] = [Text("Next actions", style="bold underline")]
    for index, action in enumerate(actions, 1):
        line = Text(f"{index}. ", style="bold")
        line.append(action.title, style=palette.sla_breach if action.urgent else "bold")
        line.append(f"\n   {action.why}", style="dim")
        lines.append(line)
    return Group(*lines)


def sources_line(profile: Profile) -> Text:
    text = Text("Sources: ", style="bold")
    for index, status in enumerate(profile.sources.values()):
        if index:
            text.append("  ·  ")
        style = _STATE_STYLE.get(status.state, "bold red")
        text.append(f"{status.source}: ", style="bold")
        text.append(status.state.value, style=style)
        if status.state is SourceState.FOUND and status.matches > 1:
            text.append(f" ({status.matches})")
        if status.elapsed_ms is not None:
            text.append(f" {status.elapsed_ms:.0f} ms", style="dim")
        if status.retry_after:
            text.append(f", retry in {status.retry_after:g} s", style=style)
        if status.message:
            text.append(f" ({status.message})", style=style)
    return text


def trouble_line(spot: TroubleSpot) -> Text:
    """`Trouble spot: 6 customers about login-failure in the last hour (tickets #3, #4...)`."""
    shown = ", ".join(f"#{t.ref.record_id}" for t in spot.tickets[:5])
    more = "…" if len(spot.tickets) > 5 else ""
    return Text(f"{banner_text(spot)} (tickets {shown}{more})", style="bold yellow")


def render_profile(
    profile: Profile, actions: Sequence[NextAction], now: datetime | None = None
) -> Group:
    """Everything the agent needs, top to bottom: who, what to do, what is open, what happened."""
    parts: list[RenderableType] = []
    if profile.state is not ProfileState.RESOLVED:  # the card shows them when resolved
        parts += [Text(f"Note: {note}", style="dim italic") for note in profile.notes]
    if profile.state is ProfileState.UNKNOWN:
        style = "bold red" if profile.unsearched else "bold yellow"
        parts.append(Text(nobody_summary(profile), style=style))
    elif profile.state is ProfileState.AMBIGUOUS:
        parts.append(Text(f"{candidates_headline(profile)}.", style="bold yellow"))
        table = Table(expand=False)
        for column in ("Name", "Company", "Last contact", "Known to", "Why"):
            table.add_column(column)
        for candidate in profile.candidates:
            table.add_row(
                candidate.name or "(no name)",
                candidate.company or "",
                ago(candidate.last_contact, now) if candidate.last_contact else "",
                ", ".join(candidate.sources),
                "; ".join(
                    dict.fromkeys(
                        match_reason(m) if is_weak(m) else m.reason.value for m in candidate.matches
                    )
                )
                + (" (shared line)" if _on_shared_line(candidate.matches) else ""),
            )
        parts.append(table)
    elif profile.state is ProfileState.RESOLVED:
        parts.append(identity_card(profile, now))
        parts += [trouble_line(spot) for spot in profile.trouble]
    if actions:
        parts += [Text(), actions_list(actions)]
    if profile.state is ProfileState.RESOLVED:
        if profile.tickets:
            parts += [Text(), tickets_table(profile, now)]
        if profile.already_tried:
            tried = Text("Already tried", style="bold underline")
            for item in profile.already_tried:
                tried.append(f"\n• {item.text}")
                tried.append(f"  ({ago(item.at, now)}, {item.ref.connector})", style="dim")
            parts += [Text(), tried]
        if profile.timeline:
            parts += [Text(), timeline_table(profile, now)]
    parts += [Text(), sources_line(profile)]
    return Group(*parts)
