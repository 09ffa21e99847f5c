"""The shutdown tracker: Access Now #KeepItOn STOP imports plus curated events, kept as an
append-only log (store), served by the CLI (cli), the API (api) and the lake (lake)."""
