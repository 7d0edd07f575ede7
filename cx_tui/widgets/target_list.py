"""Where a note or a call log goes: the targets to tick, in the note editor and the wrap-up."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from cx_tui.note_targets import TargetChoice


class TargetList(SelectionList[int]):
    """One row per target choice (its index), ticked when the choice is a default; `masked`:
    each choice's masked label (the mask was on when the dialog opened)."""

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

    def picked(self, choices: Sequence[TargetChoice]) -> list[TargetChoice]:
        """The ticked ones of `choices` (the screen's list, which it may replace meanwhile)."""
        return [choices[index] for index in self.selected]
