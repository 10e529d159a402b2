#!/usr/bin/env node
// End-to-end test of the deploy step on a real anvil (ctest contracts_deploy_anvil):
// start anvil on a free port, deploy with scripts/deploy.mjs and 3 noble-generated
// operators, check the chain against the addresses file, then run one FaaS call the
// way the off-chain parts will: registerFunction, callFunction, a certificate
// computed here with @noble/curves (2 of 3 operators sign, one non-signer witness),
// submitResult from another account, TaskVerified with the exact result. Prints the
// receipts' gasUsed next to the forge figures (test/GasGoals.t.sol).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  hex, bytesToHex, hexToBytes, keccak, concat, word, utf8, g1Of, g2Of, g1Hex, g2Hex, g2Sum, sign,
  operatorInfoLeaf, merkle, hashToG1,
} from '../scripts/bn254-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const contracts = path.resolve(here, '..');
const KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const KEY1 = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'; // aggregator
const TYPEHASH = keccak(utf8('BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)'));
const GOAL_REGISTER_324 = 80000;
const GOAL_CALL = 120000;

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.log(`FAIL: ${what}`); }
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

function sh(cmd, args, { allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { cwd: contracts, encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.filter((a) => !a.startsWith("0x") && !a.startsWith("http")).join(" ")}: ${(r.stderr || r.stdout).trim()}`);
  return r;
}

async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const first = (s) => s.trim().split(/\s+/)[0];
const send = (url, key, to, sig, ...args) =>
  JSON.parse(sh('cast', ['send', '--json', '--rpc-url', url, '--private-key', key, to, sig, ...args]).stdout);
const call = (url, to, sig, ...args) => sh('cast', ['call', '--rpc-url', url, to, sig, ...args]).stdout.trim();
const topic0 = (sig) => bytesToHex(keccak(utf8(sig)));
const bytesOf = (n, seed) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 32) out.set(keccak(utf8(`${seed}:${i}`)).slice(0, Math.min(32, n - i)), i);
  return out;
};

async function main() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faas-deploy-'));
  const anvil = spawn('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore', detached: true });
  try {
    for (let i = 0; ; i++) {
      try { await rpc(url, 'eth_chainId'); break; } catch (e) {
        if (i > 100) throw new Error('anvil did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    // ---------------------------------------------------------------- deploy
    const opsFile = path.join(tmp, 'operators.json');
    fs.writeFileSync(opsFile, sh('node', ['scripts/bn254-tool.mjs', 'keys', '3']).stdout);
    const ops = JSON.parse(fs.readFileSync(opsFile, 'utf8')).operators;
    ops[1].weight = 200;
    ops[2].weight = 300;
    // With our C tool built, operator 2's BN254 key comes from it (pk_g2 as one hex string).
    const tool = path.join(process.env.FAAS_BIN_DIR ?? path.join(contracts, '..', 'bin'), 'bn254-tool');
    const cKey = fs.existsSync(tool);
    if (cKey) {
      const k = JSON.parse(sh(tool, ['keygen', '--seed', 'c0ffee', '--json']).stdout);
      ops[2].bn254PrivateKey = k.sk;
      ops[2].g2 = k.pk_g2;
      check(k.pk_g1 === '0x' + g1Hex(g1Of(BigInt(k.sk))).map((w) => w.slice(2)).join(''), 'C tool G1 key = noble');
    }
    fs.writeFileSync(opsFile, JSON.stringify({ operators: ops }));
    const outFile = path.join(tmp, 'deployment.json');
    sh('node', ['scripts/deploy.mjs', '--rpc-url', url, '--operators', opsFile, '--threshold-bps', '6000',
      '--task-sla', '60', '--out', outFile]);
    const d = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    check(d.chainId === 31337 && d.taskSLA === 60 && d.thresholdBps === 6000, 'deployment parameters');
    check(d.avs === d.faas && d.operators.length === 3, 'avs = FaaS, 3 operators');
    check(d.operators[1].address === ops[1].address, 'operator address (checksummed)');
    const set = `(${d.faas},0)`;
    check(Number(first(call(url, d.bn254CertificateVerifier, 'latestReferenceTimestamp((address,uint32))(uint32)', set)))
      === d.referenceTimestamp, 'verifier has the published table');
    check(first(call(url, d.bn254CertificateVerifier, 'getOperatorCount((address,uint32),uint32)(uint256)', set,
      String(d.referenceTimestamp))) === '3', 'table has 3 operators');
    check(call(url, d.bn254CertificateVerifier, 'getOperatorSetOwner((address,uint32))(address)', set) === d.deployer,
      'set owner = deployer');
    const key = '0x' + d.faas.slice(2).toLowerCase() + '0'.repeat(24);
    check(call(url, d.taskMailbox, 'isExecutorOperatorSetRegistered(bytes32)(bool)', key) === 'true',
      'executor set registered in the mailbox');
    // the table root equals the one computed here with noble
    const sks = ops.map((o) => BigInt(o.bn254PrivateKey));
    const g1s = sks.map(g1Of);
    const leaves = g1s.map((pk, i) => operatorInfoLeaf(pk, [BigInt(ops[i].weight)]));
    const tree = merkle(leaves);
    const info = call(url, d.bn254CertificateVerifier,
      'getOperatorSetInfo((address,uint32),uint32)((bytes32,uint256,(uint256,uint256),uint256[]))', set,
      String(d.referenceTimestamp));
    check(info.startsWith('(' + bytesToHex(tree.root)), `table root matches noble (${info.slice(0, 80)})`);

    // ---------------------------------------------------------------- one call, end to end
    const tarball = bytesOf(324, 'tarball');
    const reg = send(url, KEY0, d.faas, 'registerFunction(bytes)', bytesToHex(tarball));
    const fnId = bytesToHex(keccak(tarball));
    check(reg.logs.some((l) => l.topics[0] === topic0('FunctionRegistered(bytes32,address,bytes)') && l.topics[1] === fnId),
      'FunctionRegistered with id = keccak256(tarball)');
    const input = '0x' + Buffer.from('fifteen bytes!!').toString('hex');
    const gas = { register: Number(BigInt(reg.gasUsed)) };

    const bad = sh('cast', ['send', '--rpc-url', url, '--private-key', KEY0, d.faas, 'callFunction(bytes32,bytes)',
      bytesToHex(keccak(utf8('unknown'))), input], { allowFail: true });
    const notFound = topic0('FunctionNotFound(bytes32)').slice(0, 10);
    check(bad.status !== 0 && (bad.stderr + bad.stdout).includes(notFound.slice(2)),
      `unknown function reverts with FunctionNotFound (${notFound})`);

    const result = utf8(JSON.stringify({ payload: { greeting: 'Hello, Alice! '.repeat(5).trim().slice(0, 60) }, error: null }));
    if (result.length !== 100) throw new Error(`result is ${result.length} bytes, not 100`);
    async function runTask(label) {
      const c = send(url, KEY0, d.faas, 'callFunction(bytes32,bytes)', fnId, input);
      const called = c.logs.find((l) => l.topics[0] === topic0('FunctionCalled(bytes32,bytes32,address)'));
      const created = c.logs.find((l) => l.topics[0] === topic0(
        'TaskCreated(address,bytes32,address,uint32,uint32,address,uint96,uint256,bytes)'));
      const taskHash = called.topics[2];
      check(created && created.topics[2] === taskHash, `${label}: TaskCreated for the FunctionCalled task`);
      const refTs = Number(BigInt('0x' + created.data.slice(2 + 64, 2 + 128)));
      check(refTs === d.referenceTimestamp, `${label}: task bound to the published table`);
      await rpc(url, 'evm_increaseTime', [2]);
      await rpc(url, 'evm_mine');

      // certificate: operators 0 and 2 sign (400 of 600 >= 60%), operator 1 is a non-signer
      const messageHash = keccak(concat(hexToBytes(taskHash), word(0x40n), word(BigInt(result.length)),
        result, new Uint8Array((32 - (result.length % 32)) % 32)));
      check(call(url, d.taskMailbox, 'getMessageHash(bytes32,bytes)(bytes32)', taskHash, bytesToHex(result))
        === bytesToHex(messageHash), `${label}: messageHash = keccak256(abi.encode(taskHash, result))`);
      const digest = BigInt(bytesToHex(keccak(concat(TYPEHASH, word(BigInt(refTs)), messageHash))));
      const s0 = sign(sks[0], digest);
      const s2 = sign(sks[2], digest);
      const sig = g1Hex(s0.x === s2.x ? s0 : sumG1(s0, s2));
      const apk = g2Hex(g2Sum([g2Of(sks[0]), g2Of(sks[2])]).toAffine());
      const pk1 = g1Hex(g1s[1]);
      const certArg = `(${refTs},${bytesToHex(messageHash)},(${sig[0]},${sig[1]}),([${apk[0]},${apk[1]}],[${apk[2]},${apk[3]}]),` +
        `[(1,${tree.proofs[1]},((${pk1[0]},${pk1[1]}),[${ops[1].weight}]))])`;
      const cert = sh('cast', ['abi-encode',
        'f((uint32,bytes32,(uint256,uint256),(uint256[2],uint256[2]),(uint32,bytes,((uint256,uint256),uint256[]))[]))',
        certArg]).stdout.trim();
      const sub = send(url, KEY1, d.taskMailbox, 'submitResult(bytes32,bytes,bytes)', taskHash, cert, bytesToHex(result));
      const verified = sub.logs.find((l) => l.topics[0] === topic0('TaskVerified(address,bytes32,address,uint32,bytes,bytes)'));
      check(verified && verified.topics[2] === taskHash, `${label}: TaskVerified`);
      check(verified && verified.data.endsWith(Buffer.from(result).toString('hex') + '00'.repeat(28)),
        `${label}: TaskVerified carries the exact result`);
      check(call(url, d.taskMailbox, 'getTaskResult(bytes32)(bytes)', taskHash) === bytesToHex(result),
        `${label}: getTaskResult`);
      return { call: Number(BigInt(c.gasUsed)), submit: Number(BigInt(sub.gasUsed)), tries: hashToG1(digest).increments + 1 };
    }
    const a = await runTask('task 1');
    const b = await runTask('task 2');
    check(gas.register <= GOAL_REGISTER_324, `registerFunction(324 B) ${gas.register} <= ${GOAL_REGISTER_324}`);
    check(b.call <= GOAL_CALL, `callFunction(15 B) ${b.call} <= ${GOAL_CALL}`);
    console.log(`anvil gasUsed: registerFunction(324 B) ${gas.register}; callFunction(15 B) ${a.call} (first call) ` +
      `${b.call}; submitResult(2 of 3 sign, 100 B) ${a.submit} (non-signer cached on first use), ${b.submit} (cached); ` +
      `hash-to-curve tries ${a.tries}, ${b.tries} (4016 gas each)` + (cKey ? '; operator 2 keyed by bin/bn254-tool' : ''));
  } finally {
    try { process.kill(-anvil.pid, 'SIGTERM'); } catch {}
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// G1 addition through noble (for the aggregate signature).
import { bn254 } from '@noble/curves/bn254.js';
function sumG1(a, b) {
  return bn254.G1.Point.fromAffine(a).add(bn254.G1.Point.fromAffine(b)).toAffine();
}

main().then(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}, (e) => {
  console.log(`FAIL: ${e.message.split('\n')[0]}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
