"""The quick note: typed over the profile (which stays visible), saved to chosen targets.

Nothing typed is lost: every change is handed to `on_draft` (the app keeps drafts per caller),
Escape closes and keeps the draft, and a save that fails leaves the text in the editor. Once a
note is queued (committed to the outbox) it is no longer a draft: the outbox delivers it, and
offering it again would invite sending it twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from cx_tui.keys import NOTE_KEYS, bindings
from cx_tui.models import NoteTarget
from cx_tui.note_targets import TargetChoice, length_problem, target_label
from cx_tui.widgets.target_list import TargetList

if TYPE_CHECKING:
    from cx_tui.models import Profile
    from cx_tui.services import Services

Delivery = Callable[[str, Sequence[NoteTarget]], AsyncIterator[tuple[NoteTarget, str, str]]]
"""Saves a note to targets, yielding (target, state, message) as each one moves:
"queued", then "delivered" or "failed" (or "queued" with a reason while it waits to retry)."""

_STATE_STYLE = {"delivered": "green", "failed": "bold red", "queued": "yellow"}


class NoteEditor(ModalScreen[None]):
    """`ctrl+s` saves to the checked targets; Escape closes and keeps the draft."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(NOTE_KEYS)

    def __init__(
        self,
        caller: str,
        choices: Sequence[TargetChoice],
        deliver: Delivery,
        *,
        draft: str = "",
        on_draft: Callable[[str], None] | None = None,
        masked: Callable[[], bool] = lambda: False,
        masked_caller: str | None = None,
    ) -> None:
        super().__init__()
        self.caller = caller
        """Who the note is about, for the title."""
        self.masked_caller = masked_caller or caller
        """The title's caller while the mask is on."""
        self.choices = list(choices)
        self.masked = masked
        """Whether the mask is on (read at every paint: it may be toggled from the palette):
        the title and the targets show masked; the note and its outbox labels never are."""
        self.deliver = deliver
        self.draft = draft
        self.on_draft = on_draft or (lambda _text: None)
        self.states: dict[NoteTarget, tuple[str, str]] = {}
        self.queued: str | None = None
        """The text of the note last queued; closing does not keep it as a draft."""
        self.length_said = False

    @classmethod
    def for_profile(cls, profile: Profile, services: Services, deliver: Delivery) -> NoteEditor:
        """The editor for a resolved caller: every target that takes the note, and the
        caller's draft (kept under their first record, found under any of them)."""
        from cx_tui.note_targets import draft_keys, note_choices

        keys = draft_keys(profile)
        # Saved under the first key; found under any (the first source may not have answered
        # when the draft was written), and then moved to the first.
        found = next((key for key in keys if services.draft(key)), keys[0])

        def keep(text: str) -> None:
            services.keep_draft(keys[0], text)
            if found != keys[0]:
                services.keep_draft(found, "")

        from cx_tui.insight.redact import mask_for

        caller = profile.value("name") or profile.query
        return cls(
            caller,
            note_choices(profile, services.engine),
            deliver,
            draft=services.draft(found),
            on_draft=keep,
            masked=lambda: services.masked,
            masked_caller=mask_for(profile).query(caller),
        )

    def _title(self) -> str:
        return f"Note about {self.masked_caller if self.masked() else self.caller}"

    def mask_changed(self) -> None:
        """The mask was toggled (from the palette: the text area takes the mask key)."""
        self.query_one(".dialog-title", Label).update(self._title())
        self.query_one(TargetList).show_masked(self.masked())

    def compose(self) -> ComposeResult:
        with Vertical(id="note", classes="dialog"):
            yield Label(self._title(), classes="dialog-title")
            yield TextArea(self.draft, id="note-text", soft_wrap=True, show_line_numbers=False)
            # Above the targets, so problems and delivery states show however many targets.
            yield Static("", id="note-message")
            yield TargetList(self.choices, id="note-targets", masked=self.masked())
            yield Label(
                "ctrl+s save · Tab: targets, space toggles · Esc closes, keeps draft",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        if not self.choices:
            self._say("No source here takes notes for this caller.", "bold red")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.on_draft(event.text_area.text)
        problem = length_problem(self.selected(), event.text_area.text)  # as each source gets it
        if problem or self.length_said:
            self._say(problem or "")
        self.length_said = problem is not None

    def _say(self, message: str | Text, style: str = "bold red") -> None:
        said = self.query_one("#note-message", Static)
        said.update(Text(message, style=style) if isinstance(message, str) else message)
        said.scroll_visible(animate=False)  # when the editor scrolls (a short terminal)

    def selected(self) -> list[TargetChoice]:
        return self.query_one("#note-targets", TargetList).picked(self.choices)

    def action_save(self) -> None:
        text = self.query_one("#note-text", TextArea).text.strip()
        chosen = self.selected()
        if not text:
            self._say("The note is empty: type what the caller needs first.")
            return
        if not chosen:
            self._say("Choose at least one target (Tab to the list, space to check).")
            return
        too_long = [c for c in chosen if len(text) > c.limit]
        if too_long:
            worst = min(c.limit for c in too_long)
            target = too_long[0].shown(self.masked())
            self._say(
                f"The note is {len(text):,} characters; {target} takes at most "
                f"{worst:,}. Shorten it or untick that target."
            )
            return
        problem = length_problem(chosen, text)
        if problem:
            self._say(f"{problem}. Shorten it or untick that target.")
            return
        self._save(text, [c.target for c in chosen])

    @work(exclusive=True, group="note", exit_on_error=False)
    async def _save(self, text: str, targets: list[NoteTarget]) -> None:
        self.states = {t: ("queued", "") for t in targets}
        self._show_states()
        try:
            async for target, state, message in self.deliver(text, targets):
                if self.queued != text:  # the first update: the outbox has committed the note
                    self.queued = text
                    self.on_draft("")
                self.states[target] = (state, message)
                self._show_states()
        except Exception as error:  # the note stays in the editor: nothing is lost
            reason = str(error).rstrip(". ")
            self._say(f"Could not save the note: {reason}. The text is still here.")
            return
        if all(state != "failed" for state, _ in self.states.values()):
            self.query_one("#note-text", TextArea).text = ""
            self.on_draft("")

    def _show_states(self) -> None:
        text = Text()
        for index, (target, (state, message)) in enumerate(self.states.items()):
            if index:
                text.append("\n")
            text.append(f"{target_label(target)}: ")
            text.append(state, style=_STATE_STYLE.get(state, ""))
            if message:
                text.append(f" ({message})", style="dim")
        self._say(text)

    def action_close(self) -> None:
        text = self.query_one("#note-text", TextArea).text
        self.on_draft("" if text.strip() == self.queued else text)
        self.dismiss(None)
