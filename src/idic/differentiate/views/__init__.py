"""Pages of the differentiate area: the value dashboard under ``/value/``."""
