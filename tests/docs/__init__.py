"""The documentation, run: README.md's blocks against the fake gateway."""
