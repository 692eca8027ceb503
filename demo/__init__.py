"""`make demo`: the real bot, run against the project's fakes of Slack, NHN and the NTS.

Nothing leaves the machine and no credentials are needed. The demo shares a certificate,
a card photo and a PDF of several certificates in a channel of the fake Slack, runs
`/bizstatus`, and prints what the bot answered in each thread.
"""
