"""lookup: cek DPT has no writes. The public lookup only reads (``selectors/lookup.py``);
lookups are counted per outcome in the cache (``views/lookup.count_lookup``), never stored
with a NIK or a hash of it."""
