"""Shared building blocks: database, authentication, policy, forms, plugins, text and formatting."""
