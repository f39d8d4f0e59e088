"""Sample data of the project: the generator of canonical exports and the committed small sample."""
