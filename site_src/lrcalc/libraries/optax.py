"""optax schedules (to come)."""
