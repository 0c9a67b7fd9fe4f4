from django.contrib import admin

from gongzhi.visits.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "target", "starts_on", "ends_on"]
    list_filter = ["target", "subdistrict"]
    search_fields = ["name"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        obj.subdistrict_id = obj.area.subdistrict_id
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
