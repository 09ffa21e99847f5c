"""Keep the dashboard's gettext catalogs in step with the code.

    .venv/bin/python scripts/i18n.py extract   # write src/nethealth/ui/locale/messages.pot
    .venv/bin/python scripts/i18n.py update    # merge new msgids into the fr and es .po files

Then translate the empty `msgstr ""` entries of each .po (and check `#, fuzzy` ones); the catalogs
are compiled in memory at run time, so no .mo file is written or committed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from nethealth.ui import i18n

LOCALE_DIR = Path(i18n.__file__).resolve().parent / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
WIDTH = 100


def _write(catalog: Catalog, path: Path) -> None:
    """Write a catalog atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            write_po(f, catalog, width=WIDTH, ignore_obsolete=True, include_previous=True)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def extract() -> Catalog:
    catalog = i18n.extract_catalog()
    _write(catalog, TEMPLATE)
    print(f"{TEMPLATE}: {len(catalog)} msgids")
    return catalog


def update(template: Catalog) -> None:
    for lang in i18n.LANGUAGES:
        if lang == i18n.DEFAULT:
            continue
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=lang, domain=i18n.DOMAIN)
        else:
            catalog = Catalog(locale=lang, domain=i18n.DOMAIN, project="nethealth")
        # No fuzzy guesses: a new msgid stays empty until someone translates it.
        catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, path)
        missing = [m.id for m in catalog if m.id and not i18n.is_translated(m)]
        print(f"{path}: {len(catalog)} msgids, {len(missing)} to translate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["extract", "update"])
    args = parser.parse_args(argv)
    template = extract()
    if args.command == "update":
        update(template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
