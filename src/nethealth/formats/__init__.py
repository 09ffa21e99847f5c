"""Pure parsers of wire and file formats. No network, no lake policy: bytes in, tables out."""
