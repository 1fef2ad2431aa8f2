"""`mlgate verify URL`: after a deploy, check that the live service is the release and works."""
