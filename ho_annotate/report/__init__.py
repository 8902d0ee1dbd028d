"""Human-facing renderings of graded results (overlay images)."""
