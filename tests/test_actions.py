"""Next-action rules: each fires on its evidence, explains why, and stays quiet otherwise."""

from __future__ import annotations

from datetime import timedelta

from cx_tui.actions import ActionKind, NextAction, suggest
from cx_tui.models import (
    Candidate,
    Channel,
    Conflict,
    Details,
    Direction,
    FieldValue,
    Interaction,
    Match,
    MatchReason,
    Priority,
    Profile,
    ProfileState,
    SourceRef,
    SourceState,
    SourceStatus,
    TicketStatus,
    TriedItem,
)
from cx_tui.profile import ProfileBuilder
from tests.fakes import NOW, email, person, phone, ticket


def by_rule(actions: list[NextAction], name: str) -> list[NextAction]:
    return [a for a in actions if a.rule == name]


def resolved(**details: object) -> Profile:
    builder = ProfileBuilder("+14155550132", ["CRM"])
    p = person("CRM", "1", "Maria", phone("+14155550132"), email("m@example.com"))
    builder.add_matches("CRM", [Match(p, MatchReason.EXACT_E164, 1.0)])
    builder.set_status(SourceStatus("CRM", SourceState.FOUND, matches=1))
    builder.add_details(("CRM", "1"), Details(**details))  # type: ignore[arg-type]
    return builder.build()


def test_unknown_caller_offers_create_contact_prefilled() -> None:
    profile = Profile(
        "+14155550132",
        ProfileState.UNKNOWN,
        sources={"CRM": SourceStatus("CRM", SourceState.NOBODY)},
    )
    [action] = by_rule(suggest(profile, now=NOW), "unknown_caller")
    assert action.kind is ActionKind.CREATE_CONTACT
    assert action.prefill == {"phone": "+14155550132"}


def test_unknown_caller_names_sources_that_could_not_be_searched() -> None:
    profile = Profile(
        "a@example.com",
        ProfileState.UNKNOWN,
        sources={
            "CRM": SourceStatus("CRM", SourceState.NOBODY),
            "Desk": SourceStatus("Desk", SourceState.TIMED_OUT),
        },
    )
    [action] = by_rule(suggest(profile, now=NOW), "unknown_caller")
    assert "Desk could not be searched" in action.why
    assert action.prefill == {"email": "a@example.com"}


def test_shared_number_asks_to_confirm_and_comes_first() -> None:
    matches = [
        Match(person("CRM", str(i), n, phone("+12125550100")), MatchReason.EXACT_E164, 0.7)
        for i, n in enumerate(["Ana", "Ben", "Cy"])
    ]
    candidates = tuple(
        Candidate(str(i), m.person.name, "Globex", (m,)) for i, m in enumerate(matches)
    )
    profile = Profile(
        "+12125550100", ProfileState.AMBIGUOUS, candidates=candidates, matches=tuple(matches)
    )
    actions = suggest(profile, now=NOW)
    assert actions[0].rule == "shared_number"
    assert "3 people match" in actions[0].why and "Ana, Ben, Cy" in actions[0].why


def test_open_ticket_continue_with_age_and_last_update() -> None:
    t = ticket("CRM", "42", "Handset drops calls", age=timedelta(days=3), priority=Priority.HIGH)
    [action] = by_rule(suggest(resolved(tickets=(t,)), now=NOW), "continue_ticket")
    assert action.title == "Continue ticket #42: Handset drops calls"
    assert "Open for 3 days" in action.why and "high" in action.why
    assert "last update 1 h ago" in action.why
    assert action.target == t.ref


def test_closed_tickets_are_not_continued() -> None:
    t = ticket("CRM", "41", "Old", TicketStatus.SOLVED)
    assert by_rule(suggest(resolved(tickets=(t,)), now=NOW), "continue_ticket") == []


def _contact(
    i: int, days: float, ticket_id: str | None = "42", direction: Direction = Direction.INBOUND
) -> Interaction:
    return Interaction(
        SourceRef("CRM", f"i{i}"),
        Channel.CALL,
        direction,
        NOW - timedelta(days=days),
        "call",
        ticket_id,
    )


def test_repeat_contact_within_seven_days_escalates() -> None:
    t = ticket("CRM", "42", "Handset drops calls")
    profile = resolved(tickets=(t,), interactions=(_contact(1, 1), _contact(2, 4)))
    [action] = by_rule(suggest(profile, now=NOW), "repeat_contact")
    assert action.kind is ActionKind.ESCALATE
    assert "2 contacts (call) in the last 7 days about ticket #42" in action.why
    assert {r.record_id for r in action.evidence} == {"i1", "i2"}


def test_repeat_contact_ignores_old_outbound_and_unrelated_contacts() -> None:
    profile = resolved(
        interactions=(
            _contact(1, 1),
            _contact(2, 9),
            _contact(3, 2, direction=Direction.OUTBOUND),
            _contact(4, 2, ticket_id=None),
        )
    )
    assert by_rule(suggest(profile, now=NOW), "repeat_contact") == []


def test_sla_due_within_the_hour_is_prioritised_and_breach_said() -> None:
    soon = ticket("CRM", "7", "Outage", sla_due=NOW + timedelta(minutes=40))
    late = ticket("CRM", "8", "Billing", sla_due=NOW - timedelta(minutes=5))
    later = ticket("CRM", "9", "Later", sla_due=NOW + timedelta(hours=3))
    actions = by_rule(suggest(resolved(tickets=(soon, late, later)), now=NOW), "sla_due")
    assert {a.target.record_id for a in actions if a.target} == {"7", "8"}
    titles = {a.title for a in actions}
    assert "Prioritise #7: SLA due soon" in titles
    assert "Prioritise #8: SLA breached" in titles
    assert any("breaches in 40 min" in a.why for a in actions)


def test_conflicting_data_names_both_values_and_sources() -> None:
    conflict = Conflict(
        "plan",
        (
            FieldValue("Pro", (SourceRef("CRM", "1"),)),
            FieldValue("Professional", (SourceRef("Desk", "9"),)),
        ),
    )
    profile = Profile("q", ProfileState.RESOLVED, conflicts=(conflict,))
    [action] = by_rule(suggest(profile, now=NOW), "conflicting_data")
    assert "CRM: 'Pro'" in action.why and "Desk: 'Professional'" in action.why


def test_vip_is_said_from_the_flag_or_a_tag() -> None:
    flagged = Profile(
        "q", ProfileState.RESOLVED, fields={"vip": (FieldValue("yes", (SourceRef("Desk", "9"),)),)}
    )
    tagged = Profile("q", ProfileState.RESOLVED, fields={"tags": (FieldValue("beta, VIP", ()),)})
    plain = Profile("q", ProfileState.RESOLVED, fields={"vip": (FieldValue("no", ()),)})
    assert "Desk" in by_rule(suggest(flagged, now=NOW), "vip")[0].why
    assert len(by_rule(suggest(tagged, now=NOW), "vip")) == 1
    assert by_rule(suggest(plain, now=NOW), "vip") == []


def test_already_tried_becomes_dont_repeat() -> None:
    items = tuple(
        TriedItem(text, NOW, SourceRef("Desk", f"c{i}"))
        for i, text in enumerate(["reboot", "reinstall", "reset", "swap cable"])
    )
    profile = Profile("q", ProfileState.RESOLVED, already_tried=items)
    [action] = by_rule(suggest(profile, now=NOW), "dont_repeat")
    assert action.title == "Don't repeat: reboot; reinstall; reset (+1 more)"


def test_actions_are_ordered_by_priority() -> None:
    soon = ticket("CRM", "7", "Outage", sla_due=NOW + timedelta(minutes=40))
    actions = suggest(resolved(tickets=(soon,)), now=NOW)
    assert [a.priority for a in actions] == sorted((a.priority for a in actions), reverse=True)
    assert actions[0].rule == "sla_due"
    assert actions[-1].rule == "log_note"
