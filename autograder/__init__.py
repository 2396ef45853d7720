"""The course's autograder and release tools: ``python -m autograder --help``."""
