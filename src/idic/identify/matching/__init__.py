"""Identity resolution, the pure part: comparison features of a source record, the
Splink model that scores pairs of records, and the clustering of scored pairs.

Nothing here touches the database; ``idic.identify.services.resolution`` reads the
records, calls these functions and writes merges and review items.
"""
