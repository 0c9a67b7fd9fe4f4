from django.contrib import admin

from gongzhi.text.models import ModelVersion, Suggestion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at", "trained_on", "held_back", "active", "note"]
    exclude = ["blob"]
    readonly_fields = ["version", "created_at", "trained_on", "held_back", "metrics", "note", "trained_by"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["case", "model_version", "chosen", "accepted", "in_top3", "created_at"]
    raw_id_fields = ["case", "chosen"]
