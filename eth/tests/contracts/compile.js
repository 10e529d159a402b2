#!/usr/bin/env node
// Compiles a test contract with the pinned solc-js and prints its creation
// bytecode as 0x-hex on one line: `node compile.js Events.sol Events`.
// The C tests run it at test time (no build step, no solc binary needed).
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require(path.join(__dirname, '..', '..', '..', 'node_modules', 'solc'));

const [file, name] = process.argv.slice(2);
if (!file || !name) {
  process.stderr.write('usage: compile.js <file.sol> <ContractName>\n');
  process.exit(2);
}
const src = path.isAbsolute(file) ? file : path.join(__dirname, file);
const input = {
  language: 'Solidity',
  sources: { [path.basename(src)]: { content: fs.readFileSync(src, 'utf8') } },
  settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  for (const e of errors) process.stderr.write(e.formattedMessage + '\n');
  process.exit(1);
}
const c = out.contracts[path.basename(src)][name];
if (!c) {
  process.stderr.write('compile.js: no contract ' + name + ' in ' + file + '\n');
  process.exit(1);
}
process.stdout.write('0x' + c.evm.bytecode.object + '\n');
