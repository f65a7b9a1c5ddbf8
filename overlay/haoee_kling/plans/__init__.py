"""Plans and their two drivers: retries, submission, polling and waits."""
