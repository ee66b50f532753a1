/**
 * The import rules of the project, checked by `npm test` (test/dependency-rules.test.ts) and by `npm run deps:check`:
 * config -> models -> services (the program) and tools (the operator commands), one direction only; no circle;
 * each command folder of tools/ imports only itself, tools/shared and tools/targets; a target's folder
 * (services/<target>, tools/targets/<target>) imports no other target's.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "No module imports itself through others.", from: {}, to: { circular: true } },
    {
      name: "command-imports-command",
      severity: "error",
      comment: "A command folder of tools/ uses its own parts, tools/shared and tools/targets, never another command's.",
      from: { path: "^tools/([^/]+)/", pathNot: "^tools/(shared|targets)/" },
      to: { path: "^tools/", pathNot: ["^tools/$1/", "^tools/(shared|targets)/"] },
    },
    {
      name: "shared-imports-tools",
      severity: "error",
      comment: "tools/shared is what every command uses: it imports no command and no target.",
      from: { path: "^tools/shared/" },
      to: { path: "^tools/", pathNot: "^tools/shared/" },
    },
    {
      name: "target-imports-command",
      severity: "error",
      comment: "tools/targets serves the commands: it imports tools/shared only.",
      from: { path: "^tools/targets/" },
      to: { path: "^tools/", pathNot: "^tools/(shared|targets)/" },
    },
    {
      name: "target-imports-target",
      severity: "error",
      comment: "A target is a folder of its own: adding one touches no other.",
      from: { path: "^(services|tools/targets)/([^/]+)/" },
      to: { path: "^$1/[^/]+/", pathNot: "^$1/$2/" },
    },
    {
      name: "models-import-layers",
      severity: "error",
      comment: "models/ is pure: config -> typed specs, no Pulumi program, no tools.",
      from: { path: "^models/" },
      to: { path: "^(services|tools|index\\.ts|test)" },
    },
    {
      name: "program-imports-tools",
      severity: "error",
      comment: "The program (index.ts, services/) never depends on the operator commands.",
      from: { path: "^(services/|index\\.ts)" },
      to: { path: "^(tools|test)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^node_modules/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
