"""The translation catalogues are complete: every message of the current source tree, extracted
as ``manage.py makemessages`` does, is translated in each of ``locale/{fr,ar,en}``, none of them
fuzzy or empty, and each catalogue passes ``msgfmt --check``. The checker is shown to fail on a
catalogue made by hand with one fuzzy and one empty entry."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LANGUAGES = ("fr", "ar", "en")
SOURCE_TREES = ("geoportal", "layers", "ogc", "tiles", "ingest")
# What README ("Translations") runs, less the languages.
MAKEMESSAGES_IGNORE = ("node_modules", "tests", "bench", "notebooks", "var")


def catalogue(lang: str) -> Path:
    return REPO_ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"


def gettext_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)


def catalogue_problems(po: Path, template: Path) -> list[str]:
    """What keeps ``po`` from being complete against ``template``: messages missing or only
    fuzzy or empty (``msgcmp``), fuzzy entries, empty entries (``msgattrib``)."""
    problems = []
    compared = gettext_tool("msgcmp", str(po), str(template))
    if compared.returncode != 0:
        problems.append(f"msgcmp: {compared.stderr.strip()}")
    for option in ("--only-fuzzy", "--untranslated"):
        # without the header entry, an empty catalogue prints nothing at all
        found = gettext_tool("msgattrib", option, "--no-wrap", str(po))
        assert found.returncode == 0, found.stderr
        entries = [line for line in found.stdout.splitlines() if line.startswith("msgid ")]
        entries = [line for line in entries if line != 'msgid ""']
        if entries:
            problems.append(f"{option}: {entries}")
    return problems


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> Path:
    """The messages of the current source tree: ``makemessages`` run in a copy of the project,
    which has no catalogue yet, keeping the template it extracts (``locale/django.pot``)."""
    copy = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor", "*.mo")
    for tree in SOURCE_TREES:
        shutil.copytree(REPO_ROOT / tree, copy / tree, ignore=ignore)
    shutil.copy2(REPO_ROOT / "manage.py", copy / "manage.py")
    (copy / "locale").mkdir()
    command = [sys.executable, "manage.py", "makemessages", "-l", "fr", "--keep-pot"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    template = copy / "locale" / "django.pot"
    assert template.exists()
    return template


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_of_the_source_is_translated(source_messages, lang):
    assert catalogue_problems(catalogue(lang), source_messages) == []


def test_the_extracted_messages_hold_each_kind_of_string(source_messages):
    text = source_messages.read_text()
    assert 'msgid "Couches"' in text  # a named word of the map (geoportal/portal/words.py)
    assert 'msgctxt "road_class"\nmsgid "autoroute"' in text  # a coded value, with its attribute
    assert 'msgid "Note de renseignements urbanistiques"' in text  # the note's words
    assert 'msgid "Unknown parcel"' in text  # an error's title


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalogue_passes_msgfmt_check(lang, tmp_path):
    checked = gettext_tool("msgfmt", "--check", "-o", str(tmp_path / "x.mo"), str(catalogue(lang)))
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(("lang", "plurals"), [("fr", 2), ("ar", 6), ("en", 2)])
def test_each_catalogue_names_its_language_and_plural_forms(lang, plurals):
    text = catalogue(lang).read_text()
    assert f'"Language: {lang}\\n"' in text
    assert f'"Plural-Forms: nplurals={plurals};' in text


def test_the_checker_finds_a_fuzzy_and_an_empty_entry(tmp_path):
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ar\\n"\n\n'
    )
    template = tmp_path / "django.pot"
    template.write_text(
        header + 'msgid "Carte"\nmsgstr ""\n\nmsgid "Couches"\nmsgstr ""\n\n'
        'msgid "Légende"\nmsgstr ""\n'
    )
    made = tmp_path / "django.po"
    made.write_text(
        header + 'msgid "Carte"\nmsgstr "الخريطة"\n\n'
        '#, fuzzy\nmsgid "Couches"\nmsgstr "الطبقات"\n\n'
        'msgid "Légende"\nmsgstr ""\n'
    )
    problems = catalogue_problems(made, template)
    assert len(problems) == 3
    assert problems[0].startswith("msgcmp:") and "found 2 fatal errors" in problems[0]
    assert problems[1] == """--only-fuzzy: ['msgid "Couches"']"""
    assert problems[2] == """--untranslated: ['msgid "Légende"']"""
    # and a complete one passes
    made.write_text(
        header + 'msgid "Carte"\nmsgstr "الخريطة"\n\nmsgid "Couches"\nmsgstr "الطبقات"\n\n'
        'msgid "Légende"\nmsgstr "مفتاح الخريطة"\n'
    )
    assert catalogue_problems(made, template) == []


@pytest.mark.parametrize(
    ("lang", "written"),
    [
        ("fr", "1.234.567,5"),  # "." between thousands, a decimal comma (fr-MA, not France's space)
        ("ar", "1.234.567,5"),  # Latin digits, "." between thousands, a decimal comma (ar-MA)
        ("en", "1,234,567.5"),
    ],
)
def test_numbers_are_grouped_by_thousands_in_each_language(lang, written):
    """As the e-renseignement writes an area (``floatformat:"1g"``) and the ingest pages a count:
    Django's Arabic formats set no grouping and its French ones a space, ``geoportal/formats``
    sets Morocco's."""
    from django.template.defaultfilters import floatformat
    from django.utils import translation
    from django.utils.formats import number_format

    with translation.override(lang):
        assert floatformat(1234567.54, "1g") == written
        assert number_format(1234567, force_grouping=True) == written[:-2]
