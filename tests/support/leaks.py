"""Find pieces of a card number where they must never be: output, logs, API calls, rows."""

import re


def card_number_runs(text: str, number: str, *, longest_allowed: int = 4) -> list[str]:
    """Runs of more than `longest_allowed` consecutive digits of `number` found in `text`.

    Digits written with spaces or hyphens between them count as consecutive.
    """
    found = []
    for start in range(len(number) - longest_allowed):
        run = number[start : start + longest_allowed + 1]
        pattern = r"[ \-]?".join(run)
        if re.search(pattern, text):
            found.append(run)
    return found


def test_runs_are_found_across_separators() -> None:
    assert card_number_runs("paid 4012 8888 8888 1881", "4012888888881881")
    assert card_number_runs("ends 1881, brand visa", "4012888888881881") == []
