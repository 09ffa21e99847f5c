"""Indicators: registered, versioned definitions. The methodology pages are generated from here."""
