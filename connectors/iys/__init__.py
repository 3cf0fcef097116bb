"""The İYS API: client, token authentication and typed errors."""
