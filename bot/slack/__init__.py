"""Talking to Slack's Web API: the client factory and safe file downloads."""
