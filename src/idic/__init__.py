"""IDIC: identify, differentiate, interact with and customise for each customer."""

__version__ = "0.1.0"
