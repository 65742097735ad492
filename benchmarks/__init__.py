"""Scripts that print tables of speed, memory and quality. Never part of the pass/fail suite."""
