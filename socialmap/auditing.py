"""Audit events for the sociale kaart: who changed which organisation (the name and the fields, not the values)."""


def _record(action, **kwargs):
    # Imported when used: the audit app loads models of its own at start-up.
    from audit.log import record

    return record(action, **kwargs)


def record(action: str, organisation, *, school=None, actor=None, request=None, details=None):
    """`school`: where the change was made; an entry the board shares belongs to no school of its own."""
    school = school or organisation.school
    return _record(action, actor=actor, request=request, school=school, object_repr=organisation.name,
                   details={"organisation": organisation.pk, **(details or {})})


def record_import(school, result, *, actor=None, request=None):
    return _record("socialmap.imported", actor=actor, request=request, school=school,
                   object_repr=str(school), details=result.as_dict())
