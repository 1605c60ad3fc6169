"""Rich text: stored as sanitised HTML, written by officers as plain text with light marks.

Officers write paragraphs separated by a blank line, bullets as lines starting "- ",
**bold** and *italic* (Markdown). What reaches the database is HTML cleaned by nh3 to a
small allow-list, whichever way it arrives: a form, the admin, a fixture or the ORM.
"""

import markdown
import nh3
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from markdownify import MarkdownConverter

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "sup", "sub"}
# The seed's lists carry an inline style; it is dropped, since the register's own
# stylesheet decides how a list looks.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {}


def sanitise(html: str) -> str:
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel=None)


class _Converter(MarkdownConverter):
    # Markdown has no superscript; keep the tag, which Markdown passes through.
    def convert_sup(self, el, text, *args, **kwargs):
        return f"<sup>{text}</sup>" if text else ""

    def convert_sub(self, el, text, *args, **kwargs):
        return f"<sub>{text}</sub>" if text else ""


def html_to_text(html: str) -> str:
    """The text an officer edits for stored HTML."""
    if not html:
        return ""
    text = _Converter(bullets="-", heading_style="ATX", strong_em_symbol="*").convert(html)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def text_to_html(text: str) -> str:
    """Sanitised HTML for what an officer wrote."""
    if not text or not text.strip():
        return ""
    return sanitise(markdown.markdown(text.replace("\r\n", "\n"), output_format="html"))


class Sanitised(str):
    """HTML read back from a rich-text field: sanitised when it was written, so copying it
    into another row (closing a quarter copies every risk's text) need not sanitise it
    again. Any change to it (`+`, `replace`, a form's input) gives a plain `str` again."""


class RichTextField(models.TextField):
    """A TextField whose value is sanitised on every write."""

    def from_db_value(self, value, expression, connection):
        return Sanitised(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        if type(value) is Sanitised:
            return str(value)
        value = super().get_prep_value(value)
        return sanitise(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": RichTextFormField, **kwargs})


class RichTextBoundField(forms.BoundField):
    """Shows stored HTML as the text an officer edits; a submitted form shows what was typed."""

    def value(self):
        if self.form.is_bound:
            return self.data
        return html_to_text(self.initial or "")


# Characters an officer may type in one rich-text box: the longest text in the seed
# documents is under 2,300; a 240,000-character box made a 161-page pack.
RICH_TEXT_LIMIT = 5000


class RichTextFormField(forms.CharField):
    widget = forms.Textarea
    rich = True

    def __init__(self, *args, max_length=None, **kwargs):
        # The limit counts what the officer types, not the HTML it becomes.
        self.text_limit = max_length or RICH_TEXT_LIMIT
        if not kwargs.get("help_text"):
            kwargs["help_text"] = (
                'Separate paragraphs with a blank line. Start a line with "- " for a bullet. '
                "Use **two stars** for bold and *one star* for italic."
            )
        super().__init__(*args, **kwargs)

    def get_bound_field(self, form, field_name):
        return RichTextBoundField(form, self, field_name)

    def to_python(self, value):
        value = super().to_python(value)
        if len(value) > self.text_limit:
            name = self.label or "The text"
            raise ValidationError(
                f"{name} must be {self.text_limit:,} characters or fewer (it has {len(value):,})",
                code="max_length",
            )
        return text_to_html(value)

    def has_changed(self, initial, data):
        # Compare as the officer sees it, so a round trip through the editor is no change.
        before = text_to_html(html_to_text(initial or ""))
        try:
            return before != self.to_python(data)
        except ValidationError:
            return True


def unwrap_paragraph(html: str) -> str:
    """'<p>text</p>' -> 'text' when the HTML is one paragraph, for list items."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


class RichTextListField(models.JSONField):
    """A JSON list of rich-text items (a frozen list of controls), each sanitised on write."""

    def get_prep_value(self, value):
        if isinstance(value, list):
            value = [_sanitised(item) if isinstance(item, str) else item for item in value]
        return super().get_prep_value(value)


def _sanitised(item: str) -> str:
    return str(item) if type(item) is Sanitised else sanitise(item)
