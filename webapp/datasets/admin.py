from django.contrib import admin

from webapp.datasets.models import Dataset, Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "status", "progress", "dataset", "created_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "owner__username"]
    # Status and files change only through the services, which keep rows and files in step.
    readonly_fields = [f.name for f in Upload._meta.fields]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "task_kind", "created_at"]
    list_filter = ["task_kind"]
    search_fields = ["name", "owner__username"]
    readonly_fields = ["storage_key", "source_files", "columns", "split_counts", "labels", "label_counts", "stats",
                       "token_stats", "problems"]
