"""Show the pack identical under development and production settings, read back with pdftotext.

Builds the seed's Q2 2021/22 pack (one render child, tagged) and a 200-risk register's
(the sectioned build) twice each with `manage.py build_pack`: once with DEBUG on (static
files from the source folders) and once with DEBUG off, as the README deploys
(CompressedManifestStaticFilesStorage over `collectstatic` into a temporary STATIC_ROOT).
For each PDF it reports the page count, the page size, and whether every page carries
"Page N of M" and the protective marking; then whether the two texts are identical.

    DEBUG=1 .venv/bin/python bench/production.py
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

PACKS = [("corporate", "Q2 2021/22"), ("bench-200", "Q2 2021/22")]


def run(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def pages_of(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def page_size(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    width, height = float(found[1]), float(found[2])
    return f"{width:.0f}x{height:.0f} pt ({'landscape' if width > height else 'portrait'})"


def report(pdf: Path) -> dict:
    pages = pages_of(pdf)
    total = len(pages)
    return {
        "pages": total,
        "size": page_size(pdf),
        "numbered": sum(f"Page {n} of {total}" in text for n, text in enumerate(pages, 1)),
        "marked": sum("OFFICIAL" in text for text in pages),
        "text": [" ".join(text.split()) for text in pages],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(work / "media"),
            "DJANGO_SETTINGS_MODULE": "riskreg.settings",
        }
        development = {**base, "DEBUG": "1"}
        production = {
            **base,
            "DEBUG": "0",
            "SECRET_KEY": "bench-production-settings-only-not-a-real-key-0123456789",
            "STATIC_ROOT": str(work / "static"),
        }
        # The database: the seed and a 200-risk register (bench/pack.py's, made the same way).
        subprocess.run(
            [sys.executable, "-c", "import pack; pack.setup_django(__import__('pathlib')."
             f"Path({str(work)!r})); pack.build_database([200])"],
            cwd=Path(__file__).resolve().parent, env=development, check=True,
        )  # fmt: skip
        run(production, "collectstatic", "--noinput", "--verbosity", "0")
        print("| pack | settings | pages | page size | 'Page N of M' | marking | text |")
        print("|---|---|---:|---|---:|---:|---|")
        for slug, label in PACKS:
            found = {}
            for name, env in (("development", development), ("production", production)):
                pdf = work / f"{slug}-{name}.pdf"
                run(env, "build_pack", "--register", slug, "--period", label, "--output", str(pdf))
                found[name] = report(pdf)
            same = found["development"]["text"] == found["production"]["text"]
            for name, result in found.items():
                print(
                    f"| {slug} {label} | {name} | {result['pages']} | {result['size']} | "
                    f"{result['numbered']}/{result['pages']} | {result['marked']}/{result['pages']}"
                    f" | {'identical' if same else 'DIFFERENT'} |"
                )


if __name__ == "__main__":
    main()
