"""The base of every failure the bot explains to a person.

OCR calls, Slack file downloads and status providers each raise their own
subclasses; services catch this one type and show `user_message`.
"""

from bot.i18n import Text


class UserFacingError(Exception):
    """A failure with a short message for the person: what happened and what to do.

    `retryable` says whether the same work may succeed later without anyone
    changing anything (a timeout, a busy service), so a job may be tried again.
    """

    user_message: Text
    retryable: bool = False
