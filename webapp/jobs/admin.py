from django.contrib import admin

from webapp.jobs.models import BaseModel, TuningJob


@admin.register(BaseModel)
class BaseModelAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "d_model", "num_layers", "num_parameters", "random_weights"]
    readonly_fields = ["d_model", "num_layers", "num_parameters", "vocab_size"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Width and size come from the checkpoint itself, never from a form.
        from webapp.jobs.base_models import describe_checkpoint

        for field, value in describe_checkpoint(obj.source).items():
            setattr(obj, field, value)
        super().save_model(request, obj, form, change)


@admin.register(TuningJob)
class TuningJobAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "prompt", "status", "step", "total_steps", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in TuningJob._meta.fields]
