"""nethealth — an open Internet health observatory."""

__version__ = "0.1.0"
