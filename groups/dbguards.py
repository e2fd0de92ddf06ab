"""Database triggers that keep group capacity, group status and the per-trainee limit true for
every writer, including bulk inserts and raw SQL that bypass the services.

The capacity guard is mostly declarative (see Membership's constraints): each active member or
peer leader holds a seat number that is unique in the group, so two rows can never share a seat.
What a CHECK constraint cannot see is the group's capacity in another table; the triggers here
refuse a seat above it, and refuse lowering a capacity below a seat in use. Together: seats are
distinct numbers from 1 to capacity, so a group never has more members than seats.

The same trigger refuses new current memberships in a closed group, and more current groups
per trainee in a cohort than the cohort allows. On PostgreSQL it takes a share lock on the group
row and a lock on the person's row, so concurrent raw inserts are checked one after the other;
SQLite runs one writer at a time anyway.

Installed by the migration and again after every `migrate` (SQLite drops triggers when a later
migration rebuilds a table), so the statements must be idempotent.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

CURRENT = "('active', 'waitlisted')"
SEATED = "('member', 'peer_leader')"

POSTGRES_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION groups_membership_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    grp RECORD;
    taken integer;
BEGIN
    SELECT g.capacity, g.status, g.cohort_id, c.max_groups_per_trainee INTO grp
      FROM groups_peergroup g JOIN groups_cohort c ON c.id = g.cohort_id
     WHERE g.id = NEW.group_id
       FOR SHARE OF g;
    IF NEW.seat IS NOT NULL AND NEW.seat > grp.capacity THEN
        RAISE EXCEPTION 'groups: seat % is beyond the % seats of group %',
            NEW.seat, grp.capacity, NEW.group_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status IN {CURRENT} AND grp.status = 'closed' AND (
        TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.group_id <> NEW.group_id
    ) THEN
        RAISE EXCEPTION 'groups: group % is closed', NEW.group_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status IN {CURRENT} AND NEW.role IN {SEATED} AND (
        TG_OP = 'INSERT' OR OLD.status NOT IN {CURRENT} OR OLD.role NOT IN {SEATED}
        OR OLD.group_id <> NEW.group_id OR OLD.user_id <> NEW.user_id
    ) THEN
        PERFORM 1 FROM accounts_user WHERE id = NEW.user_id FOR NO KEY UPDATE;
        SELECT count(*) INTO taken
          FROM groups_membership m JOIN groups_peergroup g ON g.id = m.group_id
         WHERE m.user_id = NEW.user_id AND g.cohort_id = grp.cohort_id
           AND g.status <> 'closed' AND m.status IN {CURRENT} AND m.role IN {SEATED}
           AND (TG_OP = 'INSERT' OR m.id <> NEW.id);
        IF taken >= grp.max_groups_per_trainee THEN
            RAISE EXCEPTION 'groups: user % is already in % group(s) of cohort %',
                NEW.user_id, taken, grp.cohort_id USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
""",
    "DROP TRIGGER IF EXISTS groups_membership_guard ON groups_membership;",
    """
CREATE TRIGGER groups_membership_guard BEFORE INSERT OR UPDATE ON groups_membership
FOR EACH ROW EXECUTE FUNCTION groups_membership_guard();
""",
    """
CREATE OR REPLACE FUNCTION groups_peergroup_capacity_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM groups_membership WHERE group_id = NEW.id AND seat > NEW.capacity
    ) THEN
        RAISE EXCEPTION 'groups: group % has a member in a seat beyond %', NEW.id, NEW.capacity
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
""",
    "DROP TRIGGER IF EXISTS groups_peergroup_capacity_guard ON groups_peergroup;",
    """
CREATE TRIGGER groups_peergroup_capacity_guard BEFORE UPDATE OF capacity ON groups_peergroup
FOR EACH ROW WHEN (NEW.capacity < OLD.capacity)
EXECUTE FUNCTION groups_peergroup_capacity_guard();
""",
]

POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS groups_membership_guard ON groups_membership;",
    "DROP FUNCTION IF EXISTS groups_membership_guard();",
    "DROP TRIGGER IF EXISTS groups_peergroup_capacity_guard ON groups_peergroup;",
    "DROP FUNCTION IF EXISTS groups_peergroup_capacity_guard();",
]


def _sqlite_membership_checks(*, update: bool) -> str:
    # In an UPDATE trigger the limit and closed-group checks apply only to rows that become
    # current (or move), so promoting a waitlisted member or leaving is not counted twice.
    becomes_current = (
        f"(OLD.status NOT IN {CURRENT} OR OLD.group_id <> NEW.group_id)" if update else "1"
    )
    becomes_counted = (
        f"(OLD.status NOT IN {CURRENT} OR OLD.role NOT IN {SEATED} "
        "OR OLD.group_id <> NEW.group_id OR OLD.user_id <> NEW.user_id)"
        if update
        else "1"
    )
    not_self = "AND m.id <> NEW.id" if update else ""
    return f"""
    SELECT RAISE(ABORT, 'groups: seat is beyond the capacity of the group')
     WHERE NEW.seat IS NOT NULL
       AND NEW.seat > (SELECT capacity FROM groups_peergroup WHERE id = NEW.group_id);
    SELECT RAISE(ABORT, 'groups: the group is closed')
     WHERE NEW.status IN {CURRENT} AND {becomes_current}
       AND (SELECT status FROM groups_peergroup WHERE id = NEW.group_id) = 'closed';
    SELECT RAISE(ABORT, 'groups: the person is in as many groups of this cohort as allowed')
     WHERE NEW.status IN {CURRENT} AND NEW.role IN {SEATED} AND {becomes_counted}
       AND (
           SELECT count(*) FROM groups_membership m JOIN groups_peergroup g ON g.id = m.group_id
            WHERE m.user_id = NEW.user_id AND g.status <> 'closed'
              AND m.status IN {CURRENT} AND m.role IN {SEATED} {not_self}
              AND g.cohort_id = (SELECT cohort_id FROM groups_peergroup WHERE id = NEW.group_id)
       ) >= (
           SELECT c.max_groups_per_trainee
             FROM groups_peergroup g JOIN groups_cohort c ON c.id = g.cohort_id
            WHERE g.id = NEW.group_id
       );
"""


SQLITE_INSTALL = [
    f"""
CREATE TRIGGER IF NOT EXISTS groups_membership_guard_insert
BEFORE INSERT ON groups_membership
BEGIN {_sqlite_membership_checks(update=False)} END;
""",
    f"""
CREATE TRIGGER IF NOT EXISTS groups_membership_guard_update
BEFORE UPDATE ON groups_membership
BEGIN {_sqlite_membership_checks(update=True)} END;
""",
    """
CREATE TRIGGER IF NOT EXISTS groups_peergroup_capacity_guard
BEFORE UPDATE OF capacity ON groups_peergroup
WHEN NEW.capacity < OLD.capacity
BEGIN
    SELECT RAISE(ABORT, 'groups: a member holds a seat beyond the new capacity')
     WHERE EXISTS (
        SELECT 1 FROM groups_membership WHERE group_id = NEW.id AND seat > NEW.capacity
     );
END;
""",
]

SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS groups_membership_guard_insert;",
    "DROP TRIGGER IF EXISTS groups_membership_guard_update;",
    "DROP TRIGGER IF EXISTS groups_peergroup_capacity_guard;",
]

STATEMENTS = {
    "postgresql": (POSTGRES_INSTALL, POSTGRES_UNINSTALL),
    "sqlite": (SQLITE_INSTALL, SQLITE_UNINSTALL),
}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) the triggers; raises on a database we have no triggers for."""
    statements, _uninstall = STATEMENTS[connection.vendor]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    _install, statements = STATEMENTS[connection.vendor]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
