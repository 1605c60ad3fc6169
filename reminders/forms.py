from editing.forms import EditForm

from .models import ReminderSettings


class ReminderSettingsForm(EditForm):
    class Meta(EditForm.Meta):
        model = ReminderSettings
        fields = ["send_digest"]
