"""Writes from the main screen: the quick note and a new contact.

Like `CallDesk`, the desk is given what it works with (the screen, where notifications show and
dialogs open; the screen's lookups; the services) and knows no screen's widgets. What to write
and where is decided elsewhere: `note_targets` and the note editor for a note, `new_person` for
whether a contact may be created at all (a known caller never is), the engine for the create.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from cx_tui.models import ProfileState

if TYPE_CHECKING:
    from textual.screen import Screen

    from cx_tui.models import NoteTarget
    from cx_tui.screens.call_desk import Lookups
    from cx_tui.screens.create_contact import ContactDraft
    from cx_tui.services import Services


class WriteDesk:
    """Opens the note editor and the create-contact form over `screen`, and follows them out.

    Args:
        screen: Where notifications show and dialogs open (the main screen).
        lookups: The screen's lookups (the profile on screen; a write refreshes it).
        services: The engine, the region and the outbox.
    """

    def __init__(self, screen: Screen[Any], lookups: Lookups, services: Services) -> None:
        self.screen = screen
        self.lookups = lookups
        self.services = services

    def note(self) -> None:
        """The quick note over the resolved caller's profile."""
        from cx_tui.screens.note import NoteEditor

        profile = self.lookups.unmasked()[1]
        if profile is None or profile.state is not ProfileState.RESOLVED:
            self.screen.notify(
                "Look the caller up first (and pick them if several match).", severity="warning"
            )
            return
        editor = NoteEditor.for_profile(profile, self.services, self._deliver_note)
        self.screen.app.push_screen(editor)

    async def _deliver_note(
        self, text: str, targets: Sequence[NoteTarget]
    ) -> AsyncIterator[tuple[NoteTarget, str, str]]:
        async for update in self.services.deliver_note(text, targets):
            yield update
        self.lookups.refresh_profile()  # the note shows in the timeline

    def create_contact(self) -> None:
        """The create-contact form, prefilled from the query; refused for a known caller."""
        from cx_tui.new_person import create_refusal
        from cx_tui.screens.create_contact import CreateContact

        query, profile = self.lookups.unmasked()
        if profile is not None and self.services.masked:  # the refusal names the caller
            from cx_tui.insight.redact import redact

            profile = redact(profile)
        refusal = create_refusal(profile)
        if refusal is not None:  # a known caller is never created twice
            self.screen.notify(refusal, title="Create contact", severity="warning", timeout=12)
            return

        def created(draft: ContactDraft | None) -> None:
            if draft is not None:
                self.screen.run_worker(self._create(draft), group="write", exit_on_error=False)

        services = self.services
        form = CreateContact.for_query(query, services.engine, services.region)
        self.screen.app.push_screen(form, created)

    async def _create(self, draft: ContactDraft) -> None:
        from cx_tui.new_person import DuplicatePersonError

        screen = self.screen
        try:
            person = await self.services.engine.create_person(
                draft.source, draft.name, draft.points
            )
        except DuplicatePersonError as error:
            screen.notify(str(error), title=error.title, severity="warning", timeout=15)
            return
        except Exception as error:
            screen.notify(
                f"{draft.source} did not create the contact: {error}", severity="error", timeout=10
            )
            return
        screen.notify(f"Created {person.name or 'the contact'} in {draft.source}.")
        query = self.lookups.unmasked()[0]
        if query is not None:
            self.lookups.look_up(query.text)
