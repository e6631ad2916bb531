from django.contrib import admin

from webapp.jobs.models import TuningJob


@admin.register(TuningJob)
class TuningJobAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "prompt", "status", "step", "total_steps", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in TuningJob._meta.fields]
