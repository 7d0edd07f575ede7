"""Where a note or a call log goes: the targets to tick, in the note editor and the wrap-up."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from cx_tui.note_targets import TargetChoice


class TargetList(SelectionList[int]):
    """One row per target choice (its index), ticked when the choice is a default; `masked`:
    each choice's masked label (the mask is on; `show_masked` follows a toggle)."""

    def __init__(
        self,
        choices: Sequence[TargetChoice],
        *,
        id: str,  # noqa: A002
        masked: bool = False,
    ) -> None:
        super().__init__(
            *(
                Selection(choice.shown(masked), index, choice.default)
                for index, choice in enumerate(choices)
            ),
            id=id,
        )
        self.choices = tuple(choices)

    def show_masked(self, masked: bool) -> None:
        """Label every row as the mask now says (ticks and the cursor stay)."""
        for index, choice in enumerate(self.choices):
            self.replace_option_prompt_at_index(index, choice.shown(masked))

    def picked(self, choices: Sequence[TargetChoice]) -> list[TargetChoice]:
        """The ticked ones of `choices` (the screen's list, which it may replace meanwhile)."""
        return [choices[index] for index in self.selected]
