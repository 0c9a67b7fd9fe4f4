"""Django admin for the deployment's configuration of the registry: the 9+1+N tag groups and
tags. People, dwellings and organisations are deliberately not here: the platform administrator
holds no personal data (separation of duties); they are managed through the scoped pages."""

from django.contrib import admin

from gongzhi.registry.models import Tag, TagGroup


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0
    fields = ["name", "active", "order"]


@admin.register(TagGroup)
class TagGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sensitive", "subdistrict", "order"]
    list_filter = ["kind", "sensitive", "subdistrict"]
    search_fields = ["name", "code"]
    inlines = [TagInline]

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.subdistrict_id = form.instance.subdistrict_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
