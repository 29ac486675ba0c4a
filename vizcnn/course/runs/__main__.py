"""``python -m vizcnn.course.runs``: the same command line as ``python -m vizcnn.runs``."""

import sys

from vizcnn.course.runs.cli import main

sys.exit(main())
