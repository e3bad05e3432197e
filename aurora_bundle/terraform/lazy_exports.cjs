// The AWS provider's JavaScript, loaded the way the generator uses it: only the submodules asked for.
//
// @cdktf/provider-aws 20.1.0's lib/index.js requires all 2,135 of its submodules when the jsii kernel
// loads the package: about 5 of the 8 CPU-seconds a fresh generator spends (measured 2026-12-08). The
// generator uses about thirty. Preloaded into the jsii runtime's Node (aurora_bundle/terraform/bindings.py),
// this turns each `exports.<name> = require("./<path>");` line of that one file into a getter that requires
// the submodule the first time the kernel looks the name up; every name is still exported, enumerable,
// with the same value. Any other file, or a line of another shape, is compiled as it is.
"use strict";
const Module = require("module");

const PACKAGE = "@cdktf/provider-aws"; // AWS_ASSEMBLY in bindings.py
const INDEX = new RegExp(`[\\\\/]${PACKAGE.replace("/", "[\\\\/]")}[\\\\/](?:.+[\\\\/])?lib[\\\\/]index\\.js$`);
const EAGER = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w./-]+)"\);$/gm;

function lazy(source) {
  return source.replace(EAGER, (_, name, path) =>
    `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, configurable: true, ` +
    `get() { const value = require(${JSON.stringify(path)}); ` +
    `Object.defineProperty(exports, ${JSON.stringify(name)}, { value, enumerable: true, writable: true, configurable: true }); ` +
    `return value; } });`);
}

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  return compile.call(this, INDEX.test(filename) ? lazy(content) : content, filename);
};

module.exports = { lazy, INDEX };
