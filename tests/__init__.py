"""Test suite of haoee-kling (see DESIGN.md: tests mirror what they test)."""
