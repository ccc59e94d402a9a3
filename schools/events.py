"""Audit events for changes to pupils, parents and staff (who changed which record, never the content)."""


def record(action, **kwargs):
    # Imported when used: the audit app imports models of its own at start-up.
    from audit.log import record as audit_record

    return audit_record(action, **kwargs)


def record_import(parsed, summary, *, school, request=None, actor=None):
    action = "schools.pupils_imported" if parsed.kind == "pupils" else "schools.staff_imported"
    return record(action, actor=actor, request=request, school=school,
                  details={"rows": len(parsed.rows), **summary.as_dict()})
