"""The SMS provider iletiMerkezi's İYS consent API (the provider route)."""
