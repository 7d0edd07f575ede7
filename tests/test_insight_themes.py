"""Themes across tickets, repeat contacts per theme, and steps already tried across a theme."""

from __future__ import annotations

from datetime import timedelta

from cx_tui.actions import suggest
from cx_tui.insight.redact import redact
from cx_tui.insight.themes import similarity, themes, words
from cx_tui.insight.tried import already_tried, came_back, describe
from cx_tui.models import (
    Channel,
    Comment,
    Details,
    Direction,
    Interaction,
    Match,
    MatchReason,
    Profile,
    ProfileState,
    SourceRef,
    SourceState,
    SourceStatus,
    Ticket,
    TicketStatus,
)
from cx_tui.profile import ProfileBuilder
from tests.fakes import NOW, email, person, phone, ticket

DESK, CRM = "Desk", "CRM"


def test_tickets_sharing_a_tag_make_one_theme_from_two_sources() -> None:
    tickets = [
        ticket(DESK, "1006", "Cannot sign in", age=timedelta(days=6), tags=("login-failure",)),
        ticket(
            CRM,
            "77",
            "Portal says wrong password",
            age=timedelta(days=3),
            tags=("Login-Failure", "vip"),
        ),
        ticket(DESK, "1008", "Locked out again", age=timedelta(days=1), tags=("login-failure",)),
        ticket(
            DESK, "900", "Invoice shows the wrong amount", age=timedelta(days=2), tags=("billing",)
        ),
    ]
    found = themes(tickets)
    login = next(t for t in found if t.label == "login-failure")
    assert login.kind == "tag"
    assert login.ids == ("1008", "77", "1006")  # newest first
    assert login.contacts == 3
    assert login.first == NOW - timedelta(days=6) and login.last == NOW - timedelta(days=1)
    assert [t.ids for t in found if t.label != "login-failure"] == [("900",)]
    assert found[0] is login  # the latest contact first


def test_near_duplicate_subjects_make_a_theme_without_tags() -> None:
    tickets = [
        ticket(DESK, "1", "Desk phone drops calls", age=timedelta(days=5)),
        ticket(DESK, "2", "Desk phones dropping calls again", age=timedelta(days=2)),
        ticket(DESK, "3", "Invoice missing for March", age=timedelta(days=1)),
        ticket(CRM, "4", "desk phone drops calls!!", age=timedelta(days=1)),
    ]
    found = themes(tickets)
    grouped = {t.ids: t for t in found}
    phones = grouped[("4", "2", "1")]
    assert phones.kind == "subject"
    assert phones.label == "desk phone drops calls"
    assert ("3",) in grouped


def test_a_subject_joins_a_tag_theme_when_it_is_a_near_duplicate() -> None:
    tickets = [
        ticket(
            DESK, "1", "Login fails after reset", age=timedelta(days=5), tags=("login-failure",)
        ),
        ticket(
            DESK,
            "2",
            "Login failing after password reset",
            age=timedelta(days=4),
            tags=("login-failure",),
        ),
        ticket(DESK, "3", "Login failed after the reset", age=timedelta(days=1)),
    ]
    [theme] = themes(tickets)
    assert theme.label == "login-failure" and theme.ids == ("3", "2", "1")


def test_similarity_is_over_normalised_words() -> None:
    assert words("Can't log in: passwords FAILING (ticket 1234)") == frozenset(
        {"log", "password", "fail", "ticket"}
    )
    assert similarity(words("Phone drops calls"), words("phones dropped calls")) == 1.0
    assert similarity(words("Invoice"), words("Desk phone")) == 0.0
    assert similarity(frozenset(), words("x")) == 0.0


def _repeat_caller() -> list[Ticket]:
    """Three login-failure tickets in 7 days: #1006 solved 6 days ago, #1007 and #1008 open."""
    solved = Ticket(
        SourceRef(DESK, "1006"),
        "Cannot log in",
        TicketStatus.SOLVED,
        created=NOW - timedelta(days=7) + timedelta(hours=1),
        updated=NOW - timedelta(days=6),
        tags=("login-failure",),
        comments=(
            Comment(
                SourceRef(DESK, "c1"),
                "Tried: reset password; cleared cache",
                False,
                NOW - timedelta(days=6, hours=2),
            ),
            Comment(SourceRef(DESK, "c2"), "Works now, thanks!", True, NOW - timedelta(days=6)),
        ),
    )
    middle = ticket(
        DESK,
        "1007",
        "Login broken again",
        age=timedelta(days=3),
        tags=("login-failure",),
        internal=["- Reset password", "- checked SSO settings"],
    )
    newest = ticket(
        DESK, "1008", "Still cannot log in", age=timedelta(hours=5), tags=("login-failure",)
    )
    other = ticket(
        DESK,
        "990",
        "Add a user",
        TicketStatus.CLOSED,
        age=timedelta(days=20),
        tags=("admin",),
        internal=["Tried: nothing relevant"],
    )
    return [solved, middle, newest, other]


def test_a_repeat_caller_gets_one_theme_action_and_the_steps_of_the_solved_ticket() -> None:
    tickets = _repeat_caller()
    builder = ProfileBuilder("+14155550132", [DESK])
    p = person(DESK, "1", "Maria", phone("+14155550132"), email("m@example.com"))
    builder.add_matches(DESK, [Match(p, MatchReason.EXACT_E164, 1.0)])
    builder.set_status(SourceStatus(DESK, SourceState.FOUND, matches=1))
    builder.add_details((DESK, "1"), Details(tickets=tuple(tickets)))
    profile = builder.build()

    [theme] = [t for t in themes(profile.tickets) if t.label == "login-failure"]
    assert theme.contacts == 3

    [action] = [a for a in suggest(profile, now=NOW) if a.rule == "repeat_contact"]
    assert action.title.startswith(
        "3rd contact in 7 days about login-failure (#1008, #1007, #1006)"
    )
    assert action.target == SourceRef(DESK, "1008")

    tried = already_tried(profile.tickets, profile.timeline, NOW)
    steps = {item.text.casefold(): item for item in tried}
    assert set(steps) == {"reset password", "cleared cache", "checked sso settings"}
    assert steps["reset password"].count == 2  # on #1006 and #1007: said once
    assert came_back(steps["cleared cache"], NOW) == "on #1006, solved 6 days ago: it came back"
    assert came_back(steps["checked sso settings"], NOW) is None
    assert "nothing relevant" not in steps  # #990 is closed and of another theme


def test_solved_tickets_older_than_30_days_say_nothing() -> None:
    tickets = _repeat_caller()
    assert any(i.solved for i in already_tried(tickets, (), NOW))
    later = NOW + timedelta(days=25)  # #1006 was solved 31 days before
    assert not any(i.solved for i in already_tried(tickets, (), later))


def test_the_same_step_in_a_130_comment_thread_is_listed_once_with_its_count() -> None:
    steps = [
        "Tried: restarted the app",
        "- cleared cache\n- Restarted the app.",
        "Customer called back",
    ]
    comments = tuple(
        Comment(SourceRef(DESK, f"c{i}"), steps[i % 3], i % 5 == 0, NOW - timedelta(hours=130 - i))
        for i in range(130)
    )
    thread = Ticket(
        SourceRef(DESK, "5"),
        "Crashes",
        TicketStatus.OPEN,
        NOW - timedelta(days=9),
        NOW,
        comments=comments,
    )
    call_log = Interaction(
        SourceRef(DESK, "n1"),
        Channel.NOTE,
        Direction.INTERNAL,
        NOW,
        "Inbound call · 4 min\nrestarted the app",
        "5",
    )
    tried = already_tried([thread], [call_log], NOW)
    assert [(i.text.casefold().rstrip("."), i.count) for i in tried] == [
        ("restarted the app", 70),  # 35 "Tried:" notes and 35 bullets; not the call log
        ("customer called back", 34),
        ("cleared cache", 35),
    ]
    latest = max(c.created for c in comments if not c.public and "cache" in c.body)
    assert next(i for i in tried if i.text == "cleared cache").at == latest
    assert describe(tried[0], NOW).startswith("70 times, last ")


def test_the_profile_carries_its_themes_grouped_once_per_change_of_the_records() -> None:
    builder = ProfileBuilder("+14155550132", [DESK, CRM])
    maria = person(DESK, "1", "Maria", phone("+14155550132"), email("m@example.com"))
    builder.add_matches(DESK, [Match(maria, MatchReason.EXACT_E164, 1.0)])
    builder.set_status(SourceStatus(DESK, SourceState.FOUND, matches=1))
    builder.add_details((DESK, "1"), Details(tickets=tuple(_repeat_caller())))
    first = builder.build()
    assert first.themes == themes(first.tickets, first.timeline)
    assert "login-failure" in [t.label for t in first.themes]

    builder.set_status(SourceStatus(CRM, SourceState.NOBODY))
    again = builder.build()
    assert again.themes is first.themes  # nothing merged changed: not grouped again

    crm = person(CRM, "9", "Maria", email("m@example.com"))
    builder.add_matches(CRM, [Match(crm, MatchReason.PRIMARY_EMAIL, 1.0)])
    extra = ticket(CRM, "55", "Invoice shows the wrong amount", tags=("billing",))
    builder.add_details((CRM, "9"), Details(tickets=(extra,)))
    later = builder.build()
    assert later.themes is not first.themes
    assert [t.label for t in later.themes if extra in t.tickets] == ["invoice shows wrong amount"]


def test_the_mask_hides_the_caller_in_theme_labels_and_shows_the_masked_tickets() -> None:
    tickets = (
        ticket(DESK, "1", "Maria Gonzalez locked out of portal", age=timedelta(days=3)),
        ticket(DESK, "2", "Maria Gonzalez locked out of portal again", age=timedelta(days=1)),
    )
    caller = person(DESK, "7", "Maria Gonzalez", phone("+14155550132"))
    profile = Profile(
        "+14155550132",
        ProfileState.RESOLVED,
        tickets=tickets,
        themes=themes(tickets),
        matches=(Match(caller, MatchReason.EXACT_E164, 1.0),),
    )
    assert "maria" in profile.themes[0].label
    masked = redact(profile)
    [theme] = masked.themes
    assert "maria" not in theme.label.casefold() and "gonzalez" not in theme.label.casefold()
    assert "locked" in theme.label
    assert all(any(t is m for m in masked.tickets) for t in theme.tickets)
