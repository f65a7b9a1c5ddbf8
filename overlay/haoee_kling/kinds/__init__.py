"""What each namespace does: task kinds, instant calls, voices, tasks."""
