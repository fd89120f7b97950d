"""Built-in certificate templates: one folder (and package) each, registered through setup.cfg."""
