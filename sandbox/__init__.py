"""Lunchbox: the Django project package and the sandbox app."""
