from django.db import models


class Stamp(models.Model):
    """A counter that every write to some data moves on (see `basics.stamps`)."""

    name = models.CharField(max_length=100, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
