"""Enterprise appeals (企业诉求) process application: CLI, worker runtime and capabilities."""

__version__ = "0.1.0"
