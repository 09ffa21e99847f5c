"""BGP data plane: MRT and RIS Live decoded into Arrow columns (see docs/bgp.md).

`nethealth.bgp.mrt.MRTReader` is the entry point; the native decoder is `nethealth.bgp._mrt`,
built from `_native/mrtdecode.c` when the package is installed.
"""
