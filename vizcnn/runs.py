"""``python -m vizcnn.runs list | train | verify | estimate``: the run store's command line.

The store itself is course material and lives in :mod:`vizcnn.course.runs` (``vz.runs``);
this module only gives its command line the short name the lessons and the README use.
"""

if __name__ == "__main__":
    import sys

    from vizcnn.course.runs.cli import main

    sys.exit(main())
