"""`mlgate validate` and `mlgate suite init`: run a committed GX Core suite, infer a first one."""
