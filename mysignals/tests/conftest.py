from documents.tests.conftest import add_entry, adopted, make_case  # noqa: F401
