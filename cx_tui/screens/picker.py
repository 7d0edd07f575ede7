"""Several people match (a shared number, an ambiguous email): the agent picks who is calling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cx_tui.keys import CLOSE_KEYS, bindings
from cx_tui.models import Candidate
from cx_tui.phrases import ago, people


def candidate_prompt(candidate: Candidate, *, last_pick: bool = False) -> Text:
    """Name, company and last contact first: what tells people apart on the phone."""
    text = Text(candidate.name or "(no name)", style="bold")
    if last_pick:
        text.append("  (picked last time)", style="italic")
    if candidate.company:
        text.append(f"  {candidate.company}")
    if candidate.last_contact:
        text.append(f"  · last contact {ago(candidate.last_contact)}", style="italic")
    reasons = ", ".join(dict.fromkeys(m.reason.value for m in candidate.matches))
    shared = any(cp.shared for m in candidate.matches for cp in m.person.contact_points)
    text.append(
        f"\n  {', '.join(candidate.sources)}: {reasons}{' (shared line)' if shared else ''}",
        style="dim",
    )
    return text


class CandidatePicker(ModalScreen[Candidate | None]):
    """Lists the candidates with what tells them apart; Enter picks, Escape leaves it open."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(
        self, query: str, candidates: Sequence[Candidate], preselected: str | None = None
    ) -> None:
        super().__init__()
        self.query_text = query
        self.candidates = list(candidates)
        self.preselected = preselected
        """The key of the candidate picked last time on this line: listed first (the
        profile orders it so) and highlighted, never picked for the agent."""

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label(
                f"{people(len(self.candidates))} "
                f"{'matches' if len(self.candidates) == 1 else 'match'} {self.query_text}. "
                "Ask who is calling, then pick:",
                classes="dialog-title",
            )
            yield OptionList(
                *(
                    Option(
                        candidate_prompt(c, last_pick=c.key == self.preselected),
                        id=f"candidate-{i}",
                    )
                    for i, c in enumerate(self.candidates)
                ),
                id="candidates",
            )
            yield Label("Enter picks · Escape decides later (p reopens)", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [c.key for c in self.candidates]
        options.highlighted = keys.index(self.preselected) if self.preselected in keys else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.candidates[event.option_index])

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
