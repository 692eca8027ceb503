"""The load benchmark (issue 6): `python -m bench`, or `make bench`.

It starts the fake Slack and the fake NHN in this process, the real bot as a
subprocess in HTTP mode, runs four scenarios against it and writes bench/results.md.
"""
