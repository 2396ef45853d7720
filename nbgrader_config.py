"""nbgrader's configuration for this course folder: assignments are written in ``solutions/`` and
released into ``assignments/`` (``python -m autograder release`` regenerates the release)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
