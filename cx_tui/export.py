"""The profile as JSON: the schema `cx-tui lookup --json` prints (documented in the README).

Built field by field rather than by dumping dataclasses, so the schema is a deliberate contract
(`SCHEMA`), stable across internal refactors, and holds nothing a connector did not put in the
domain model (no tokens, no raw vendor payloads).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cx_tui.actions import NextAction
from cx_tui.insight.as_json import themes_json, tried_extra, trouble_json
from cx_tui.insight.owners import owners_json
from cx_tui.models import (
    Candidate,
    Comment,
    FieldValue,
    Interaction,
    Match,
    Profile,
    SourcedContact,
    SourceRef,
    SourceStatus,
    Ticket,
    TriedItem,
)

SCHEMA = "cx-tui/profile@1"

Json = dict[str, Any]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def ref_json(ref: SourceRef) -> Json:
    return {
        "source": ref.connector,
        "id": ref.record_id,
        "url": ref.url,
        "fetched_at": _time(ref.fetched_at),
    }


def _values(values: Sequence[FieldValue]) -> list[Json]:
    return [{"value": v.value, "sources": [ref_json(r) for r in v.sources]} for v in values]


def _contact(contact: SourcedContact) -> Json:
    point = contact.point
    return {
        "kind": point.kind.value,
        "value": point.value,
        "extension": point.extension,
        "label": point.label,
        "shared": point.shared,
        "sources": [ref_json(r) for r in contact.sources],
        "stored_as": [{"source": source, "value": raw} for source, raw in contact.spellings],
    }


def _comment(comment: Comment) -> Json:
    return {
        **ref_json(comment.ref),
        "public": comment.public,
        "author": comment.author,
        "created": _time(comment.created),
        "body": comment.body,
    }


def _ticket(ticket: Ticket) -> Json:
    return {
        **ref_json(ticket.ref),
        "subject": ticket.subject,
        "status": ticket.status.value,
        "open": ticket.is_open,
        "priority": ticket.priority.value if ticket.priority else None,
        "tags": list(ticket.tags),
        "created": _time(ticket.created),
        "updated": _time(ticket.updated),
        "sla_due": _time(ticket.sla_due),
        "comments": [_comment(c) for c in ticket.comments],
    }


def _interaction(item: Interaction) -> Json:
    return {
        **ref_json(item.ref),
        "channel": item.channel.value,
        "direction": item.direction.value,
        "at": _time(item.at),
        "summary": item.summary,
        "ticket_id": item.ticket_id,
    }


def _tried(item: TriedItem) -> Json:
    return {
        **ref_json(item.ref),
        "text": item.text,
        "at": _time(item.at),
        "ticket": ref_json(item.ticket) if item.ticket else None,
        **tried_extra(item),
    }


def _match(match: Match) -> Json:
    return {
        **ref_json(match.person.ref),
        "name": match.person.name,
        "reason": match.reason.value,
        "confidence": match.confidence,
        "detail": match.detail,
    }


def _candidate(candidate: Candidate) -> Json:
    return {
        "key": candidate.key,
        "name": candidate.name,
        "company": candidate.company,
        "last_contact": _time(candidate.last_contact),
        "matches": [_match(m) for m in candidate.matches],
    }


def _status(status: SourceStatus) -> Json:
    return {
        "name": status.source,
        "state": status.state.value,
        "message": status.message,
        "matches": status.matches,
        "elapsed_ms": round(status.elapsed_ms, 1) if status.elapsed_ms is not None else None,
        "retry_after": status.retry_after,
        "parts": [{"part": f.part, "reason": f.reason} for f in status.failed_parts],
    }


def _action(action: NextAction) -> Json:
    return {
        "rule": action.rule,
        "kind": action.kind.value,
        "title": action.title,
        "why": action.why,
        "priority": action.priority,
        "evidence": [ref_json(r) for r in action.evidence],
        "target": ref_json(action.target) if action.target else None,
        "prefill": dict(action.prefill),
        "urgent": action.urgent,
    }


def _link(profile: Profile) -> Json | None:
    link = profile.link
    if link is None:
        return None
    return {
        "point": link.point,
        "records": [{"source": c, "id": r} for c, r in link.records],
        "confirmed_by": link.by,
        "confirmed_at": _time(link.at),
        "use": profile.link_use.value if profile.link_use else None,
        "preselected": profile.preselected,
    }


def profile_json(profile: Profile, actions: Sequence[NextAction], query_kind: str) -> Json:
    """The whole profile, JSON-ready (see the README's "JSON output" section)."""
    return {
        "schema": SCHEMA,
        "query": profile.query,
        "query_kind": query_kind,
        "state": profile.state.value,
        "notes": list(profile.notes),
        "link": _link(profile),
        "person": {name: values[0].value for name, values in profile.fields.items()},
        "fields": {name: _values(values) for name, values in profile.fields.items()},
        "conflicts": [{"field": c.field, "values": _values(c.values)} for c in profile.conflicts],
        "contacts": [_contact(c) for c in profile.contacts],
        "companies": [
            {
                "name": company.name,
                "records": [
                    {**ref_json(r.ref), "name": r.name, "domain": r.domain, "plan": r.plan}
                    for r in company.records
                ],
            }
            for company in profile.companies
        ],
        "owners": owners_json(profile),
        "themes": themes_json(profile),
        "trouble_spots": trouble_json(profile),
        "tickets": [_ticket(t) for t in profile.tickets],
        "timeline": [_interaction(i) for i in profile.timeline],
        "already_tried": [_tried(i) for i in profile.already_tried],
        "matches": [_match(m) for m in profile.matches],
        "candidates": [_candidate(c) for c in profile.candidates],
        "sources": [_status(s) for s in profile.sources.values()],
        "next_actions": [_action(a) for a in actions],
    }
