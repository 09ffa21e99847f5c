"""The lake: raw files with provenance, Parquet datasets, a DuckDB catalog, an incremental build."""
