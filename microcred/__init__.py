"""microcred's command line and the one-process ``run`` mode: wiring only, no domain logic."""
