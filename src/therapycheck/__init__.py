"""therapycheck: is my therapy working, and if not, what should I do next?"""

__version__ = "0.1.0"
