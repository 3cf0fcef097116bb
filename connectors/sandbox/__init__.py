"""A local stand-in for İYS and iletiMerkezi's consent API, strict like the real services."""
