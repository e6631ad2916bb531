from django.contrib import admin

from webapp.ensembles.models import Ensemble, EnsembleMember


class EnsembleMemberInline(admin.TabularInline):
    model = EnsembleMember
    extra = 0
    raw_id_fields = ["version"]


@admin.register(Ensemble)
class EnsembleAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "owner", "base_model", "voting", "revision", "updated_at"]
    list_filter = ["voting"]
    inlines = [EnsembleMemberInline]
