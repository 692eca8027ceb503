"""Every action_id and block_id the bot's messages use, and what button values carry.

The scheme:

- action_id says what a click does, as `verb_object` in snake case. Handlers are
  registered against these, and old messages keep their buttons forever, so an
  action_id is never renamed or reused for something else.
- A button's value carries the data the handler needs and nothing else:
  RECHECK_STATUS, WATCH_BUSINESS, LOOK_UP_ANYWAY: the ten digits of a business
  number ("2208162517"; for LOOK_UP_ANYWAY one whose check digit differs);
  WATCH_ANYWAY: a number whose check digit differs and the label typed with it,
  as JSON `["1234567890", "label"]` (see `bot.blocks.status.watch_anyway_value`);
  SHARE_STATUS: the numbers whose recorded status to post in the channel, as
  built by `bot.blocks.status.share_value` (a JSON list of ten-digit strings;
  never a status, see there);
  CHOOSE_KIND_*: the upload job's id as a decimal string ("42"), decided only
  for a click from the team and channel of that job;
  HOME_RECHECK, HOME_UNWATCH: the ten digits of a watched number;
  HOME_PAGE: the page of the watchlist to show, from 1, as a decimal string ("2";
  see `bot.blocks.home.page_number`); the filter shown is kept from the view's
  private_metadata (JSON page and filter, see `bot.blocks.home.shown_view`), which
  the Re-check and Unwatch buttons republish too;
  HOME_SEARCH: not a button but the Home tab's filter input (dispatched on Enter):
  its action carries the typed text as `value`, bounded and never trusted (see
  `bot.blocks.home.search_text`); HOME_CLEAR_SEARCH carries nothing the handler reads;
  Where a message or view shows the same button once per number (the Home tab,
  status results of several numbers), its action_id is `per_number(constant,
  digits)`, since action_ids must be unique there; handlers register
  `matching(constant)` and read the number from the value;
  BULK_WATCH_ALL, BULK_LOOK_UP_ANYWAY: the Slack file id of the CSV whose
  numbers to watch, or to check again with the rows whose check digit differs
  ("F07ABC12345"): the click reads the file again, if it is shared in the
  channel clicked in. BULK_WATCH_ALL's ends in "+" ("F07ABC12345+") when the
  numbers whose check digit differs were looked up anyway, and are watched too;
  CORRECT_DETAILS: the details read off a certificate, to pre-fill the correction
  dialog, as built by `bot.blocks.authenticity.correct_button` (JSON); only a
  pre-fill, never what is checked. One per certificate of a PDF:
  `per_number(CORRECT_DETAILS, str(position))`.
  Values reach the bot back from Slack unchanged but can be forged by anyone
  who can click: handlers validate them like user input. A value names
  something; what the bot posts or does rests on its own records, and the team,
  user and channel come from the signed request, never from a value.
- A modal's callback_id names what submitting it does: CORRECT_DETAILS_VIEW.
- block_id names the part of a message as `<message>_<part>`, only on blocks a
  handler or `limits.fit` needs to find. Unique within a message; when `fit`
  continues a section it adds `.2`, `.3`.
"""

import re

RECHECK_STATUS = "recheck_status"
SHARE_STATUS = "share_status"
WATCH_BUSINESS = "watch_business"
CHOOSE_KIND_BUSINESS = "choose_kind_business"
CHOOSE_KIND_CARD = "choose_kind_card"
CHOOSE_KIND_IGNORE = "choose_kind_ignore"
HOME_RECHECK = "home_recheck"
HOME_UNWATCH = "home_unwatch"
HOME_PAGE = "home_page"  # per_number(HOME_PAGE, page): Previous and Next
HOME_SEARCH = "home_search"
HOME_CLEAR_SEARCH = "home_clear_search"
BULK_WATCH_ALL = "bulk_watch_all"
CORRECT_DETAILS = "correct_details"
CORRECT_DETAILS_VIEW = "correct_details_view"
LOOK_UP_ANYWAY = "look_up_anyway"
WATCH_ANYWAY = "watch_anyway"
BULK_LOOK_UP_ANYWAY = "bulk_look_up_anyway"

BUSINESS_ACTIONS_BLOCK = "business_actions"
STATUS_ACTIONS_BLOCK = "status_actions"
KIND_PROMPT_BLOCK = "kind_prompt"
KIND_CHOICE_BLOCK = "kind_choice"
MORE_BLOCK = "fit_more"
HOME_WATCH_BLOCK = "home_watch"  # + "." and the digits: one actions block per watch
HOME_PAGER_BLOCK = "home_pager"
HOME_SEARCH_BLOCK = "home_search_box"  # + ".filtered" while a filter is shown
HOME_FILTER_BLOCK = "home_filter"  # the filter's counts and its Clear button
BULK_ACTIONS_BLOCK = "bulk_actions"
CERTIFICATE_ACTIONS_BLOCK = "certificate_actions"  # + "." and the position: one per later page


def per_number(action_id: str, digits: str) -> str:
    """The action_id of one of several such buttons in a message or view."""
    return f"{action_id}.{digits}"


def matching(action_id: str) -> re.Pattern[str]:
    """Matches `action_id` alone and every `per_number` form of it."""
    return re.compile(rf"^{re.escape(action_id)}(?:\.\d+)?$")
