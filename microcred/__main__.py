"""``python -m microcred`` is the ``microcred`` command."""

from microcred.cli import main

main()
