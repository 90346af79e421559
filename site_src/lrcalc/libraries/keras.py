"""keras schedules (to come)."""
