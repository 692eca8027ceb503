"""Languages the bot writes in, and bilingual text."""

from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    KO = "ko"
    EN = "en"


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of user-facing text in every supported language.

    >>> Text(ko="안녕하세요", en="Hello")(Language.EN)
    'Hello'
    """

    ko: str
    en: str

    def __call__(self, lang: Language) -> str:
        return self.ko if lang is Language.KO else self.en

    def format(self, **values: object) -> "Text":
        return Text(ko=self.ko.format(**values), en=self.en.format(**values))
