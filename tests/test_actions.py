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
from cx_tui.render import nobody_summary
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


def unknown(query: str, **states: SourceState) -> Profile:
    return Profile(
        query,
        ProfileState.UNKNOWN,
        sources={
            name: SourceStatus(
                name,
                state,
                "connection refused" if state is SourceState.UNREACHABLE else "",
            )
            for name, state in states.items()
        },
    )


def test_unknown_caller_offers_create_contact_prefilled() -> None:
    profile = unknown("+1 415-555-0132", CRM=SourceState.NOBODY, Desk=SourceState.NOBODY)
    actions = suggest(profile, now=NOW)
    [action] = by_rule(actions, "unknown_caller")
    assert actions[0] is action
    assert action.kind is ActionKind.CREATE_CONTACT
    assert action.prefill == {"phone": "+14155550132"}
    assert "CRM and Desk" in action.why
    assert nobody_summary(profile) == "No one found for +1 415-555-0132."


def test_create_contact_prefill_follows_the_kind_of_query() -> None:
    def prefill(query: str) -> dict[str, str]:
        [action] = by_rule(suggest(unknown(query, CRM=SourceState.NOBODY)), "unknown_caller")
        return action.prefill

    # The profile's query is the display form; the prefill is what a record stores.
    assert prefill("+1 415-555-0199 ext. 5") == {"phone": "+14155550199", "extension": "5"}
    assert prefill("a@example.com") == {"email": "a@example.com"}
    assert prefill("Zed Nobody") == {"name": "Zed Nobody"}


def test_a_source_that_could_not_be_searched_gets_a_retry_not_a_new_contact() -> None:
    profile = unknown("a@example.com", CRM=SourceState.NOBODY, Desk=SourceState.UNREACHABLE)
    actions = suggest(profile, now=NOW)
    assert by_rule(actions, "unknown_caller") == []
    assert all(a.kind is not ActionKind.CREATE_CONTACT for a in actions)
    retry = actions[0]
    assert (retry.rule, retry.kind, retry.title) == (
        "retry_lookup",
        ActionKind.RETRY_LOOKUP,
        "Retry the lookup",
    )
    assert retry.why.startswith("Desk could not be searched and may know this caller")
    assert retry.why.endswith("Desk: unreachable (connection refused).")
    assert nobody_summary(profile) == (
        "No one found for a@example.com in CRM; Desk could not be searched (unreachable)."
    )


def test_when_no_source_could_be_searched_nobody_is_ruled_out() -> None:
    profile = unknown("a@example.com", CRM=SourceState.TIMED_OUT, Desk=SourceState.UNREACHABLE)
    [action] = suggest(profile, now=NOW)
    assert action.rule == "retry_lookup"
    assert action.why == (
        "No source could be searched, so nobody is ruled out. CRM: timed out; "
        "Desk: unreachable (connection refused)."
    )
    assert nobody_summary(profile) == (
        "No source could be searched for a@example.com: CRM (timed out) and Desk (unreachable)."
    )


def test_retry_says_when_a_rate_limited_source_takes_requests_again() -> None:
    profile = Profile(
        "a@example.com",
        ProfileState.UNKNOWN,
        sources={"CRM": SourceStatus("CRM", SourceState.RATE_LIMITED, retry_after=30)},
    )
    [action] = suggest(profile, now=NOW)
    assert "retry in 30 s" in action.why


def test_a_lone_weak_match_asks_to_confirm_with_the_reason() -> None:
    grace = Match(
        person("Desk", "5", "Grace Liu", phone("555-0142")),
        MatchReason.SUFFIX,
        0.5,
        "stored as '555-0142' (only the last digits agree)",
    )
    profile = Profile(
        "+1 646-555-0142",
        ProfileState.AMBIGUOUS,
        candidates=(Candidate("k", "Grace Liu", None, (grace,)),),
        matches=(grace,),
    )
    actions = suggest(profile, now=NOW)
    assert [a.rule for a in actions] == ["weak_match"]
    assert actions[0].kind is ActionKind.CONFIRM_PERSON
    assert "only a weak match" in actions[0].title
    assert "Grace Liu in Desk: last digits, stored as '555-0142'" in actions[0].why


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
