"""`mlgate profile`, `mlgate window` and `mlgate drift`: summarise the reference once, fetch a
production window, and judge it column by column."""
