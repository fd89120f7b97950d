# The two commands of the README, and a few for developers.
.PHONY: demo test bootstrap translations

PORT ?= 5000

bootstrap:
	@scripts/bootstrap

# Start the platform with the demo province on the embedded SQLite database.
demo: bootstrap
	.venv/bin/lms demo --yes
	.venv/bin/lms run --host 127.0.0.1 --port $(PORT)

# Run the test suite (set TEST_DATABASE_URL=postgresql://... to run it on PostgreSQL).
test: bootstrap
	.venv/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Re-extract the messages and compile the catalogues after changing user-facing text.
translations: bootstrap
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o lms/translations/messages.pot .
	.venv/bin/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching
	.venv/bin/pybabel compile -d lms/translations
