"""One module per signal: each turns its input into binned series per country and per ASN."""
