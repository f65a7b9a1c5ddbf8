"""Hypothesis profiles: `ci` for `make test`, `deep` (20x the examples) for `make fuzz`.

`ci` keeps the example counts the tests were written with and runs them derandomized with no
example database, so a CI run never depends on `.hypothesis/` left by an earlier run and the
same commit always sends the same examples. `deep` explores: random seeds, the local example
database (failures found once are replayed first), twenty times the examples.

A test that sets its own `max_examples` takes it from `examples(n)`, so that the deep profile
multiplies it too (an explicit count in `@settings` would override the profile).
"""

from __future__ import annotations

from hypothesis import settings

CI_PROFILE = "ci"
DEEP_PROFILE = "deep"
CI_EXAMPLES = 100  # Hypothesis' own default, which every test without a count was written for
DEEP_FACTOR = 20

settings.register_profile(CI_PROFILE, max_examples=CI_EXAMPLES, derandomize=True, database=None)
settings.register_profile(
    DEEP_PROFILE, max_examples=CI_EXAMPLES * DEEP_FACTOR, derandomize=False, print_blob=True
)


def examples(count: int) -> int:
    """`count` examples under `ci`, scaled like the loaded profile's own count otherwise."""
    loaded = settings.get_profile(settings.get_current_profile_name())
    return count * loaded.max_examples // CI_EXAMPLES
