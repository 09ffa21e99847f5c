"""Fuzzing of the native MRT decoder (atheris when installed, else a built-in mutator)."""
