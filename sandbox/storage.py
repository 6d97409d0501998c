"""The static files storage with DEBUG off: WhiteNoise's compressed manifest storage, with the
ES module graph rewritten at collectstatic so each module is fetched once.

Pages preload and load modules by their hashed names (`{% static %}`), and a module's own
`import … from "./dom.js"` names a file relative to it. Left alone, the browser resolves that to
the plain name: a second URL for the same file, fetched a second time (and never cached for
long, since only hashed names are immutable). Django's manifest storage can rewrite those
specifiers to the hashed names as it collects (`support_js_module_import_aggregation`), and
hashes each importer after the files it imports, so a change to dom.js gives every module that
imports it a new name too. No inline import map is needed, so the page's script CSP stays as
strict as it is. Only `*.js` is rewritten: Mermaid's `.mjs` chunks keep their names (see
WHITENOISE_MANIFEST_STRICT in sandbox/settings.py), and `import(src)` of a computed URL is left
to the page, which passes hashed URLs.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleGraphStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    support_js_module_import_aggregation = True
