"""Who may read and change which users (breaker finding 13), kept apart from `IdentitySync.sync` so
that the org chart's other steps stay as they are.

Camunda's USER READ is all or nothing per user: it shows the id, the name and the e-mail address.

- A department user (kinds in `LIMITED_KINDS`) reads the users of its own departments in its own county
  only — the colleagues it assigns tasks to and whose names Tasklist shows — plus itself, not the whole
  county's directory and nobody of another county that has a department of the same kind.
  Every other staff group (office, leaders, supervision, deputy heads) keeps READ on all users
  (`grants._STAFF`): they dispatch and assign across departments. The per-user grants follow the
  chart: a user who leaves the department is no longer readable for its former colleagues.
- Every user (staff and the technical users) may READ and UPDATE their own user, nothing more:
  Camunda creates each user with ALL on itself (delete included); UPDATE stays so that a user can
  change their password in the Welcome app's profile. Name and e-mail come from the org chart: a
  profile edit is overwritten by the next `appeals org sync`, and notifications take the chart's
  addresses, never the profile's (appeals.notify).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .chart import OrgChart
from .grants import GRANT, USER

if TYPE_CHECKING:
    from .identity import IdentitySync

LIMITED_KINDS = ("department", "city-department")
OWN_USER_PERMISSIONS = ("READ", "UPDATE")


def limit_user_directory(sync: IdentitySync, chart: OrgChart, technical_users: Iterable[str] = ()) -> None:
    """Apply the rules above to the users and groups of the chart's counties (all of them) and to
    `technical_users`; idempotent, changes noted in `sync.report`.

    A department's grants are per user, not per group: two counties' departments of one kind share a
    group id (乙县's and 某县's `dept-natural-resources`), and a group's grant would show each county
    the other's staff. A user in a department reads the members of its departments in its own county
    (the chart's county or one of `counties`; the city is the chart's own) and nobody else's."""
    camunda = sync.camunda
    counties = chart.all_counties()
    users = {user.id: user for county in counties for user in county.users}
    limited = {group.id for county in counties for group in county.groups if group.kind in LIMITED_KINDS}
    colleagues: dict[str, set[str]] = {}
    for county in counties:
        members: dict[str, set[str]] = {}
        for user in county.users:
            for gid in set(user.groups) & limited:
                members.setdefault(gid, set()).add(user.id)
        for user in county.users:
            for gid in set(user.groups) & limited:
                colleagues.setdefault(user.id, set()).update(members[gid] - {user.id})
    for group_id in sorted(limited):  # the former per-group grants (they crossed counties)
        for grant in camunda.get("/authorization", resourceType=USER, groupIdIn=group_id, type=GRANT):
            camunda.delete(f"/authorization/{grant['id']}")
            sync.report.note("updated", f"grant {group_id} {USER}/{grant['resourceId']} revoked")
    for user_id, wanted in sorted(colleagues.items()):
        _colleagues_only(sync, user_id, wanted)
    for user_id in [*users, *technical_users]:
        _own_user_only(sync, user_id)


def _colleagues_only(sync: IdentitySync, user_id: str, wanted: set[str]) -> None:
    """READ on exactly the users `wanted` for `user_id` (its own user is `_own_user_only`'s)."""
    camunda = sync.camunda
    have: set[str] = set()
    for grant in camunda.get("/authorization", resourceType=USER, userIdIn=user_id, type=GRANT):
        resource = grant["resourceId"]
        if resource == user_id:
            continue
        if resource in wanted and resource not in have:
            have.add(resource)
            sync.report.note(None, "")
            continue
        camunda.delete(f"/authorization/{grant['id']}")
        sync.report.note("updated", f"grant {user_id} {USER}/{resource} revoked")
    for colleague in sorted(wanted - have):
        camunda.post("/authorization/create", {"type": GRANT, "permissions": ["READ"], "userId": user_id,
                                               "groupId": None, "resourceType": USER, "resourceId": colleague})
        sync.report.note("created", f"grant {user_id} {USER}/{colleague} READ")


def _own_user_only(sync: IdentitySync, user_id: str) -> None:
    """The user's own authorization on its user: READ and UPDATE (not ALL, not DELETE)."""
    camunda = sync.camunda
    found = camunda.get("/authorization", resourceType=USER, resourceId=user_id, userIdIn=user_id, type=GRANT)
    body = {"type": GRANT, "permissions": list(OWN_USER_PERMISSIONS), "userId": user_id, "groupId": None,
            "resourceType": USER, "resourceId": user_id}
    if not found:
        camunda.post("/authorization/create", body)
        sync.report.note("created", f"grant {user_id} {USER}/{user_id} {','.join(OWN_USER_PERMISSIONS)}")
        return
    if sorted(found[0].get("permissions") or []) == sorted(OWN_USER_PERMISSIONS):
        sync.report.note(None, "")
        return
    camunda.put(f"/authorization/{found[0]['id']}", body)
    sync.report.note("updated", f"grant {user_id} {USER}/{user_id} {','.join(OWN_USER_PERMISSIONS)}")
