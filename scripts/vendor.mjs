// Copy the browser libraries the pages load from node_modules/ into static/vendor/.
//
// Run after `npm ci`: `node scripts/vendor.mjs`. static/vendor/ is git-ignored and rebuilt from
// scratch each time, so a version bump in package.json never leaves stale chunks behind.
// Mermaid: only its ESM build (the small entry plus the chunk folder it imports by relative
// name, fetched on demand per diagram kind); source maps and the other builds stay behind.
// CodeMirror: its packages are many small ES modules importing each other by bare name, which
// a browser cannot resolve, so esbuild bundles what scripts/codemirror-entry.mjs names into one
// minified ES module, with the licences of every package that went in.

import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");

function packageDir(name) {
  const dir = join(modules, name);
  if (!existsSync(join(dir, "package.json"))) {
    throw new Error(`${name} is not installed in node_modules/: run \`npm ci\` first.`);
  }
  return dir;
}

function copyMermaid() {
  const src = packageDir("mermaid");
  const dest = join(vendor, "mermaid");
  const { version } = JSON.parse(readFileSync(join(src, "package.json"), "utf8"));
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(join(src, "dist", "mermaid.esm.min.mjs"), join(dest, "mermaid.esm.min.mjs"));
  cpSync(join(src, "dist", "chunks", "mermaid.esm.min"), join(dest, "chunks", "mermaid.esm.min"), {
    recursive: true,
    filter: (path) => !path.endsWith(".map"),
  });
  cpSync(join(src, "LICENSE"), join(dest, "LICENSE"));
  return { name: "mermaid", version, dest };
}

// The name of the npm package a bundled file came from, e.g. "@codemirror/view".
function packageOf(file) {
  const parts = file.split("node_modules/").at(-1).split("/");
  return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function licenceText(name) {
  const dir = packageDir(name);
  const file = readdirSync(dir).find((entry) => /^licen[cs]e/i.test(entry));
  if (!file) throw new Error(`${name} ships no LICENSE file: check its terms before bundling it.`);
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return `${name} ${version}\n\n${readFileSync(join(dir, file), "utf8").trim()}\n`;
}

async function bundleCodeMirror() {
  packageDir("esbuild");
  const { build } = await import("esbuild");
  const dest = join(vendor, "codemirror");
  rmSync(dest, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(root, "scripts", "codemirror-entry.mjs")],
    outfile: join(dest, "codemirror.js"),
    bundle: true,
    format: "esm",
    minify: true,
    target: "es2020",
    legalComments: "none", // the licences go in LICENSES.txt beside the bundle
    metafile: true,
    logLevel: "warning",
  });
  const packages = [...new Set(Object.keys(result.metafile.inputs)
    .filter((file) => file.includes("node_modules/"))
    .map(packageOf))].sort();
  writeFileSync(join(dest, "LICENSES.txt"), packages.map(licenceText).join("\n\n"));
  return { name: "codemirror", version: `6 (${packages.length} packages)`, dest };
}

function sizeOf(dir) {
  let files = 0;
  let bytes = 0;
  let gzipped = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    const stat = statSync(join(dir, entry));
    if (stat.isFile()) {
      files += 1;
      bytes += stat.size;
      if (/\.m?js$/.test(entry)) gzipped += gzipSync(readFileSync(join(dir, entry))).length;
    }
  }
  return { files, bytes, gzipped };
}

const kibibytes = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;

for (const { name, version, dest } of [copyMermaid(), await bundleCodeMirror()]) {
  const { files, bytes, gzipped } = sizeOf(dest);
  console.log(`${name} ${version} -> ${relative(root, dest)}/ (${files} files, ` +
              `${kibibytes(bytes)}, scripts ${kibibytes(gzipped)} gzipped)`);
}
