"""The insight parts of `lookup --json`: `themes` (and the extra keys of `already_tried`).

Kept beside the insight they describe; `export.profile_json` adds them to the profile's JSON.
"""

from __future__ import annotations

from typing import Any

from cx_tui.insight.tried import came_back
from cx_tui.models import Profile, RecentTicket, Theme, TriedItem

Json = dict[str, Any]


def theme_json(theme: Theme) -> Json:
    return {
        "label": theme.label,
        "kind": theme.kind,
        "ticket_ids": [{"source": t.ref.connector, "id": t.ref.record_id} for t in theme.tickets],
        "contacts": theme.contacts,
        "first_contact": theme.first.isoformat(),
        "last_contact": theme.last.isoformat(),
        "open": theme.is_open,
    }


def themes_json(profile: Profile) -> list[Json]:
    """The caller's themes, the latest contact first."""
    return [theme_json(t) for t in profile.themes]


def tried_extra(item: TriedItem) -> Json:
    """What `already_tried` says beyond the step: how often, and whether it came back."""
    return {
        "count": item.count,
        "solved_ticket": (
            {
                "source": item.solved.connector,
                "id": item.solved.record_id,
                "status": item.solved_status,
                "at": item.solved_at.isoformat() if item.solved_at else None,
            }
            if item.solved
            else None
        ),
        "came_back": came_back(item),
    }


def _recent(ticket: RecentTicket) -> Json:
    return {
        "source": ticket.ref.connector,
        "id": ticket.ref.record_id,
        "url": ticket.ref.url,
        "subject": ticket.subject,
        "created": ticket.created.isoformat(),
    }


def trouble_json(profile: Profile) -> list[Json]:
    """The caller's trouble spots: themes many other customers wrote in about lately."""
    return [
        {
            "theme": spot.tag,
            "count": spot.total,
            "in_helpdesks": spot.customers,
            "desk_today": spot.desk_today,
            "window_minutes": spot.window_minutes,
            "ticket_ids": [
                {"source": t.ref.connector, "id": t.ref.record_id} for t in spot.tickets
            ],
            "tickets": [_recent(t) for t in spot.tickets],
            "problem": _recent(spot.problem) if spot.problem else None,
        }
        for spot in profile.trouble
    ]
