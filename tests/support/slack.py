"""A fake Slack Web API server (filled in by the Slack app work)."""
