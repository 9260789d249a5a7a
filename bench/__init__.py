"""Benchmarks: scripts that print figures and write Markdown reports; never pass/fail on time."""
