"""Reading and writing what every feature shares: data files (columnar, tabular), small text
files, strict YAML, metrics files, the job summary, git and HTTP. Imports nothing from a feature."""
