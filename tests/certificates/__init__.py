"""Certificates: PDF rendering and template plugins."""
