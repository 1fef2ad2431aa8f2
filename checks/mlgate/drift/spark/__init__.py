"""The Spark engine: the Arrow engine's summaries computed by Spark's own aggregation."""
