"""Background work: building a big PDF pack (django-tasks; `manage.py db_worker` runs it)."""

from django_tasks import task

from .models import Pack


@task()
def build_pack(pack_id: int) -> None:
    from .packs import build_pack_file

    pack = Pack.objects.select_related("register__rating_scale", "period__register").get(pk=pack_id)
    if pack.status != Pack.Status.READY:
        build_pack_file(pack)
