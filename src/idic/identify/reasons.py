"""Messages that can be shown in the reader's language: pure logic, no Django.

The checks of an import file run without Django, so they cannot translate what they say.
They say it with :func:`reason`: the result is the English text (a ``str``, usable as one
anywhere) that also keeps its template and values, so a page or a command can show it in
the reader's language (``idic.identify.services.reasons.localise``). A value may itself be
a :class:`Reason`; it is translated in turn.

Templates use ``str.format`` fields (``{column}``, ``{text!r}``); ``idic makemessages``
collects every ``reason("…")`` template into the translation catalogue.
"""

from __future__ import annotations

from typing import Any


class Reason(str):
    """English text that remembers the template and values it was made from."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Reason:
        made = super().__new__(cls, template.format(**params))
        made.template = template
        made.params = params
        return made

    def __reduce__(self) -> Any:  # kept whole across the import's worker process
        return (_rebuild, (self.template, self.params))

    def __add__(self, other: str) -> str:  # type: ignore[override]
        return str(self) + other


def _rebuild(template: str, params: dict[str, Any]) -> Reason:
    return Reason(template, **params)


def reason(template: str, /, **params: Any) -> Reason:
    """The message ``template`` with ``params`` filled in; translated where it is shown."""
    return Reason(template, **params)


def render(message: str, translate: Any) -> str:
    """``message`` in the language of ``translate`` (a gettext function); plain text as is."""
    if not isinstance(message, Reason):
        return str(message)
    params = {
        name: render(value, translate) if isinstance(value, Reason) else value
        for name, value in message.params.items()
    }
    try:
        return translate(message.template).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that lost a field
        return message.template.format(**params)
