"""Painting only what changed (issue 16 target 4): an update that changes one panel's records
repaints that panel, cached answers paint together without the coalescing window, and a focus
change does not rebuild the footer."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.lookup import DetailsLoaded, LookupEngine, SourceAnswered, SourceStarted
from cx_tui.models import Channel, Details, Direction, Interaction, Profile, SourceRef
from cx_tui.pacing import SEARCHING_PAINT_DELAY, PaintPacer
from cx_tui.screens.main import MainScreen
from cx_tui.widgets.footer import CxFooter
from cx_tui.widgets.record_tables import TicketTable, TimelineTable
from cx_tui.widgets.theme_list import ThemeList
from tests.fakes import NOW, FakeConnector, person, phone, ticket
from tests.test_session import FakeTimers

NUMBER = "+14155550132"
SIZE = (120, 40)


def call(source: str, record_id: str, hours: int) -> Interaction:
    return Interaction(
        SourceRef(source, record_id),
        Channel.CALL,
        Direction.INBOUND,
        NOW - timedelta(hours=hours),
        f"Call {record_id}",
    )


def two_sources() -> tuple[LookupEngine, Details, Details]:
    """One caller in a CRM (calls) and a helpdesk (tickets): one person on screen."""
    crm_details = Details(interactions=(call("CRM", "I1", 1), call("CRM", "I2", 5)))
    desk_details = Details(tickets=(ticket("Desk", "T1", "Router drops"),))
    crm = FakeConnector(
        fake_name="CRM",
        people=[person("CRM", "1", "Ann", phone(NUMBER))],
        details={"1": crm_details},
    )
    desk = FakeConnector(
        fake_name="Desk",
        people=[person("Desk", "9", "Ann", phone(NUMBER))],
        details={"9": desk_details},
    )
    return LookupEngine([crm, desk]), crm_details, desk_details


async def tables_filled(screen: MainScreen, pilot: Pilot[None]) -> None:
    """Pause until the tables show the profile painted last (each fills a frame after it)."""
    await pilot.pause()
    for _ in range(50):
        if not screen.view.filling:
            return
        await pilot.pause(0.02)
    raise AssertionError("the tables did not fill")


async def show_caller(app: CxApp, pilot: Pilot[None]) -> MainScreen:
    """Look NUMBER up (focus stays in the lookup bar) and wait until it is painted."""
    screen = app.main
    screen.look_up(NUMBER)
    await screen.workers.wait_for_complete()
    await tables_filled(screen, pilot)
    return screen


async def test_an_update_of_one_sources_tickets_repaints_the_tickets_not_the_timeline() -> None:
    engine, crm_details, desk_details = two_sources()
    app = CxApp(load_config(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_caller(app, pilot)
        timeline = screen.query_one("#timeline", TimelineTable)
        tickets = screen.query_one("#tickets", TicketTable)
        builder = screen.session.builder
        assert builder is not None and screen.profile is not None
        assert timeline.row_count == 2 and tickets.row_count == 1
        refills, merges = timeline.refills, builder.records.merges
        assert refills >= 1  # the counter counts

        # The helpdesk's details again, with one more ticket; the CRM's calls unchanged.
        more = Details(tickets=(*desk_details.tickets, ticket("Desk", "T2", "Invoice twice")))
        builder.add_details(("Desk", "9"), more)
        screen.pacer.now(builder)
        await tables_filled(screen, pilot)
        assert builder.records.merges == merges + 1  # the records were merged again...
        assert tickets.row_count == 2  # ...and the new ticket painted...
        assert timeline.refills == refills  # ...but the timeline was not rebuilt

        # An update that does change the timeline rebuilds it (the spy is not stuck).
        calls = Details(interactions=(*crm_details.interactions, call("CRM", "I3", 0)))
        builder.add_details(("CRM", "1"), calls)
        screen.pacer.now(builder)
        await tables_filled(screen, pilot)
        assert timeline.refills == refills + 1 and timeline.row_count == 3


async def test_a_status_only_update_keeps_the_merged_records_and_repaints_no_panel() -> None:
    engine, _crm, _desk = two_sources()
    app = CxApp(load_config(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_caller(app, pilot)
        builder = screen.session.builder
        assert builder is not None and screen.profile is not None
        before = screen.profile
        themes = screen.query_one("#themes", ThemeList)
        shown = themes.content
        builder.set_status(before.sources["CRM"])  # the same details: nothing to merge
        screen.pacer.now(builder)
        after = screen.profile
        assert after is not None and after is not before  # painted again...
        assert after.tickets is before.tickets and after.timeline is before.timeline
        assert themes.content is shown  # ...with nothing new for the records' panels


def test_cached_answers_paint_together_without_the_coalescing_window() -> None:
    from cx_tui.identity import parse_query
    from cx_tui.models import Match, MatchReason

    engine, crm_details, _desk = two_sources()

    builder = engine.new_builder(parse_query(NUMBER))
    painted: list[Profile] = []
    timers, now = FakeTimers(), [100.0]
    pacer = PaintPacer(painted.append, timers, lambda: builder, clock=lambda: now[0])
    ann = person("CRM", "1", "Ann", phone(NUMBER))
    match = Match(ann, MatchReason.EXACT_E164, 1.0)
    # What the engine hands over for a cached caller, all at once.
    pacer.soon(builder, delay=SEARCHING_PAINT_DELAY)  # as the screen starts a lookup
    builder.add_matches("CRM", (match,))
    pacer.soon(builder, SourceStarted("CRM"))
    pacer.soon(builder, SourceAnswered("CRM", (match,), 0.0, cached=True))
    builder.add_details(("CRM", "1"), crm_details)
    pacer.soon(builder, DetailsLoaded("CRM", ("CRM", "1"), crm_details, 0.0, cached=True))
    assert painted == []  # not one paint per answer...
    assert [delay for delay, _c, t in timers.pending if not t.stopped] == [0.0]  # ...no window
    timers.run()  # the next turn of the loop; the pacing clock has not moved
    assert len(painted) == 1
    assert painted[0].value("name") == "Ann" and len(painted[0].timeline) == 2  # whole

    # A network answer right after still waits for the window (a burst paints once).
    pacer.soon(builder, SourceAnswered("Desk", (), 120.0))
    assert len(painted) == 1 and timers.pending[-1][0] > 0


def visible_keys(footer: Footer) -> list[tuple[str, str]]:
    return [(k.key, k.description) for k in footer.query(FooterKey) if k.display]


async def test_a_focus_change_shows_the_same_keys_as_a_new_footer_without_recomposing() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main
        footer = screen.query_one(CxFooter)
        screen.look_up(NUMBER, move_focus=True)  # the actions: n, r, h... are keys again
        await screen.workers.wait_for_complete()
        await pilot.pause()
        composed = footer.recomposed
        in_table = visible_keys(footer)
        assert ("n", "Note") in in_table
        await pilot.press("ctrl+l")  # the lookup bar takes letters: ^n writes the note
        await pilot.pause()
        assert isinstance(app.focused, Input)
        in_bar = visible_keys(footer)
        assert ("ctrl+n", "Note") in in_bar and ("r", "Recent") not in in_bar
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
            await pilot.press("ctrl+l")
            await pilot.pause()
        assert footer.recomposed == composed  # hidden, shown and relabelled in place
        assert visible_keys(footer) == in_bar
        footer.refresh(recompose=True)  # what Textual's footer would show: the same keys
        await pilot.pause()
        assert footer.recomposed == composed + 1
        assert visible_keys(footer) == in_bar


async def test_many_tickets_paint_a_page_and_the_rest_as_the_cursor_reaches_the_end() -> None:
    many = Details(tickets=tuple(ticket("Desk", f"T{n}", f"Problem {n}") for n in range(120)))
    desk = FakeConnector(
        fake_name="Desk", people=[person("Desk", "9", "Ann", phone(NUMBER))], details={"9": many}
    )
    app = CxApp(load_config(), engine=LookupEngine([desk]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_caller(app, pilot)
        table = screen.query_one("#tickets", TicketTable)
        assert table.total == 120 and len(table.tickets) == 120
        assert table.row_count == TicketTable.PAGE  # one page of rows, every ticket known
        widths = [column.width for column in table.columns.values()]
        table.focus()
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        assert table.row_count == 2 * TicketTable.PAGE  # the next page came in
        assert [column.width for column in table.columns.values()] == widths  # same columns
        assert table.current() is not None


async def test_a_static_is_updated_when_its_text_or_the_texts_own_style_differs() -> None:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from cx_tui.widgets.repaint import update_static

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(Text("Looking up", style="italic"))

    async with One().run_test() as pilot:
        static = pilot.app.query_one(Static)
        assert not update_static(static, Text("Looking up", style="italic"))  # the same
        assert update_static(static, Text("Looking up", style="bold"))  # same characters
        assert update_static(static, Text("Found"))
        assert str(static.content) == "Found"


async def test_a_zero_delay_runs_on_the_next_turn_and_can_be_stopped() -> None:
    import asyncio

    from cx_tui.pacing import next_turn_for_zero

    later: list[float] = []
    ran: list[str] = []
    schedule = next_turn_for_zero(lambda delay, _callback: later.append(delay))  # type: ignore[arg-type,return-value]
    schedule(0.0, lambda: ran.append("soon"))
    schedule(0.0, lambda: ran.append("stopped")).stop()
    schedule(0.15, lambda: ran.append("later"))
    assert ran == [] and later == [0.15]  # not at once; a delay goes to the timer
    await asyncio.sleep(0)
    assert ran == ["soon"]


async def test_the_tables_fill_in_the_frames_after_the_person_not_in_the_same_one() -> None:
    """A key typed while a big person paints reaches the screen between the panels: the
    paint shows the person at once, the tables follow a frame later, with every row."""
    engine, crm_details, _desk = two_sources()
    app = CxApp(load_config(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_caller(app, pilot)
        timeline = screen.query_one("#timeline", TimelineTable)
        builder = screen.session.builder
        assert builder is not None and timeline.row_count == 2
        calls = Details(interactions=(*crm_details.interactions, call("CRM", "I3", 0)))
        builder.add_details(("CRM", "1"), calls)
        profile = screen.pacer.now(builder)
        assert screen.profile is not None and len(screen.profile.timeline) == 3
        assert screen.view.filling and timeline.row_count == 2  # not in this frame...
        await tables_filled(screen, pilot)
        assert timeline.row_count == 3 and len(profile.timeline) == 3  # ...in a later one


async def test_the_last_callers_tickets_never_show_beside_the_next_caller() -> None:
    """The tables fill a frame after the person: while they do, the panel holds nobody's
    records rather than the caller before's."""
    other = "+14155550177"
    desk = FakeConnector(
        fake_name="Desk",
        people=[
            person("Desk", "1", "Ann", phone(NUMBER)),
            person("Desk", "2", "Bob", phone(other)),
        ],
        details={
            "1": Details(tickets=(ticket("Desk", "T1", "Router drops"),)),
            "2": Details(tickets=(ticket("Desk", "T2", "Invoice twice"),)),
        },
    )
    app = CxApp(load_config(), engine=LookupEngine([desk]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_caller(app, pilot)
        tickets = screen.query_one("#tickets", TicketTable)
        assert list(tickets.tickets) == ["Desk/T1"]
        seen: list[tuple[str | None, list[str]]] = []
        view = screen.view
        show = view.show

        def spied(profile: Profile) -> None:  # each paint, as the frame after it will show
            show(profile)
            if view.query_one("#right").display:
                seen.append((profile.value("name"), list(tickets.tickets)))

        view.show = spied  # type: ignore[method-assign]
        screen.look_up(other)
        await screen.workers.wait_for_complete()
        await tables_filled(screen, pilot)
        assert seen and all("Desk/T1" not in shown for name, shown in seen if name == "Bob")
        assert list(tickets.tickets) == ["Desk/T2"]
