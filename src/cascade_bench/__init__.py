"""Host-side tooling of cascade-bench: reads asv's results and the suite's profiles."""
