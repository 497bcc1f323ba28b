"""``python -m bmecohort.cli``: the same as the ``bmecohort`` console script."""

from . import main

raise SystemExit(main())
