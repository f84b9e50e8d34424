"""The check-up wizard: start or resume, answer section by section, see results."""
