#!/usr/bin/env node
// The devnet deploy step: deploys TaskMailbox, BN254CertificateVerifier, FaaS and
// OperatorRegistry on a running chain (anvil), registers the operators of the
// operators file with their BN254 keys, sets their weights, publishes the operator
// table, configures the executor operator set, and writes the addresses as JSON.
//
//   DEPLOYER_KEY=0x... node contracts/scripts/deploy.mjs \
//       --rpc-url http://127.0.0.1:7545 --operators operators.json \
//       --threshold-bps 6667 --task-sla 60 --out deployment.json \
//       [--max-staleness 0] [--operator-set-id 0] [--max-task-sla 604800]
//
// DEPLOYER_KEY: the deployer's private key (it owns every contract). When unset
// and the chain id is 31337 (anvil), anvil's first dev account is used.
// operators.json: as printed by `node contracts/scripts/bn254-tool.mjs keys N`:
//   {"operators":[{"ecdsaPrivateKey","bn254PrivateKey","g2":[X.c1,X.c0,Y.c1,Y.c0],
//                  "socket","weight", ...}]}
//   g2 may also be one 0x-hex string of 128 bytes, as `bin/bn254-tool pubkey` prints pk_g2.
//   Each operator sends its own registerOperator from ecdsaPrivateKey (funded with 1 ETH by
//   the deployer when it has less); its proof of possession is computed from bn254PrivateKey.
// Output (--out), all addresses checksummed:
//   {"chainId","rpcUrl","deployer","deployBlock" (first block to scan logs from),
//    "taskMailbox","bn254CertificateVerifier",
//    "operatorRegistry","faas","avs","executorOperatorSetId","taskSLA","thresholdBps",
//    "maxStalenessPeriod","referenceTimestamp",
//    "operators":[{"address","socket","weight"}]}
// Exit status 0 on success; otherwise a one-line error on stderr and status 1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressOf, checksumAddress } from './bn254-lib.mjs';

const ANVIL_KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function fail(msg) {
  process.stderr.write(`deploy: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const spec = {
    '--rpc-url': 'rpcUrl', '--operators': 'operators', '--threshold-bps': 'thresholdBps',
    '--task-sla': 'taskSla', '--out': 'out', '--max-staleness': 'maxStaleness',
    '--operator-set-id': 'operatorSetId', '--max-task-sla': 'maxTaskSla',
  };
  const o = { maxStaleness: '0', operatorSetId: '0', maxTaskSla: '604800' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = spec[argv[i]];
    if (!k) fail(`unknown argument ${argv[i]} (see the header of ${path.basename(fileURLToPath(import.meta.url))})`);
    if (argv[i + 1] === undefined) fail(`${argv[i]} needs a value`);
    o[k] = argv[i + 1];
  }
  for (const k of ['rpcUrl', 'operators', 'thresholdBps', 'taskSla', 'out']) {
    if (o[k] === undefined) fail(`missing --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
  }
  for (const k of ['thresholdBps', 'taskSla', 'maxStaleness', 'operatorSetId', 'maxTaskSla']) {
    if (!/^\d+$/.test(o[k])) fail(`${k} must be a non-negative integer, got "${o[k]}"`);
  }
  if (Number(o.thresholdBps) > 10000) fail('--threshold-bps must be at most 10000');
  if (Number(o.taskSla) < 1 || Number(o.taskSla) > Number(o.maxTaskSla)) fail('--task-sla must be in 1..max-task-sla');
  return o;
}

async function rpc(url, method, params) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  } catch (e) {
    fail(`cannot reach ${url}: ${e.cause?.code ?? e.message}`);
  }
  const body = await res.json();
  if (body.error) fail(`${method}: ${body.error.message}`);
  return body.result;
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: contractsDir, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const lines = (r.stderr + '\n' + r.stdout).split('\n').filter((l) => /rror|revert/i.test(l));
    fail(`${cmd} ${args[0]} failed: ${lines.slice(0, 3).join(' | ') || 'exit status ' + r.status}`);
  }
  return r.stdout;
}

const opts = parseArgs(process.argv.slice(2));
let operators;
try {
  operators = JSON.parse(fs.readFileSync(opts.operators, 'utf8')).operators;
} catch (e) {
  fail(`cannot read operators file ${opts.operators}: ${e.message}`);
}
if (!Array.isArray(operators) || operators.length === 0) fail('operators file has no "operators" array');
operators.forEach((op, i) => {
  for (const k of ['ecdsaPrivateKey', 'bn254PrivateKey', 'g2', 'socket', 'weight']) {
    if (op[k] === undefined) fail(`operator ${i} lacks "${k}"`);
  }
  // g2 as 4 words, or as one 128-byte hex string (bin/bn254-tool's pk_g2)
  if (typeof op.g2 === 'string') {
    if (!/^0x[0-9a-fA-F]{256}$/.test(op.g2)) fail(`operator ${i}: g2 string must be 0x + 128 bytes`);
    op.g2 = [0, 1, 2, 3].map((w) => '0x' + op.g2.slice(2 + 64 * w, 2 + 64 * (w + 1)));
  }
  if (!Array.isArray(op.g2) || op.g2.length !== 4) fail(`operator ${i}: g2 must be [X.c1, X.c0, Y.c1, Y.c0]`);
});

const chainId = Number(BigInt(await rpc(opts.rpcUrl, 'eth_chainId', [])));
let deployerKey = process.env.DEPLOYER_KEY;
if (!deployerKey) {
  if (chainId !== 31337) fail('DEPLOYER_KEY is not set (only anvil, chain id 31337, has a default)');
  deployerKey = ANVIL_KEY0;
}

// forge may only read and write inside contracts/deployments (foundry.toml fs_permissions).
fs.mkdirSync(path.join(contractsDir, 'deployments'), { recursive: true });
const work = fs.mkdtempSync(path.join(contractsDir, 'deployments', 'run-'));
try {
  const opsFile = path.join(work, 'operators.json');
  const addrFile = path.join(work, 'addresses.json');
  fs.writeFileSync(opsFile, JSON.stringify({ operators }));
  const blockBefore = Number(BigInt(await rpc(opts.rpcUrl, 'eth_blockNumber', [])));
  run('forge', ['script', 'script/Deploy.s.sol:Deploy', '--rpc-url', opts.rpcUrl, '--broadcast', '--slow'], {
    DEPLOYER_KEY: deployerKey, OPERATORS_FILE: opsFile, ADDRESSES_FILE: addrFile,
    THRESHOLD_BPS: opts.thresholdBps, TASK_SLA: opts.taskSla, MAX_STALENESS: opts.maxStaleness,
    OPERATOR_SET_ID: opts.operatorSetId, MAX_TASK_SLA: opts.maxTaskSla,
  });
  const a = JSON.parse(fs.readFileSync(addrFile, 'utf8'));

  // Facts only the chain knows: where to scan logs from, and the table's timestamp (forge's
  // simulation ran at another time). A reverted transaction fails forge already.
  const deployBlock = blockBefore + 1;
  // cast prints e.g. "1764000000 [1.764e9]": the first token is the number
  const refTs = run('cast', ['call', a.operatorRegistry, 'latestReferenceTimestamp()(uint32)', '--rpc-url', opts.rpcUrl])
    .trim().split(/\s+/)[0];

  const out = {
    chainId, rpcUrl: opts.rpcUrl, deployer: a.deployer, deployBlock,
    taskMailbox: a.taskMailbox, bn254CertificateVerifier: a.bn254CertificateVerifier,
    operatorRegistry: a.operatorRegistry, faas: a.faas, avs: a.avs,
    executorOperatorSetId: a.executorOperatorSetId, taskSLA: a.taskSLA, thresholdBps: a.thresholdBps,
    maxStalenessPeriod: a.maxStalenessPeriod, referenceTimestamp: Number(refTs),
    operators: operators.map((op) => ({
      address: checksumAddress(addressOf(BigInt(op.ecdsaPrivateKey))), socket: op.socket, weight: op.weight,
    })),
  };
  fs.writeFileSync(opts.out, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`deployed on chain ${chainId} (block ${deployBlock}): TaskMailbox ${out.taskMailbox}, ` +
    `FaaS ${out.faas}, ${operators.length} operators, table ${out.referenceTimestamp}; addresses in ${opts.out}\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
