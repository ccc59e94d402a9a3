"""How much of a hand-written definition a conversion proposes, each rule with a source in the document.

A definition's rules, for this measure, are its structured decisions (not its wording): the names of the bodies,
roles per step, each requirement and advice with what it asks (record, where, roles_present, before, exempt_by,
check), consent, Verwijsindex, the child's age, the decision questions' outcomes, exemptions and their grounds,
the routes and the staff route's duties, and final responsibility. A rule counts as proposed when the draft holds
the same value and a proposal with a source sentence covers it."""

from __future__ import annotations


def rule_items(data: dict) -> dict[str, tuple[object, tuple[str, ...]]]:
    """{rule: (value, proposal ids that can be its source)}"""
    items: dict[str, tuple[object, tuple[str, ...]]] = {}
    names = data.get("names", {})
    for key in ("report_point", "care_team", "attention_officer"):
        items[f"names.{key}"] = (names.get(key), (key, f"template:names:{key}"))
    items["child_involvement_age"] = (data.get("child_involvement_age"), ("template:step:5b:pre_report_conversation",))
    consent = data.get("consent", {})
    items["consent.needed_for"] = (tuple(consent.get("needed_for", [])), ("template:consent",))
    items["consent.pupil_from_age"] = (consent.get("pupil_from_age"), ("template:consent",))
    items["verwijsindex.from_step"] = (str((data.get("verwijsindex") or {}).get("from_step")),
                                      ("verwijsindex_from", "template:verwijsindex"))
    for step in data.get("steps", []):
        sid = str(step["id"])
        requirement_ids = [f"template:step:{sid}:{i['id']}" for k in ("requires", "advice") for i in step.get(k) or []]
        own = (f"attends:{sid}",) if sid in ("1", "3") else ()
        items[f"step {sid}.carried_out_by"] = (tuple(step.get("carried_out_by", [])), own + tuple(requirement_ids))
        items[f"step {sid}.involved"] = (tuple(step.get("involved", [])), own + tuple(requirement_ids))
        for kind in ("requires", "advice"):
            for item in step.get(kind) or []:
                value = tuple((k, repr(item.get(k))) for k in ("record", "where", "roles_present", "before",
                                                                "exempt_by", "check"))
                rid = item["id"]
                candidates = (f"template:step:{sid}:{rid}", f"demote:{sid}:{rid.replace('veilig_thuis', 'amk')}",
                              *own, *(("consult_with",) if sid == "2" else ()))
                items[f"step {sid}.{kind}.{rid}"] = (value, candidates)
    items["afwegingskader"] = (tuple((q["id"], repr(q.get("no")), repr(q.get("yes")))
                                     for q in data.get("afwegingskader", [])),
                               ("template:step:5:decision", "afwegingskader_2019"))
    for exemption in data.get("exemptions", []):
        items[f"exemption.{exemption['id']}"] = (
            (exemption.get("applies_to"), tuple(g["id"] for g in exemption.get("grounds", []))),
            (f"template:exemption:{exemption['id']}",))
    for route_id, route in (data.get("routes") or {}).items():
        duties = tuple((d["id"], tuple(d.get("roles", [])), bool(d.get("condition"))) for d in route.get("duties", []))
        items[f"route.{route_id}"] = (duties, (f"template:route:{route_id}",))
    items["final_responsibility.roles"] = (tuple((data.get("final_responsibility") or {}).get("roles", [])),
                                           ("final_responsibility", "template:final_responsibility"))
    return items


def share(target: dict, draft: dict, proposals) -> dict:
    """{total, proposed, share, missing: [rule, why]} of the target's rules in the draft, with a source."""
    sourced = {p.id for p in proposals if p.source and p.status != "rejected"}
    want, have = rule_items(target), rule_items(draft)
    missing = []
    for rule, (value, _c) in want.items():
        got = have.get(rule)
        if got is None or got[0] != value:
            missing.append((rule, "andere waarde" if got else "ontbreekt"))
        elif not set(got[1]) & sourced:
            missing.append((rule, "geen bron"))
    total = len(want)
    return {"total": total, "proposed": total - len(missing), "share": (total - len(missing)) / total,
            "missing": missing}
