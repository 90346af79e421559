"""transformers schedules (to come)."""
