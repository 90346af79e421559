"""timm schedules (to come)."""
