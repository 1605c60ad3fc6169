"""Give the role groups the permissions of every app's models, once all of them exist.

Role synchronisation used to run inside governance's first migration, which made that app
depend on this package. It runs here instead, after the apps' own migrations; the roles
are the same.
"""

from django.db import migrations

from riskreg.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("riskreg", "0003_pack_in_database_audit_log"),
        ("registers", "0005_risk_reference_characters"),
        ("governance", "0002_versions_and_withdrawal"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
