"""Kept for the migrations written before rich text moved to `basics.richtext`.

They name `riskreg.richtext.RichTextField`; the class is the same object, so the
migration state is unchanged. New code imports from `basics.richtext`.
"""

from basics.richtext import RichTextField, RichTextListField

__all__ = ["RichTextField", "RichTextListField"]
