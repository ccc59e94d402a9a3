"""Settings for the worker subprocess of the fault tests (test_worker_faults.py): the test process's database,
a name to find the worker's connections by, and a slow export to kill halfway. Never used outside tests."""

import os

from meldcode.settings import *  # noqa: F403
from meldcode.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["MELDCODE_TEST_DATABASE_NAME"]
DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                   "application_name": os.environ["MELDCODE_TEST_WORKER_NAME"]}
DATABASES["audit"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DOCUMENTS_EXPORT_STEP_DELAY = float(os.environ.get("MELDCODE_TEST_STEP_DELAY", "0"))
