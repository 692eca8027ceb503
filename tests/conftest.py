"""Fixtures shared by every test package live in tests/support and are registered here."""

pytest_plugins = [
    "tests.support.nhn",
    "tests.support.slack",
    "tests.support.databases",
    "tests.support.nts",
]
