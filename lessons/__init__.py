"""Lessons, scenarios and challenges, authored in the admin and shipped as YAML."""
