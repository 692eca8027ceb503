"""Uploads: from a Slack file event to one answer in the thread, exactly once per file.

`intake` turns Slack's events into jobs recorded in the store, one per file; the job
runner (bot.services.job_runner) claims them, keeps their leases and retries them;
`job` performs one (analysis, answer, follow-ups) and `answer` makes sure its answer is
posted once, through crashes and takeovers.
"""
