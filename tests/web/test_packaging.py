"""The wheel carries templates/ and static/: an install outside the checkout serves the form,
its CSS and its packaged font."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

# Slow (builds the wheel, installs it in a new virtual environment): `pytest -m "not slow"`
# leaves it out locally; CI runs it.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_installed_wheel_serves_the_form_and_its_css(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("ldn_screen-*.whl"))
    with zipfile.ZipFile(wheel) as archive:  # the catalogues, compiled at build time
        names = archive.namelist()
    assert "ldn_screen/translations/es_US/LC_MESSAGES/messages.mo" in names
    assert "ldn_screen/translations/es_US/LC_MESSAGES/messages.po" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies come from this environment; the package itself only from the wheel.
    (Path(target) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    font_bytes = (ROOT / "static/fonts/atkinson-hyperlegible-latin-400-normal.woff2").read_bytes()
    probe = textwrap.dedent(
        f"""
        import ldn_screen
        import ldn_screen.translations.catalogues
        from ldn_screen.app import create_app
        assert {str(ROOT)!r} not in ldn_screen.__file__, ldn_screen.__file__
        app = create_app({{"INSTANCE_PATH": {str(tmp_path / "instance")!r}}})
        assert app.template_folder.startswith({target!r}), app.template_folder
        client = app.test_client()
        page = client.get("/")
        assert page.status_code == 200 and b"Screen a patient" in page.data
        css = client.get("/static/css/app.css")
        assert css.status_code == 200 and b"error-summary" in css.data
        font = client.get("/static/fonts/atkinson-hyperlegible-latin-400-normal.woff2")
        assert font.status_code == 200 and font.mimetype == "font/woff2", font
        assert font.data == {font_bytes!r}, "the packaged font differs from static/fonts/"
        assert client.get("/static/fonts/OFL.txt").status_code == 200  # its licence ships too
        from ldn_screen.web import i18n
        assert i18n.catalogue_dir() == str(ldn_screen.translations.catalogues.HERE)  # no compile
        import datetime as dt
        start = dt.date.today().isoformat()
        query = f"schedule=standard&start={{start}}&formulation=capsule&language=es_US"
        sheet = client.get("/sheet/print?" + query, follow_redirects=True)
        assert sheet.status_code == 200 and "Su plan de naltrexona" in sheet.get_data(as_text=True)
        print("ok")
        """
    )
    out = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
