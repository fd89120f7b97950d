"""Accounts, logins and roles."""
