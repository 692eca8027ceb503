"""Contract fakes of Slack, NHN Cloud Document OCR and the NTS business status API.

Each is a real HTTP server on 127.0.0.1 that answers as the service does and records
every request that service would refuse, so the tests, the benchmark and a local demo
can run the bot end to end without the network:

- `fakes.slack`: the Web API, file downloads and uploads, response_url (`FakeSlack`);
  `fakes.slack_requests` signs events, commands and actions sent to the app as Slack does;
  `fakes.blockkit` checks Block Kit against Slack's documented limits.
- `fakes.nhn`: Document OCR and its token endpoint (`NhnFake`).
- `fakes.nts`: the National Tax Service status and validate API (`NtsFake`).

Not part of the bot's wheel: the fakes are for this repository's tests and tools.
"""
