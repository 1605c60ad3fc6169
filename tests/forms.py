"""Post what a page renders: parse a form out of the HTML as a browser would submit it.

A form test GETs the page, reads its form with `form_fields`, changes only what it means
to change, and posts the result (`submit`). A field the page does not render is not sent,
and a field it renders is sent with the value it shows, so a form that drops or mangles a
value on the way round shows up as a changed record.
"""

from html.parser import HTMLParser

from django.utils.datastructures import MultiValueDict


class _Form:
    def __init__(self, attrs: dict):
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        self.fields: list[tuple[str, str]] = []
        self.names: set[str] = set()


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.form: _Form | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: dict | None = None
        self.option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = _Form(attrs)
            self.forms.append(self.form)
            return
        if self.form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self.form.names.add(name)
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.form.fields.append((name, attrs.get("value", "on")))
                return
            self.form.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self.form.names.add(name)
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.form.names.add(name)
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": []}
            self.select["options"].append(self.option)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea:
            name, parts = self.textarea
            text = "".join(parts)
            # The HTML spec drops one newline straight after <textarea>.
            self.form.fields.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self.select["multiple"]:
                chosen = options[:1]  # a browser submits the first option
            for option in chosen:
                value = option["value"]
                if value is None:
                    value = "".join(option["text"]).strip()
                self.form.fields.append((self.select["name"], value))
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option["text"].append(data)


def forms_in(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_fields(html: str, *, containing: str | None = None, action: str | None = None):
    """The fields a browser would submit from the page's form, as a MultiValueDict.

    The form is the first POST form holding a field named `containing`, or with this
    `action`; without either, the page's only POST form other than "Sign out".
    """
    candidates = [f for f in forms_in(html) if f.method == "post"]
    if containing:
        candidates = [f for f in candidates if containing in f.names]
    elif action:
        candidates = [f for f in candidates if f.action == action]
    else:
        candidates = [f for f in candidates if not f.action.endswith("/accounts/logout/")]
    assert candidates, f"no POST form {'with ' + containing if containing else ''} on the page"
    data = MultiValueDict()
    for name, value in candidates[0].fields:
        data.appendlist(name, value)
    return data


def set_date(data: MultiValueDict, name: str, date) -> None:
    """Type a date into a GOV.UK date input's day, month and year boxes."""
    data[f"{name}_day"] = str(date.day) if date else ""
    data[f"{name}_month"] = str(date.month) if date else ""
    data[f"{name}_year"] = str(date.year) if date else ""


def submit(client, url: str, changes: dict | None = None, *, containing=None, action=None):
    """GET `url`, change only `changes` in its form, and POST it back to the form's target."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.content.decode(), containing=containing, action=action)
    for name, value in (changes or {}).items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif value is None:
            data.pop(name, None)
        else:
            data[name] = str(value)
    target = action or next(
        (
            f.action
            for f in forms_in(page.content.decode())
            if f.method == "post"
            and (containing is None or containing in f.names)
            and not f.action.endswith("/accounts/logout/")
        ),  # fmt: skip
        "",
    )
    return client.post(target or url, {name: data.getlist(name) for name in data})
