"""The Flask-Migrate handle; the schema comes only from the Alembic scripts in migrations/."""
from flask_migrate import Migrate

migrate = Migrate(compare_type=True, render_as_batch=True)
