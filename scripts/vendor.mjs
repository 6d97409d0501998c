// Copy the browser libraries the pages load from node_modules/ into static/vendor/.
//
// Run after `npm ci`: `node scripts/vendor.mjs`. static/vendor/ is git-ignored and rebuilt from
// scratch each time, so a version bump in package.json never leaves stale chunks behind.
// Mermaid: only its ESM build (the small entry plus the chunk folder it imports by relative
// name, fetched on demand per diagram kind); source maps and the other builds stay behind.

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

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

function sizeOf(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    const stat = statSync(join(dir, entry));
    if (stat.isFile()) {
      files += 1;
      bytes += stat.size;
    }
  }
  return { files, bytes };
}

for (const { name, version, dest } of [copyMermaid()]) {
  const { files, bytes } = sizeOf(dest);
  const megabytes = (bytes / 1024 / 1024).toFixed(2);
  console.log(`${name} ${version} -> ${relative(root, dest)}/ (${files} files, ${megabytes} MiB)`);
}
