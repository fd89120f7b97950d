"""Security sweeps: stored XSS, object-level access, headers and sessions, uploads."""
