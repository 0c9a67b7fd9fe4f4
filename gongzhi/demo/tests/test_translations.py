"""Every page in both languages (issue 14): on the whole demo, each role opens every menu page and
the first link of each other kind found there (detail pages, tabs), plus the public pages, once in
English and once in Chinese.

English: a visible text (a text node, or a placeholder/title/aria-label/alt/button value) that
still holds Chinese characters fails, unless the Chinese in it comes from the data (names,
addresses, case texts, categories, units: every string value stored in the demo's database). A
text that reads exactly like a source string of the catalogue (with its placeholders filled in)
fails unless the very same text is stored as data (a category or unit name is data).

Chinese: no raw code of a choice (stay source "manual"/"import", message status "outbox") is shown
as a label, and a length error reads in the site's wording, not Django's stock "该变量".
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from lxml import html as lxml_html

from gongzhi.accounts.models import User
from gongzhi.core import menu

# The module builds the whole demo (minutes on a loaded machine) and opens a few hundred pages.
pytestmark = pytest.mark.timeout(1800)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
PUBLIC_PAGES = ("public:report", "public:track", "accounts:login")
# Links not followed: they change state or leave the HTML pages.
SKIPPED_URL_NAMES = re.compile(r"logout|export|download|print|xlsx|csv|geojson|photo|file|attachment|api")
# Intentionally Chinese in English mode: the switch back to Chinese, and the language's own name.
ALWAYS_CHINESE = {"中文", "简体中文"}
# Pages whose English is not complete yet, with the reason (each one listed; none may be added
# without a reason). Empty: every page passes.
ALLOWED_UNTRANSLATED: dict[str, str] = {}
# Texts that are data though they do not equal a stored value, by the page that shows them.
DATA_TEXTS = {
    # The hot-topic keywords are words cut out of the residents' own texts.
    "text:hot": re.compile(r"[^A-Za-z]+( · [^A-Za-z]+)*"),
}
# Values a user types, which stay Chinese in the English hint (the calendar file's 休/班, a
# 是/否 column): a lone character of these between non-Chinese text.
TYPED_VALUES = re.compile(r"(?<![\u4e00-\u9fff])[休班是否](?![\u4e00-\u9fff])")
# A masked name (姜*, 吴*梅): data, shown masked.
MASKED = re.compile(r"[\u4e00-\u9fff]\*+[\u4e00-\u9fff]*")

# Raw choice codes that must never be shown as labels in Chinese mode (issue 14).
RAW_CODES = {"manual", "import", "outbox", "queued", "sent", "failed", "visit", "department"}


def _visible_texts(body: str) -> list[str]:
    if not body.strip():
        return []
    tree = lxml_html.fromstring(body)
    for bad in tree.xpath("//script|//style|//template|//noscript"):
        bad.drop_tree()
    texts = []
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        for value in (node.text, node.tail):
            if value and value.strip():
                texts.append(" ".join(value.split()))
        for attribute in ATTRIBUTES:
            value = node.get(attribute)
            if value and value.strip():
                texts.append(" ".join(value.split()))
        if node.tag in ("input", "button") and node.get("type") in ("submit", "button"):
            value = node.get("value")
            if value and value.strip():
                texts.append(value.strip())
    return texts


def _catalogue_msgids() -> set[str]:
    path = Path(settings.BASE_DIR) / "gongzhi" / "locale" / "en" / "LC_MESSAGES" / "django.po"
    msgids, current, key = set(), [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#~"):
            continue
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line)
        if match:
            if key in ("msgid", "msgid_plural") and current:
                msgids.add("".join(current))
            key, current = match.group(1), [match.group(2)]
        elif line.startswith('"') and key:
            current.append(line[1:-1])
    if key in ("msgid", "msgid_plural") and current:
        msgids.add("".join(current))
    unescaped = (m.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\") for m in msgids)
    return {m for m in unescaped if CJK.search(m)}


PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]*\}")


def _visible_msgid_texts() -> set[str]:
    """Catalogue strings as a page shows them: whitespace collapsed, no HTML tags."""
    result = set()
    for msgid in _catalogue_msgids():
        text = " ".join(re.sub(r"<[^>]+>", " ", msgid).split())
        if text:
            result.add(text)
    return result


def _leaves(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return []


def _data_strings() -> set[str]:
    """Every Chinese string value stored in the demo's database (and their lines), including the
    strings inside JSON columns (a weekly report is a frozen snapshot, written when it was made)."""
    values: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.choices
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            for value in (leaf for item in row for leaf in _leaves(item)):
                if value and CJK.search(value):
                    values.add(" ".join(value.split()))
                    for line in value.splitlines():
                        if line.strip():
                            values.add(" ".join(line.split()))
    return values


class Walk:
    def __init__(self) -> None:
        self.pages: dict[tuple[str, str, str], str] = {}  # (lang, url, who) -> body

    def get(self, client: Client, url: str, who: str) -> str | None:
        bodies = {}
        for lang in ("en", "zh-hans"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                return None
            bodies[lang] = response.content.decode()
        for lang, body in bodies.items():
            self.pages[(lang, url, who)] = body
        return bodies["zh-hans"]


def _links(body: str) -> list[str]:
    tree = lxml_html.fromstring(body)
    result = []
    for href in tree.xpath("//a/@href"):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        result.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return result


def _url_name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


def _walk_from(walk: Walk, client: Client, who: str, starts: list[str], followed: set[str]) -> None:
    for url in starts:
        if ("en", url, who) in walk.pages:
            continue
        body = walk.get(client, url, who)
        if body is None:
            continue
        for link in _links(body):
            name = _url_name(link)
            if not name or SKIPPED_URL_NAMES.search(name) or name in followed:
                continue
            followed.add(name)
            walk.get(client, link, who)


_walked: list = []


@pytest.fixture
def walked(demo):
    """The walk, done once for the module's tests (inside the first one's transaction)."""
    if not _walked:
        _walked.append(_walk())
    return _walked[0]


def _walk() -> tuple[Walk, set[str]]:
    walk = Walk()
    followed: set[str] = set(PUBLIC_PAGES)
    _walk_from(walk, Client(), "anonymous", [reverse(name) for name in PUBLIC_PAGES], followed)
    roles = {}
    for user in User.objects.filter(is_active=True).exclude(scope=None).order_by("username"):
        roles.setdefault(tuple(sorted(user.role_codes)), user)
    for user in roles.values():
        client = Client()
        client.force_login(user)
        items = menu.items_for(user) + menu.items_for(user, "user")
        followed = {item.url_name for item in items}  # one page of each other kind, per role
        starts = [reverse(item.url_name) for item in items]
        _walk_from(walk, client, user.username, starts, followed)
    data = _data_strings()
    return walk, data


def _untranslated(text: str, data: dict[str, list[str]], msgid_texts: set[str], units: str) -> bool:
    """`data`: the data values of two characters or more by their first character; `units`: the
    one-character data values (次, 份, 人), data only right after a number."""
    if not CJK.search(text) or text in ALWAYS_CHINESE:
        return False
    if text in data.get(text[0], ()):
        return False
    if text in msgid_texts:
        return True
    # What is left after taking out every data value the text contains.
    rest = text
    inside = {value for char in set(text) for value in data.get(char, ()) if value in text}
    for value in sorted(inside, key=len, reverse=True):
        rest = rest.replace(value, " ")
    for always in ALWAYS_CHINESE:
        rest = rest.replace(always, " ")
    rest = MASKED.sub(" ", TYPED_VALUES.sub(" ", rest))
    if units:
        rest = re.sub(rf"(?<=\d)[{re.escape(units)}]", " ", rest)
    return bool(CJK.search(rest))


def test_english_pages_show_no_chinese_interface_text(walked):
    walk, data = walked
    msgid_texts = _visible_msgid_texts()
    assert len(walk.pages) > 40, "the walk found too few pages to mean anything"
    failures: dict[str, set[str]] = {}
    verdicts: dict[str, bool] = {}
    # Data values are only those long enough to be data, not one-character words of the interface.
    by_first: dict[str, list[str]] = {}
    for value in data:
        if len(value) >= 2:
            by_first.setdefault(value[0], []).append(value)
    units = "".join(sorted({value for value in data if len(value) == 1 and CJK.search(value)}))
    for (lang, url, who), body in sorted(walk.pages.items()):
        name = _url_name(url)
        if lang != "en" or name in ALLOWED_UNTRANSLATED:
            continue
        for text in _visible_texts(body):
            if name in DATA_TEXTS and DATA_TEXTS[name].fullmatch(text):
                continue
            if text not in verdicts:
                verdicts[text] = _untranslated(text, by_first, msgid_texts, units)
            if verdicts[text]:
                failures.setdefault(f"{url} ({who})", set()).add(text)
    report = "\n".join(f"{page}: {sorted(texts)}" for page, texts in sorted(failures.items()))
    assert not failures, f"{len(failures)} English pages show Chinese interface text:\n{report}"


def test_chinese_pages_show_no_raw_codes(walked):
    walk, _ = walked
    failures: dict[str, set[str]] = {}
    for (lang, url, who), body in sorted(walk.pages.items()):
        if lang != "zh-hans":
            continue
        for text in _visible_texts(body):
            if text in RAW_CODES or "该变量" in text:
                failures.setdefault(f"{url} ({who})", set()).add(text)
    assert not failures, failures


def test_length_errors_read_in_the_sites_chinese():
    class Form(forms.Form):
        name = forms.CharField(max_length=3, min_length=2)

    with translation.override("zh-hans"):
        too_long = str(Form({"name": "一二三四五"}).errors["name"][0])
        too_short = str(Form({"name": "一"}).errors["name"][0])
    for message in (too_long, too_short):
        assert "该变量" not in message
        assert CJK.search(message)
    assert "3" in too_long and "5" in too_long


def _catalogue_entries() -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for every live entry of the English catalogue."""
    path = Path(settings.BASE_DIR) / "gongzhi" / "locale" / "en" / "LC_MESSAGES" / "django.po"
    entries, fuzzy, msgid, strs, key = [], False, None, [], None

    def flush():
        if msgid:
            entries.append((msgid, [s for s in strs], fuzzy))

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            fuzzy, msgid, strs, key = False, None, [], None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            key, value = match.groups()
            if key == "msgid":
                msgid = value
            elif key.startswith("msgstr"):
                strs.append(value)
        elif line.startswith('"') and key:
            if key == "msgid":
                msgid = (msgid or "") + line[1:-1]
            elif key.startswith("msgstr"):
                strs[-1] += line[1:-1]
    return entries


def test_every_catalogue_entry_is_translated_with_its_placeholders():
    """Fast, without the demo. Chinese may stay only where it is a value the user types (the
    calendar file's 休/班, a 是/否 column of an import)."""
    problems = []
    entries = _catalogue_entries()
    assert len(entries) > 2000
    for msgid, msgstrs, fuzzy in entries:
        wanted = sorted(PLACEHOLDER.findall(msgid))
        if fuzzy or not all(msgstrs):
            problems.append(f"untranslated: {msgid}")
        elif any(sorted(PLACEHOLDER.findall(s)) != wanted for s in msgstrs):
            problems.append(f"placeholders differ: {msgid} -> {msgstrs}")
        elif any(CJK.search(re.sub("[休班是否]", "", s)) for s in msgstrs):
            problems.append(f"Chinese left in the English: {msgid} -> {msgstrs}")
    assert problems == [], "\n".join(problems)
