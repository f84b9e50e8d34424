"""The one-page printable report and its PDF."""
