from django.contrib import admin

from gongzhi.territory.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "subdistrict"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "depth"]

    def has_add_permission(self, request) -> bool:
        # Areas are added through territory.services (path, depth and subdistrict must stay right).
        return False
