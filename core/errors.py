"""Errors a user can cause, with a message that says what is wrong and how to fix it."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input from the user (file, target choice, option).

    ``str(err)`` is one line: what is wrong, then what to do about it. Pages show it with
    ``st.error``; the CLI prints ``error: <message>`` and exits 2.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message.strip().rstrip(".")
        self.hint = hint.strip().rstrip(".") if hint else None
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = self.message + "."
        if self.hint:
            text += " " + self.hint + "."
        return " ".join(text.split())  # always one line


class StrategyError(DataError):
    """A strategy cannot run on this data (e.g. SMOTE with a class of 2 rows)."""
