// Bundles src/app.jsx (React, RJSF, ajv) into one file for the static preview page: no CDN at runtime.
// Usage: node build.mjs <outdir>
import { build } from "esbuild";

const outdir = process.argv[2];
if (!outdir) throw new Error("usage: node build.mjs <outdir>");
await build({
  entryPoints: [new URL("./src/app.jsx", import.meta.url).pathname],
  bundle: true,
  outfile: `${outdir}/form.js`,
  format: "iife",
  jsx: "automatic",
  minify: true,
  legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
