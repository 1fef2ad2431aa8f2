"""mlgate: the template's checker and the runtime gates its workflows call."""

__version__ = "0.1.0"
