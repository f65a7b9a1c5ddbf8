"""Sending one request and turning its answer into a reply or an error."""
