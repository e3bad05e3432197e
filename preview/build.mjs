// Bundles src/app.jsx (React, RJSF, ajv) once per RJSF major the page can render, nothing fetched at runtime:
//   form6.js: @rjsf/core, @rjsf/utils, @rjsf/validator-ajv8 6 with React 19 (package.json's plain names);
//   form5.js: the same source with every import of those packages mapped onto the rjsf5-* aliases (5.24) and
//             React 18 (react18, react-dom18), the React RJSF 5 was built and tested with (its devDependencies).
// esbuild's `alias` rewrites every import in the bundle, the packages' own imports included (so rjsf5-core's
// `import ... from "@rjsf/utils"` gets rjsf5-utils, and its `react` React 18): https://esbuild.github.io/api/#alias
// Usage: node build.mjs <outdir>
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const outdir = process.argv[2] && resolve(process.argv[2]);
if (!outdir) throw new Error("usage: node build.mjs <outdir>");
const here = new URL(".", import.meta.url).pathname;
const versionOf = (name) => JSON.parse(readFileSync(`${here}node_modules/${name}/package.json`, "utf8")).version;

const RENDERERS = {
  6: { core: "@rjsf/core", alias: {} },
  5: {
    core: "rjsf5-core",
    alias: {
      "@rjsf/core": "rjsf5-core",
      "@rjsf/utils": "rjsf5-utils",
      "@rjsf/validator-ajv8": "rjsf5-validator-ajv8",
      react: "react18",
      "react-dom": "react-dom18",
    },
  },
};

await Promise.all(Object.entries(RENDERERS).map(([major, { core, alias }]) => build({
  entryPoints: [`${here}src/app.jsx`],
  absWorkingDir: here,
  bundle: true,
  outfile: `${outdir}/form${major}.js`,
  format: "iife",
  jsx: "automatic",
  minify: true,
  legalComments: "none",
  alias,
  define: {
    "process.env.NODE_ENV": '"production"',
    RJSF_MAJOR: JSON.stringify(major),
    RJSF_VERSION: JSON.stringify(versionOf(core)),
    REACT_VERSION: JSON.stringify(versionOf(alias.react ?? "react")),
  },
  logLevel: "warning",
})));
