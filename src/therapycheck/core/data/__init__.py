"""Data files of the core domain (crisis resources, plan actions), validated on load."""
