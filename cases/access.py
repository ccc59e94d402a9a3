"""The one access rule for dossiers.

Every view, list, search, count, export, notification and background task that touches a case asks
this module. `Grants` is what a person holds (roles per school, case teams, break-glass); from it
`permissions()` decides for one case and `visible()` filters a queryset in the database, both from
the same table of rules below, so that a list can never show what the page would refuse.

Default policy (a school can only tighten it):
- leerkracht: only cases whose team they are on;
- intern begeleider and aandachtsfunctionaris (a role of its own, same rights): all of the school's cases (unless the school turned
  that off: then only their own, and others through break-glass with a typed reason);
- directie: the school's cases when the school allows it (default), else only their own;
- bestuur: aggregate figures only, unless added to a case;
- privacy officer: case metadata (never content) and the audit trail;
- functioneel beheerder: nothing; onderwijsassistent, stagiair, vrijwilliger: nothing (they record signals
  and see only their own, through signals.views).
Staff-perpetrator cases: only directie and bestuur of the school and the people they add (not the
privacy officer either), and never the staff member concerned, whatever their role or team membership.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.roles import COORDINATOR_ROLES, Role
from cases.models import BreakGlass, Case, CaseMember, Route

META = "meta"  # knows the case exists: reference, dates, step, status
READ = "read"  # reads the dossier's content
WRITE = "write"  # adds journal entries
MANAGE = "manage"  # changes the team, coordinator and route
EXPORT = "export"  # produces documents from the dossier
BREAK_GLASS = "break_glass"  # may ask for access with a typed reason

# The roles that can be on a case team (the privacy officer and the functioneel beheerder never read content).
TEAM_ROLES = (Role.LEERKRACHT, Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.BESTUUR)

CONTENT = frozenset({META, READ, WRITE})
ALL = frozenset({META, READ, WRITE, MANAGE, EXPORT})


@dataclass(frozen=True)
class Grants:
    user_id: int | None
    schools_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    team_cases: frozenset[int] = frozenset()
    glass_cases: frozenset[int] = frozenset()

    def at(self, role: str) -> frozenset[int]:
        return self.schools_by_role.get(role, frozenset())

    def coordinating(self) -> frozenset[int]:
        """Schools where the person is IB or aandachtsfunctionaris (the same rights)."""
        return frozenset().union(*(self.at(role) for role in COORDINATOR_ROLES))


def grants_for(user) -> Grants:
    """Everything a person holds, in three small queries; cached on the user object for the request."""
    if not user or not user.is_authenticated or not user.is_active:
        return Grants(user_id=None)
    cached = getattr(user, "_case_grants", None)
    if cached is not None:
        return cached
    by_role: dict[str, set[int]] = {}
    for role, school_id in user.memberships.values_list("role", "school_id"):
        by_role.setdefault(role, set()).add(school_id)
    # A place on a team or a break-glass only counts while the person still works at the case's school in a
    # role that may hold it: who leaves the school (or loses the role) loses the access with it.
    team_schools = set().union(*(by_role.get(role, ()) for role in TEAM_ROLES))
    glass_schools = set().union(*(by_role.get(role, ()) for role in (*COORDINATOR_ROLES, Role.DIRECTIE)))
    grants = Grants(
        user_id=user.pk,
        schools_by_role={role: frozenset(ids) for role, ids in by_role.items()},
        team_cases=frozenset(CaseMember.objects.filter(user_id=user.pk, case__school_id__in=team_schools)
                             .values_list("case_id", flat=True)) if team_schools else frozenset(),
        glass_cases=frozenset(BreakGlass.objects.filter(user_id=user.pk, until__gt=timezone.now(),
                                                        case__school_id__in=glass_schools)
                              .values_list("case_id", flat=True)) if glass_schools else frozenset(),
    )
    user._case_grants = grants
    return grants


def forget_grants(user):
    """Call after changing a person's team or break-glass access within the same request."""
    user.__dict__.pop("_case_grants", None)


def permissions(user, case: Case) -> frozenset[str]:
    """What `user` may do with `case`. The heart of the rule."""
    grants = grants_for(user)
    if grants.user_id is None:
        return frozenset()
    school_id = case.school_id
    on_team = case.pk in grants.team_cases
    at = grants.at
    if case.route == Route.STAFF:
        if case.subject_staff_id == grants.user_id:
            return frozenset()
        if school_id in at(Role.DIRECTIE) or school_id in at(Role.BESTUUR):
            return ALL
        if on_team:
            return CONTENT | {EXPORT}
        # Not even the privacy officer learns from a list that a colleague is suspected; the audit trail
        # (their instrument) still shows who did what in such a case.
        return frozenset()
    ib = grants.coordinating()
    coordinating_role = school_id in ib or school_id in at(Role.DIRECTIE)
    if on_team and coordinating_role:
        return ALL
    if school_id in ib and case.school.ib_sees_all_cases:
        return ALL
    if school_id in at(Role.DIRECTIE) and case.school.directie_sees_all_cases:
        return ALL
    if on_team:
        return CONTENT | {EXPORT} if case.coordinator_id == grants.user_id else CONTENT
    if case.pk in grants.glass_cases:
        # Reading and writing for a few hours, nothing more: no team changes (that would make the access
        # permanent) and no exports.
        return CONTENT
    rights = set()
    if school_id in at(Role.PRIVACY):
        rights.add(META)
    if school_id in ib or school_id in at(Role.DIRECTIE):
        rights.add(BREAK_GLASS)
    return frozenset(rights)


def visible_q(user, need: str = READ) -> Q:
    """The same rule as `permissions`, as a database filter for lists, searches and counts."""
    grants = grants_for(user)
    if grants.user_id is None:
        return Q(pk__in=[])
    at = grants.at
    team = Q(pk__in=grants.team_cases)
    glass = Q(pk__in=grants.glass_cases)
    staff_heads = Q(school_id__in=at(Role.DIRECTIE) | at(Role.BESTUUR))
    staff = Q(route=Route.STAFF) & ~Q(subject_staff_id=grants.user_id) & (staff_heads | team)
    regular = ~Q(route=Route.STAFF) & (
        team
        | glass
        | Q(school_id__in=grants.coordinating(), school__ib_sees_all_cases=True)
        | Q(school_id__in=at(Role.DIRECTIE), school__directie_sees_all_cases=True)
    )
    if need == META:
        privacy = Q(school_id__in=at(Role.PRIVACY)) & ~Q(route=Route.STAFF)
        return staff | regular | privacy
    if need in (READ, WRITE):
        return staff | regular
    # MANAGE and EXPORT depend on more than the filter can say cheaply (the coordinator on a team, say);
    # list by READ and ask permissions() per case instead of trusting a looser filter.
    raise ValueError(f"visible() filters by META, READ or WRITE, not {need!r}")


def visible(user, need: str = READ, queryset=None):
    queryset = Case.objects.all() if queryset is None else queryset
    return queryset.filter(visible_q(user, need)).distinct()


def case_or_404(user, reference: str, need: str = READ, *, allow_break_glass=False) -> tuple[Case, frozenset[str]]:
    """The case if `user` may `need` it; otherwise a 404 that does not reveal whether it exists.

    With `allow_break_glass`, a coordinator who may only break the glass gets the case too, so that the
    page can offer that (with a typed reason) instead of a dead end.
    """
    case = (Case.objects.select_related("school__board", "pupil", "meldcode_version", "coordinator")
            .filter(reference=reference).first())
    if case is None:
        raise Http404
    rights = permissions(user, case)
    if need not in rights and not (allow_break_glass and BREAK_GLASS in rights):
        raise Http404
    return case, rights
