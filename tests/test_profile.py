"""Identity resolution and merging: who the matches add up to, with provenance and conflicts."""

from __future__ import annotations

from datetime import timedelta

from cx_tui.insight.tried import tried_steps
from cx_tui.models import (
    Channel,
    Company,
    Details,
    Direction,
    Interaction,
    Match,
    MatchReason,
    ProfileState,
    SourceRef,
    SourceState,
    SourceStatus,
    TicketStatus,
)
from cx_tui.profile import ProfileBuilder
from cx_tui.resolution import cluster_key, resolve, weak_only
from tests.fakes import NOW, email, person, phone, ticket

CRM, DESK = "CRM", "Desk"


def m(p, reason=MatchReason.EXACT_E164, confidence=1.0) -> Match:  # type: ignore[no-untyped-def]
    return Match(p, reason, confidence)


def test_email_joins_records_across_sources() -> None:
    a = person(CRM, "1", "Maria Gonzalez", email("maria@example.com"), phone("+14155550132"))
    b = person(DESK, "9", "Maria González", email("maria@example.com"))
    result = resolve([m(a), m(b, MatchReason.PRIMARY_EMAIL)])
    assert result.state is ProfileState.RESOLVED
    assert {x.person.ref.key for x in result.resolved} == {(CRM, "1"), (DESK, "9")}


def test_phone_joins_when_emails_do_not_conflict() -> None:
    a = person(CRM, "1", "Sam Lee", phone("+14155550101"), email("sam@example.com"))
    b = person(DESK, "7", "Sam Lee", phone("+14155550101"))
    assert resolve([m(a), m(b)]).state is ProfileState.RESOLVED


def test_phone_only_match_with_conflicting_email_is_not_merged() -> None:
    a = person(CRM, "1", "Sam Lee", phone("+14155550101"), email("sam@example.com"))
    b = person(DESK, "7", "Sam Li", phone("+14155550101"), email("other@example.org"))
    result = resolve([m(a), m(b)])
    assert result.state is ProfileState.AMBIGUOUS
    assert len(result.clusters) == 2


def test_shared_number_in_one_source_yields_candidates_not_a_guess() -> None:
    main = "+12125550100"
    people = [person(CRM, str(i), f"Globex {i}", phone(main)) for i in range(3)]
    result = resolve([m(p) for p in people])
    assert result.state is ProfileState.AMBIGUOUS
    assert len(result.clusters) == 3


def test_switchboard_across_sources_never_pairs_people_arbitrarily() -> None:
    # One CRM record and two helpdesk records share the main line: pairing the CRM record with
    # either helpdesk person would be a guess.
    main = "+12125550100"
    crm = person(CRM, "1", "Front desk", phone(main))
    desk = [person(DESK, str(i), f"Desk {i}", phone(main)) for i in (7, 8)]
    result = resolve([m(crm), *(m(p) for p in desk)])
    assert result.state is ProfileState.AMBIGUOUS
    assert all(len(c) == 1 for c in result.clusters)


def test_number_flagged_shared_is_not_identity_evidence() -> None:
    a = person(CRM, "1", "Ana", phone("+12125550100", shared=True))
    b = person(DESK, "2", "Ben", phone("+12125550100"))
    assert resolve([m(a), m(b)]).state is ProfileState.AMBIGUOUS


def test_different_extensions_are_different_lines() -> None:
    a = person(CRM, "1", "Ana", phone("+12125550100", "204"))
    b = person(DESK, "2", "Ben", phone("+12125550100", "310"))
    assert resolve([m(a), m(b)]).state is ProfileState.AMBIGUOUS


def test_confirmed_link_beats_conflicting_email() -> None:
    a = person(CRM, "1", "Sam", phone("+14155550101"), email("sam@example.com"))
    b = person(DESK, "7", "Sam", phone("+14155550101"), email("sam.personal@example.org"))
    result = resolve([m(a), m(b)], links=[[(CRM, "1"), (DESK, "7")]])
    assert result.state is ProfileState.RESOLVED


def test_weak_matches_drop_when_a_strong_one_exists() -> None:
    strong = person(CRM, "1", "Ana", phone("+14155550132"))
    weak = person(DESK, "5", "Someone", phone("+16505550132"))
    result = resolve([m(strong), m(weak, MatchReason.SUFFIX, 0.5)])
    assert result.state is ProfileState.RESOLVED
    assert result.resolved[0].person.ref.key == (CRM, "1")


def test_a_lone_last_digits_match_is_a_candidate_not_the_caller() -> None:
    grace = person(DESK, "5", "Grace Liu", phone("555-0142"))
    result = resolve([m(grace, MatchReason.SUFFIX, 0.5)], line=("+16465550142", ""))
    assert result.state is ProfileState.AMBIGUOUS
    assert [c[0].person.name for c in result.clusters] == ["Grace Liu"]
    assert result.resolved == ()


def test_weak_matches_in_two_sources_still_need_the_agent() -> None:
    # Both sources store the same 7 digits: agreement on a guess is still a guess.
    a = person(CRM, "1", "Grace", phone("555-0142"), email("grace@example.com"))
    b = person(DESK, "5", "Grace", phone("555-0142"), email("grace@example.com"))
    result = resolve([m(a, MatchReason.SUFFIX, 0.5), m(b, MatchReason.SUFFIX, 0.5)])
    assert result.state is ProfileState.AMBIGUOUS
    assert len(result.clusters) == 1 and weak_only(result.clusters[0])


def test_national_digits_or_a_name_still_resolve_alone() -> None:
    oliver = person(DESK, "7", "Oliver Hughes", phone("020 7946 0457"))
    assert resolve([m(oliver, MatchReason.NATIONAL_DIGITS, 0.8)]).state is ProfileState.RESOLVED
    # The agent typed the name the caller gave: one hit is that person.
    assert resolve([m(oliver, MatchReason.NAME, 0.4)]).state is ProfileState.RESOLVED


def test_picking_the_weak_candidate_resolves_to_it() -> None:
    grace = person(DESK, "5", "Grace Liu", phone("555-0142"))
    builder = ProfileBuilder("+1 646-555-0142", [DESK])
    builder.add_matches(DESK, [m(grace, MatchReason.SUFFIX, 0.5)])
    builder.set_status(SourceStatus(DESK, SourceState.FOUND, matches=1))
    [candidate] = builder.build().candidates
    builder.select(candidate.key)
    profile = builder.build()
    assert profile.state is ProfileState.RESOLVED
    assert profile.value("name") == "Grace Liu"


def test_nobody() -> None:
    assert resolve([]).state is ProfileState.UNKNOWN


def _builder_with_maria() -> ProfileBuilder:
    crm = person(
        CRM,
        "1",
        "Maria Gonzalez",
        phone("+14155550132"),
        email("maria@example.com"),
        plan="Pro",
        timezone="America/Los_Angeles",
        tags=("beta",),
    )
    desk = person(
        DESK,
        "9",
        "maria  gonzalez",
        phone("+14155550132"),
        email("maria@example.com"),
        email("m.g@example.org", "secondary"),
        plan="Professional",
        tags=("VIP", "Beta"),
    )
    builder = ProfileBuilder("+14155550132", [CRM, DESK])
    builder.add_matches(CRM, [m(crm)])
    builder.add_matches(DESK, [m(desk)])
    for source in (CRM, DESK):
        builder.set_status(SourceStatus(source, SourceState.FOUND, matches=1))
    old = ticket(DESK, "40", "Old invoice", TicketStatus.SOLVED, age=timedelta(days=90))
    urgent = ticket(
        DESK,
        "42",
        "Handset drops calls",
        internal=["Tried: power-cycled the router; re-paired the handset", "- updated firmware"],
    )
    builder.add_details(
        (DESK, "9"),
        Details(
            companies=(Company(SourceRef(DESK, "o1"), "Acme Corp", plan="Professional"),),
            tickets=(old, urgent),
            interactions=(
                Interaction(
                    SourceRef(DESK, "i1"),
                    Channel.CHAT,
                    Direction.INBOUND,
                    NOW - timedelta(days=1),
                    "Chat",
                    "42",
                ),
            ),
        ),
    )
    builder.add_details(
        (CRM, "1"),
        Details(
            companies=(Company(SourceRef(CRM, "c1"), "ACME corp"),),
            interactions=(
                Interaction(
                    SourceRef(CRM, "i9"),
                    Channel.CALL,
                    Direction.INBOUND,
                    NOW - timedelta(hours=3),
                    "Call",
                ),
                Interaction(
                    SourceRef(CRM, "i8"),
                    Channel.EMAIL,
                    Direction.OUTBOUND,
                    NOW - timedelta(days=30),
                    "Email",
                ),
            ),
        ),
    )
    return builder


def test_profile_keeps_provenance_and_flags_conflicts() -> None:
    profile = _builder_with_maria().build()
    assert profile.state is ProfileState.RESOLVED
    # Same name up to case and spacing: one value, both sources.
    names = profile.fields["name"]
    assert len(names) == 1
    assert {ref.connector for ref in names[0].sources} == {CRM, DESK}
    # Plan differs: both values kept, conflict flagged, CRM (first in config) shown.
    assert profile.value("plan") == "Pro"
    [conflict] = profile.conflicts
    assert conflict.field == "plan"
    assert [(v.value, v.sources[0].connector) for v in conflict.values] == [
        ("Pro", CRM),
        ("Professional", DESK),
    ]
    assert profile.value("tags") == "beta, VIP"


def test_contacts_are_unioned_with_their_sources() -> None:
    profile = _builder_with_maria().build()
    by_value = {c.point.value: {r.connector for r in c.sources} for c in profile.contacts}
    assert by_value == {
        "+14155550132": {CRM, DESK},
        "maria@example.com": {CRM, DESK},
        "m.g@example.org": {DESK},
    }
    assert profile.contacts[0].point.value == "+14155550132"  # phones first


def test_companies_merge_by_name_and_timeline_is_newest_first() -> None:
    profile = _builder_with_maria().build()
    assert [c.name for c in profile.companies] == ["ACME corp"]
    assert len(profile.companies[0].records) == 2
    assert [i.ref.record_id for i in profile.timeline] == ["i9", "i1", "i8"]


def test_open_tickets_come_first_and_already_tried_lists_steps() -> None:
    profile = _builder_with_maria().build()
    assert [t.ref.record_id for t in profile.tickets] == ["42", "40"]
    steps = [item.text for item in profile.already_tried]
    assert steps == ["updated firmware", "power-cycled the router", "re-paired the handset"]
    assert all(item.ticket == SourceRef(DESK, "42") for item in profile.already_tried)


def test_internal_comments_of_closed_tickets_are_not_already_tried() -> None:
    builder = ProfileBuilder("x", [DESK])
    p = person(DESK, "1", "Ana", email("ana@example.com"))
    builder.add_matches(DESK, [m(p)])
    closed = ticket(DESK, "5", "Done", TicketStatus.CLOSED, internal=["Tried: reboot"])
    builder.add_details((DESK, "1"), Details(tickets=(closed,)))
    assert builder.build().already_tried == ()


def test_ambiguous_profile_lists_candidates_and_select_resolves() -> None:
    builder = ProfileBuilder("+12125550100", [CRM])
    people = [
        person(CRM, str(i), f"Person {i}", phone("+12125550100"), company="Globex")
        for i in range(2)
    ]
    builder.add_matches(CRM, [m(p) for p in people])
    builder.set_status(SourceStatus(CRM, SourceState.FOUND, matches=2))
    profile = builder.build()
    assert profile.state is ProfileState.AMBIGUOUS
    assert {c.name for c in profile.candidates} == {"Person 0", "Person 1"}
    assert all(c.company == "Globex" for c in profile.candidates)
    chosen = next(c for c in profile.candidates if c.name == "Person 1")
    builder.select(chosen.key)
    picked = builder.build()
    assert picked.state is ProfileState.RESOLVED
    assert picked.value("name") == "Person 1"
    assert cluster_key(picked.matches) == chosen.key


def test_unknown_only_after_every_source_answered() -> None:
    builder = ProfileBuilder("+1", [CRM, DESK])
    builder.set_status(SourceStatus(CRM, SourceState.NOBODY))
    assert builder.build().state is ProfileState.SEARCHING
    builder.set_status(SourceStatus(DESK, SourceState.TIMED_OUT, "no answer within 3 s"))
    profile = builder.build()
    assert profile.state is ProfileState.UNKNOWN
    assert profile.sources[DESK].state is SourceState.TIMED_OUT


def test_tried_steps_shapes() -> None:
    assert tried_steps("1. reset\n2) reinstalled app") == ["reset", "reinstalled app"]
    assert tried_steps("Already tried: cache; cookies.") == ["cache", "cookies"]
    assert tried_steps("  Customer   prefers email  ") == ["Customer prefers email"]
    assert tried_steps("") == []


def test_caller_extension_picks_the_person_on_that_line() -> None:
    main = "+12125550100"
    tom = person(CRM, "1", "Tom", phone(main, "210", shared=True))
    front = person(CRM, "2", "Front desk", phone(main, shared=True))
    result = resolve([m(tom), m(front, confidence=0.7)], line=(main, "210"))
    assert result.state is ProfileState.RESOLVED
    assert result.resolved[0].person.name == "Tom"


def test_unknown_extension_on_a_shared_number_is_not_resolved_to_the_main_line() -> None:
    main = "+12125550100"
    front = person(CRM, "2", "Front desk", phone(main, shared=True))
    result = resolve([m(front, confidence=0.7)], line=(main, "999"))
    assert result.state is ProfileState.AMBIGUOUS
    assert len(result.clusters) == 1


def test_without_an_extension_everyone_on_the_switchboard_is_a_candidate() -> None:
    main = "+12125550100"
    people = [
        person(CRM, "1", "Tom", phone(main, "210", shared=True)),
        person(CRM, "2", "Front desk", phone(main, shared=True)),
        person(DESK, "3", "Front desk", phone(main)),  # the helpdesk does not flag it shared
    ]
    result = resolve(
        [m(people[0], confidence=0.7), m(people[1], confidence=0.7), m(people[2])], line=(main, "")
    )
    assert result.state is ProfileState.AMBIGUOUS
    names = sorted(c[0].person.name or "" for c in result.clusters)
    assert names == ["Front desk", "Front desk", "Tom"]


def test_candidate_last_contact_comes_from_the_search_result() -> None:
    builder = ProfileBuilder("+12125550100", [CRM])
    when = NOW - timedelta(days=3)
    people = [
        person(CRM, "1", "Ana", phone("+12125550100"), last_contact=when),
        person(CRM, "2", "Ben", phone("+12125550100")),
    ]
    builder.add_matches(CRM, [m(p) for p in people])
    by_name = {c.name: c.last_contact for c in builder.build().candidates}
    assert by_name == {"Ana": when, "Ben": None}


# --- Issue 14, item 2: one number, once --------------------------------------------------


def test_one_number_in_two_spellings_shows_once_with_both_sources() -> None:
    from cx_tui.models import ContactKind, ContactPoint

    national = ContactPoint(ContactKind.PHONE, "(415) 555-0132")  # a source with no region
    crm = person(CRM, "1", "Maria", phone("+14155550132"), email("maria@example.com"))
    desk = person(DESK, "9", "Maria", national, email("maria@example.com"))
    builder = ProfileBuilder("+14155550132", [CRM, DESK], line=("+14155550132", ""))
    builder.add_matches(CRM, [Match(crm, MatchReason.EXACT_E164, 1.0)])
    detail = "stored as '(415) 555-0132' (without its country code)"
    builder.add_matches(DESK, [Match(desk, MatchReason.NATIONAL_DIGITS, 0.8, detail)])
    profile = builder.build()
    phones = [c for c in profile.contacts if c.point.kind is ContactKind.PHONE]
    assert len(phones) == 1
    assert phones[0].point.value == "+14155550132"
    assert {r.connector for r in phones[0].sources} == {CRM, DESK}
    assert phones[0].spellings == ((DESK, "(415) 555-0132"),)
    assert any("(415) 555-0132" in m.detail for m in profile.matches)


def test_a_number_without_country_code_is_read_in_the_persons_own_region() -> None:
    from cx_tui.merge import canonical_person
    from cx_tui.models import ContactKind, ContactPoint

    london = person(
        CRM, "1", "Ann", phone("+442079460958"), ContactPoint(ContactKind.PHONE, "020 7946 0000")
    )
    fixed = canonical_person(london, "US")  # the caller's region is not the person's
    assert [cp.value for cp in fixed.contact_points] == ["+442079460958", "+442079460000"]
    assert fixed.contact_points[1].raw == "020 7946 0000"
