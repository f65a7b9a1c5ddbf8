"""Kling's callbacks: verified webhooks, the receiver, its sockets."""
