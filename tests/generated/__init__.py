"""Tests of the generated package and the generation pipeline."""
