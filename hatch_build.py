"""Wheel build hook: compile the sheet's catalogues (.po -> .mo) with Babel at build time.

The .mo files are build output, never committed; the wheel carries them beside their .po, so
an installed app reads them directly (ldn_screen/web/i18n.py compiles at first use only in a
checkout whose .mo is missing or older than its .po). A catalogue with a placeholder that does
not match its English fails the build.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "ldn_screen/translations"


class CatalogueBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root) / PACKAGE
        # Loaded by path: the build environment has Babel but not the app's dependencies.
        spec = importlib.util.spec_from_file_location("_catalogues", root / "catalogues.py")
        if spec is None or spec.loader is None:
            raise RuntimeError("cannot load the catalogue compiler")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self._out = Path(tempfile.mkdtemp(prefix="ldn-screen-mo-"))
        for mo in module.compile_all(self._out, root):
            build_data["force_include"][str(mo)] = f"{PACKAGE}/{mo.relative_to(self._out)}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        shutil.rmtree(self._out, ignore_errors=True)
