"""Background work: building PDF packs (django-tasks; `manage.py db_worker` runs it)."""

from django_tasks import task


@task()
def build_pack(pack_id: int) -> None:
    from .packs import build_pack_file

    build_pack_file(pack_id)
