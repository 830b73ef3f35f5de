"""Demo and test data: a seeded, deterministic stream of Chinese customers.

Pure logic (no Django, no files): every function takes an explicit ``random.Random``
and yields plain dict rows in the columns of ``docs/import-format.md``. The stream
knows the truth — which source records belong to the same real person — so identity
resolution can be measured against it. ``idic.identify.services.demo`` writes it out.
"""
