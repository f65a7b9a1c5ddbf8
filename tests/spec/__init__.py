"""Tests of the spec gates (lint-spec, spec-diff)."""
