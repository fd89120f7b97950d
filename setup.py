# Kept only so that `pip install -e .` works with older tooling; all metadata is in setup.cfg.
from setuptools import setup

setup()
