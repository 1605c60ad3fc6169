from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from editing.forms import save_edit

from .forms import ReminderSettingsForm
from .models import ReminderSettings
from .services import REMINDER_KINDS


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own reminder choice: every user may change theirs, and only theirs."""
    current = ReminderSettings.objects.filter(user=request.user).first()
    form = ReminderSettingsForm(
        request.POST or None, instance=current or ReminderSettings(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message("Your reminder settings are saved."))
            return redirect("reminders:settings")
        form = outcome.form
    context = {"form": form, "kinds": REMINDER_KINDS}
    return render(request, "reminders/settings.html", context)
