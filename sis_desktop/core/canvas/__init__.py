"""The Canvas SIS Imports API client (no Qt)."""
