// Transpile-only TypeScript for the offline tools (render, livecheck), as `PULUMI_NODEJS_TRANSPILE_ONLY`
// runs the program: sucrase strips the types. Output is cached on disk by content, so that a later run
// loads no transpiler at all (the render's time budget: see README, "Preview offline").
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { join } = require("node:path");

const CACHE = join(__dirname, "..", "node_modules", ".cache", "robotoff-ts");
const OPTIONS = { transforms: ["typescript", "imports"] };
let sucrase;

Module._extensions[".ts"] = function compileTypeScript(module, filename) {
  const source = readFileSync(filename, "utf8");
  const version = require("sucrase/package.json").version;
  const key = createHash("sha256")
    .update(`${version}\0${JSON.stringify(OPTIONS)}\0${filename}\0${source}`)
    .digest("hex");
  const cached = join(CACHE, `${key}.js`);
  let code;
  try {
    code = readFileSync(cached, "utf8");
  } catch {
    sucrase ??= require("sucrase");
    code = sucrase.transform(source, { ...OPTIONS, filePath: filename }).code;
    try {
      mkdirSync(CACHE, { recursive: true });
      writeFileSync(`${cached}.${process.pid}`, code);
      require("node:fs").renameSync(`${cached}.${process.pid}`, cached);
    } catch {
      // A read-only checkout still works, uncached.
    }
  }
  module._compile(code, filename);
};
