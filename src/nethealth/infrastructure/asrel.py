"""CAIDA AS relationships as a lake dataset for the infrastructure indicators: the
provider-to-customer links of every stored `caida-asrel` file (`as_customer_links`: snapshot =
the file's month, dated the 1st). The routing area reads the same files per day for its own
steps; this step only keeps the links the customer-cone indicators need."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from nethealth.lake.build import Step, StepContext
from nethealth.routing import caida
from nethealth.routing.relationships import read_caida

DATASET = "as_customer_links"
SCHEMA = pa.schema([("snapshot", pa.date32()), ("provider", pa.int64()),
                    ("customer", pa.int64()), ("simulated", pa.bool_())])  # fmt: skip


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(caida.SOURCE_ID)
    parts = []
    for i, raw in enumerate(files):
        ctx.progress(f"as relationships {raw.provenance.snapshot}", i, len(files))
        rel = read_caida(raw.path)
        p2c = rel.filter(pc.equal(rel["rel"], -1))  # a|b|-1: a provides transit to b
        n = p2c.num_rows
        parts.append(pa.table({
            "snapshot": pa.array([date.fromisoformat(raw.provenance.snapshot)] * n, pa.date32()),
            "provider": p2c["asn1"].cast(pa.int64()), "customer": p2c["asn2"].cast(pa.int64()),
            "simulated": pa.array([raw.provenance.simulated] * n, pa.bool_()),
        }))  # fmt: skip
    ctx.progress("as relationships", len(files), len(files))
    ctx.write_dataset(DATASET, pa.concat_tables(parts) if parts else SCHEMA.empty_table())


STEP = Step(
    id="as_customer_links",
    version="1",
    description="Provider-to-customer links of the CAIDA AS-relationship files (as_customer_links)",
    run=build,
    outputs=(DATASET,),
    sources=(caida.SOURCE_ID,),
)
