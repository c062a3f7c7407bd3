"""The EHR-JWT fixtures (``ehr_key``, ``ehr_app``) for every test in this folder; another
folder uses them the same way, with one line in its conftest.py."""

from tests.cds_support_jwt import ehr_app, ehr_key  # noqa: F401
from tests.deploy.conftest import redis_url  # noqa: F401  (a Redis of the test's own)
