"""Create the Risk Officer, Chief Officer and PCC Staff groups with their permissions."""

from django.db import migrations

from riskreg.roles import sync_roles


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Risk Officer", "Chief Officer", "PCC Staff"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("registers", "0002_default_rating_scale"),
    ]
    operations = [migrations.RunPython(sync_roles, remove_roles)]
