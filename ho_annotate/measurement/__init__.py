"""Measurement in mm: geometry helpers and the per-hip measurement of gaps, islands, contacts."""
