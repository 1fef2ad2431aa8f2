"""Where profile, drift and validate compute: `arrow` on this machine (the default) or
`spark` on a Spark session (local, a cluster's, or Spark Connect). Both give the same
summaries; see docs/spark.md for what is byte-identical and what agrees within a tolerance.
"""
