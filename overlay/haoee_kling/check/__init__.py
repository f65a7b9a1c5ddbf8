"""Checking what a call sends before it is sent: bodies, rules, capabilities."""
