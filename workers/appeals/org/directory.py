"""Who may read and change which users (breaker finding 13), kept apart from `IdentitySync.sync` so
that the org chart's other steps stay as they are.

Camunda's USER READ is all or nothing per user: it shows the id, the name and the e-mail address.

- A department (kinds in `LIMITED_KINDS`) reads the users of its own group only — the colleagues it
  assigns tasks to and whose names Tasklist shows — plus itself, not the whole county's directory.
  Every other staff group (office, leaders, supervision, deputy heads) keeps READ on all users
  (`grants._STAFF`): they dispatch and assign across departments. The per-member grants follow the
  chart: a user who leaves the group is no longer readable for it.
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
    `technical_users`; idempotent, changes noted in `sync.report`."""
    camunda = sync.camunda
    counties = chart.all_counties()  # a role two counties share is one group: its members from both
    users = {user.id: user for county in counties for user in county.users}
    groups = {group.id: group for county in counties for group in county.groups}
    members: dict[str, set[str]] = {}
    for user in users.values():
        for gid in user.groups:
            members.setdefault(gid, set()).add(user.id)
    for group in groups.values():
        if group.kind not in LIMITED_KINDS:
            continue
        wanted = members.get(group.id, set())
        for grant in camunda.get("/authorization", resourceType=USER, groupIdIn=group.id, type=GRANT):
            if grant["resourceId"] == "*" or grant["resourceId"] not in wanted:
                camunda.delete(f"/authorization/{grant['id']}")
                sync.report.note("updated", f"grant {group.id} {USER}/{grant['resourceId']} revoked")
        for user_id in sorted(wanted):
            sync.ensure_grant(USER, user_id, ("READ",), group_id=group.id)
    for user_id in [*users, *technical_users]:
        _own_user_only(sync, user_id)


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
