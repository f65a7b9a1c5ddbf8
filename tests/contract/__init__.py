"""Contract tests: the spec, the clients, the fake gateway and recorded reality agree."""
