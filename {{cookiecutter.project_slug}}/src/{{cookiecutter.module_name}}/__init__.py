"""The project's ML code: data, features, training and evaluation.

Each stage of dvc.yaml runs one module here with `python -m`; the functions they call
take paths and parameters as arguments, so tests can run them on small data.
"""

__version__ = "0.1.0"
