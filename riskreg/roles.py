"""The three roles of riskreg and what each may do.

Roles are Django groups. Their permissions are described here by app and codename
pattern, so that a model added later is covered by the same rule once a migration
calls `sync_roles` again. Deleting is never granted: history is kept, not removed.
"""

from fnmatch import fnmatch
from functools import cache

from django.db import connection

RISK_OFFICER = "Risk Officer"
CHIEF_OFFICER = "Chief Officer"
PCC_STAFF = "PCC Staff"
# Not a group: a superuser, who manages users and roles. Single sign-on may grant it.
ADMINISTRATOR = "Administrator"

ROLES: dict[str, list[tuple[str, str]]] = {
    # Creates and edits every record, closes quarters, previews draft packs.
    RISK_OFFICER: [
        ("registers", "add_risk"),
        ("registers", "change_risk"),
        ("registers", "add_control"),
        ("registers", "change_control"),
        ("registers", "delete_control"),
        ("registers", "change_quarterlysnapshot"),
        ("registers", "add_action"),
        ("registers", "change_action"),
        ("registers", "add_review"),
        ("registers", "change_review"),
        ("registers", "change_riskcategory"),
        ("registers", "view_*"),
        ("registers", "close_period"),
        # Imports a register from a spreadsheet (the import's history: "view_*").
        ("registers", "add_importbatch"),
        ("governance", "add_*"),
        ("governance", "change_*"),
        ("governance", "view_*"),
        ("riskreg", "download_pack"),
        ("riskreg", "preview_pack"),
    ],
    # Reads everything, the live register included; edits nothing; signs a quarter off for
    # publication, or returns it, where its register asks for sign-off.
    CHIEF_OFFICER: [
        ("registers", "view_*"),
        ("registers", "sign_off_period"),
        ("governance", "view_*"),
        ("riskreg", "download_pack"),
    ],
    # Reads published (closed) quarters and downloads their packs. The live register
    # needs registers.view_live_register, which this role does not have.
    PCC_STAFF: [
        ("registers", "view_register"),
        ("registers", "view_risk"),
        ("registers", "view_control"),
        ("registers", "view_reportingperiod"),
        ("registers", "view_quarterlysnapshot"),
        ("registers", "view_ratingscale"),
        ("registers", "view_ratingband"),
        ("governance", "view_*"),
        ("riskreg", "download_pack"),
    ],
}

# Permissions no role is given by a wildcard: the live working register is granted by name.
_NOT_BY_PATTERN = {"view_live_register"}
ROLES[RISK_OFFICER].append(("registers", "view_live_register"))
ROLES[CHIEF_OFFICER].append(("registers", "view_live_register"))


def _matches(codename: str, pattern: str) -> bool:
    if "historical" in codename:
        return False  # simple-history's shadow models are never edited by hand
    if codename in _NOT_BY_PATTERN and pattern != codename:
        return False
    return fnmatch(codename, pattern)


def sync_roles(apps, schema_editor=None) -> None:
    """Create the role groups and give each exactly the permissions ROLES names.

    Usable as a migration's RunPython (pass the historical `apps`) and from code
    (pass `django.apps.apps`). Permissions are created first, as post_migrate would,
    so that models added in the same migration run are covered.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # A migration's app configs are stubs without models_module, which
        # create_permissions takes to mean "no models"; say otherwise for the call.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    candidates = list(
        Permission.objects.filter(
            content_type__app_label__in={app for rules in ROLES.values() for app, _ in rules}
        ).select_related("content_type")
    )
    for role, rules in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        granted = [
            perm
            for perm in candidates
            if any(
                perm.content_type.app_label == app and _matches(perm.codename, pattern)
                for app, pattern in rules
            )
        ]
        group.permissions.set(granted)


def role_of(user) -> str | None:
    """The name of the user's role, or None for a user in no role (an administrator).

    Read once a request: the view and the navigation both ask (kept on the user object,
    which is the request's), with the user's permissions in the same query."""
    if not hasattr(user, "_riskreg_role"):
        _read_role_and_permissions(user)
    return user._riskreg_role


def _read_role_and_permissions(user) -> None:
    """Read the user's groups, their permissions and the user's own in one query, and keep
    them on the user object: the role here, the permissions where Django's ModelBackend
    keeps what it read (its `_user_perm_cache`, `_group_perm_cache` and `_perm_cache`), so
    that `has_perm` asks nothing more this request. Django would take three queries.

    Nothing is kept for a superuser (every permission) or an inactive user (none): the
    backend decides those itself. tests/riskreg/test_published_home.py holds the sets read here
    equal to the backend's own, for every role.
    """
    if user.is_anonymous:
        user._riskreg_role = None
        return
    with connection.cursor() as cursor:
        cursor.execute(_role_and_permissions_sql(), [user.pk, user.pk])
        rows = cursor.fetchall()
    names, group_perms, user_perms = set(), set(), set()
    for group, app_label, codename in rows:
        if group is None:
            user_perms.add(f"{app_label}.{codename}")
            continue
        names.add(group)
        if codename is not None:  # a group without permissions
            group_perms.add(f"{app_label}.{codename}")
    found = (role for role in (RISK_OFFICER, CHIEF_OFFICER, PCC_STAFF) if role in names)
    user._riskreg_role = next(found, None)
    if user.is_active and not user.is_superuser and not hasattr(user, "_perm_cache"):
        user._user_perm_cache = user_perms
        user._group_perm_cache = group_perms
        user._perm_cache = user_perms | group_perms


@cache
def _role_and_permissions_sql() -> str:
    """The user's groups with each of their permissions (a group without any: one row of
    NULLs), then the user's own permissions (group NULL). Written out rather than built
    with the ORM: building the joined querysets cost twice what running them did, on a
    page read on every request (bench/RESULTS.md, "Throughput under gunicorn")."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    quote = connection.ops.quote_name
    groups = get_user_model().groups.field  # the many-to-many fields, for their tables
    own = get_user_model().user_permissions.field
    granted = Group.permissions.field
    sql = {
        "user_groups": quote(groups.m2m_db_table()),
        "ug_user": quote(groups.m2m_column_name()),
        "ug_group": quote(groups.m2m_reverse_name()),
        "user_permissions": quote(own.m2m_db_table()),
        "up_user": quote(own.m2m_column_name()),
        "up_permission": quote(own.m2m_reverse_name()),
        "group_permissions": quote(granted.m2m_db_table()),
        "gp_group": quote(granted.m2m_column_name()),
        "gp_permission": quote(granted.m2m_reverse_name()),
        "group": quote(Group._meta.db_table),
        "permission": quote(Permission._meta.db_table),
        "content_type": quote(ContentType._meta.db_table),
    }
    return """
        SELECT g.name, ct.app_label, p.codename
          FROM {user_groups} ug
          JOIN {group} g ON g.id = ug.{ug_group}
          LEFT JOIN {group_permissions} gp ON gp.{gp_group} = g.id
          LEFT JOIN {permission} p ON p.id = gp.{gp_permission}
          LEFT JOIN {content_type} ct ON ct.id = p.content_type_id
         WHERE ug.{ug_user} = %s
        UNION ALL
        SELECT NULL, ct.app_label, p.codename
          FROM {user_permissions} up
          JOIN {permission} p ON p.id = up.{up_permission}
          JOIN {content_type} ct ON ct.id = p.content_type_id
         WHERE up.{up_user} = %s
    """.format(**sql)
