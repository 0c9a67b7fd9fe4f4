"""`gongzhi import_geojson FILE [--kind KIND] [--parent CODE] [--code C --name N] [--update]`

Each feature becomes an area (a Polygon/MultiPolygon outline, or a Point as the area's centre).
Properties drive it (`code`, `name`, `kind`, `parent`); the options fill what the properties do
not say. Everything is checked before anything is written, and the whole file is one
transaction: one bad feature and nothing is imported. With --update, an existing code gets the
new outline instead of being refused. Coordinates must be WGS84 ([lng, lat]); --gcj02 converts a
file drawn on a Chinese map service.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.core.errors import DomainError
from gongzhi.territory import coords, geo
from gongzhi.territory.models import KIND_ORDER, Area
from gongzhi.territory.services import create_area, set_boundary


class Command(BaseCommand):
    help = "Import area outlines (and centre points) from a GeoJSON file, atomically."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", choices=KIND_ORDER, help="kind for features without a 'kind' property")
        parser.add_argument("--parent", default="", help="parent area code for features without 'parent'")
        parser.add_argument("--code", default="", help="code, for a file with one feature")
        parser.add_argument("--name", default="", help="name, for a file with one feature")
        parser.add_argument("--code-property", default="code")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--update", action="store_true", help="replace outlines of existing codes")
        parser.add_argument("--gcj02", action="store_true", help="the file's coordinates are GCJ-02")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            features = data.get("features") or []
        elif isinstance(data, dict) and data.get("type") == "Feature":
            features = [data]
        else:
            raise CommandError("the file must be a GeoJSON FeatureCollection or Feature")
        if not features:
            raise CommandError("the file has no features")
        if (options["code"] or options["name"]) and len(features) != 1:
            raise CommandError("--code and --name are for a file with exactly one feature")
        try:
            with transaction.atomic():
                created, updated = self._import(features, options)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"imported {created} new areas, updated {updated} outlines from {path.name}")

    def _import(self, features: list, options: dict) -> tuple[int, int]:
        created = updated = 0
        seen: set[str] = set()
        for number, feature in enumerate(features, 1):
            where = f"feature {number}"
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise DomainError(f"{where}: not a GeoJSON Feature")
            props = feature.get("properties") or {}
            code = str(options["code"] or props.get(options["code_property"]) or "").strip()
            name = str(options["name"] or props.get(options["name_property"]) or "").strip()
            kind = str(props.get("kind") or options["kind"] or "").strip()
            parent_code = str(props.get("parent") or options["parent"] or "").strip()
            if not code or not name:
                raise DomainError(f"{where}: needs a code and a name (properties or --code/--name)")
            if len(code) > 40 or len(name) > 80:
                raise DomainError(f"{where}: code is at most 40 characters, name at most 80")
            if code in seen:
                raise DomainError(f"{where}: code {code} appears twice in the file")
            seen.add(code)
            geometry = feature.get("geometry") or {}
            if options["gcj02"] and geometry.get("coordinates"):
                geometry = coords.convert_geometry(geometry, to_gcj02=False)
            boundary, centre = None, None
            if geometry.get("type") == "Point":
                try:
                    lng, lat = (float(x) for x in geometry["coordinates"][:2])
                except (TypeError, ValueError, KeyError) as exc:
                    raise DomainError(f"{where}: bad point coordinates") from exc
                centre = geo.validate_point(lat, lng)
            else:
                try:
                    boundary = geo.validate_polygon(geometry)
                except DomainError as error:
                    raise DomainError(f"{where} ({code}): {error.message}") from error
            existing = Area.objects.filter(code=code).first()
            if existing is not None:
                if not options["update"]:
                    raise DomainError(f"{where}: area {code} exists (use --update to replace its outline)")
                if boundary is not None:
                    set_boundary(area=existing, boundary=boundary)
                updated += 1
                continue
            if kind not in KIND_ORDER:
                raise DomainError(
                    f"{where}: kind must be one of {', '.join(KIND_ORDER)} (property or --kind)"
                )
            parent = None
            if parent_code:
                parent = Area.objects.filter(code=parent_code).first()
                if parent is None:
                    raise DomainError(f"{where}: parent {parent_code} does not exist")
            elif kind != "district":
                raise DomainError(f"{where}: a {kind} needs a parent (property 'parent' or --parent)")
            create_area(code=code, name=name, kind=kind, parent=parent, boundary=boundary, centre=centre)
            created += 1
        return created, updated
