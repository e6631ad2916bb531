from django.contrib import admin

from webapp.basemodels.models import BaseModel


@admin.register(BaseModel)
class BaseModelAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "d_model", "num_layers", "num_parameters", "random_weights"]
    readonly_fields = ["d_model", "num_layers", "num_parameters", "vocab_size"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Width and size come from the checkpoint itself, never from a form.
        from webapp.basemodels.services import describe_checkpoint

        for field, value in describe_checkpoint(obj.source).items():
            setattr(obj, field, value)
        super().save_model(request, obj, form, change)
