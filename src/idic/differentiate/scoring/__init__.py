"""The scoring run as pure steps over Ibis tables: what to compute, in which order.

:mod:`.pipeline` holds the list of steps; each step reads the loaded tables (and the
results of earlier steps) and returns one row per customer. The services layer loads
the tables, runs the pipeline and stores the result as a snapshot.
"""
