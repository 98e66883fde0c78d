"""The package version, in a module of its own so that modules below the API can name it
without importing the package root (pyproject.toml holds the same number)."""

__version__ = "0.1.0"
