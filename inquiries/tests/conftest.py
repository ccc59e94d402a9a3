from documents.tests.conftest import add_entry, adopted, exporting_client, make_case  # noqa: F401
