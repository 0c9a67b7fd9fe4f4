from django.contrib import admin

from gongzhi.cases.models import Category, TimeLimit


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "default_unit_name",
        "default_tier",
        "response_hours",
        "reply_days",
        "close_days",
        "active",
        "public_sort",
    ]
    # The deployment chooses here which categories residents see, and in which order.
    list_editable = ["public_sort"]
    list_filter = ["active", ("public_sort", admin.EmptyFieldListFilter), "default_tier", "parent"]
    search_fields = ["code", "name", "keywords"]
    inlines = [TimeLimitInline]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ["category", "tier", "response_hours", "reply_days", "close_days"]
