// Cross-check of libbn254 (through `bn254-tool batch`) against the EVM on a
// real anvil: the precompiles 0x06 ecAdd, 0x07 ecMul, 0x08 ecPairing on the
// same call data (valid, degenerate and invalid inputs), then a small contract
// (sol/BN254Check.sol, compiled here with solc-js) that restates EigenLayer's
// hashToG1 and BN254SignatureVerifier: signatures, aggregates and proofs of
// possession made by our library must verify on chain, tampered ones must not.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bn254 } from '@noble/curves/bn254.js';
import {
  P, R, batch, check, ethCall, finish, fromHex, g1Hex, g2Hex, hex32, keccak, randBig, randBytes, randScalar,
  rpc, startAnvil, waitReceipt,
} from './lib.mjs';

const G1 = bn254.G1.Point, G2 = bn254.G2.Point;
const randG1 = () => G1.BASE.multiply(randScalar());
const randG2 = () => G2.BASE.multiply(randScalar());
const here = path.dirname(fileURLToPath(import.meta.url));
const pad = (h, n) => h.padEnd(2 * n, '0').slice(0, 2 * n);

const { url, stop } = await startAnvil();

// ---- precompiles on identical call data ----
const PRE06 = '0x' + '0'.repeat(38) + '06', PRE07 = PRE06.slice(0, -1) + '7', PRE08 = PRE06.slice(0, -1) + '8';
const calls = [];   // [precompile address, op, data hex, description]
for (let i = 0; i < 12; i++) {
  const a = i === 0 ? G1.ZERO : randG1(), b = i === 1 ? a : i === 2 ? a.negate() : randG1();
  calls.push([PRE06, 'ecadd', g1Hex(a) + g1Hex(b), `ecAdd #${i}`]);
}
const a0 = randG1();
calls.push([PRE06, 'ecadd', g1Hex(a0).slice(0, 100), 'ecAdd short input (zero padded)']);
calls.push([PRE06, 'ecadd', g1Hex(a0) + g1Hex(a0) + 'ff'.repeat(7), 'ecAdd long input (truncated)']);
calls.push([PRE06, 'ecadd', '', 'ecAdd empty input']);
calls.push([PRE06, 'ecadd', hex32(1n) + hex32(3n) + g1Hex(a0), 'ecAdd off-curve point']);
calls.push([PRE06, 'ecadd', hex32(1n) + hex32(P + 2n) + g1Hex(a0), 'ecAdd y = 2 + p (non-canonical)']);
const scalars = [0n, 1n, R - 1n, R, R + 5n, (1n << 256n) - 1n];
for (let i = 0; i < 14; i++) {
  const k = i < scalars.length ? scalars[i] : randBig();
  calls.push([PRE07, 'ecmul', g1Hex(i === 13 ? G1.ZERO : randG1()) + hex32(k), `ecMul #${i}`]);
}
calls.push([PRE07, 'ecmul', g1Hex(randG1()) + '01', 'ecMul short scalar (padded)']);
calls.push([PRE07, 'ecmul', hex32(2n) + hex32(2n) + hex32(5n), 'ecMul off-curve point']);
for (let i = 0; i < 8; i++) {
  const a = randScalar(), p = randG1(), q = randG2();
  const pairs = [[p.multiply(a), q], [p.negate(), q.multiply(a)]];
  if (i % 2) pairs[1][0] = pairs[1][0].double();
  if (i === 2) pairs.push([G1.ZERO, randG2()]);
  if (i === 3) pairs.push([randG1(), G2.ZERO]);
  calls.push([PRE08, 'ecpairing', pairs.map(([x, y]) => g1Hex(x) + g2Hex(y)).join(''), `ecPairing #${i}`]);
}
calls.push([PRE08, 'ecpairing', '', 'ecPairing empty input (= 1)']);
calls.push([PRE08, 'ecpairing', g1Hex(randG1()) + g2Hex(randG2()), 'ecPairing single random pair (!= 1)']);
calls.push([PRE08, 'ecpairing', g1Hex(randG1()) + g2Hex(randG2()).slice(2), 'ecPairing length not 192k']);
{
  // A twist point outside G2: y^2 = x^3 + 3/(9+i) holds but the order is not r.
  const { Fp2 } = bn254.fields, b = Fp2.div({ c0: 3n, c1: 0n }, { c0: 9n, c1: 1n });
  let q;
  for (;;) {
    const x = { c0: randBig() % P, c1: randBig() % P };
    try { const y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)); q = hex32(x.c1) + hex32(x.c0) + hex32(y.c1) + hex32(y.c0); break; } catch { /* not a square */ }
  }
  calls.push([PRE08, 'ecpairing', g1Hex(randG1()) + q, 'ecPairing G2 point outside the subgroup']);
  const g = g2Hex(randG2());
  calls.push([PRE08, 'ecpairing', g1Hex(randG1()) + g.slice(0, 192) + hex32(fromHex(g.slice(192)) + P),
    'ecPairing non-canonical G2 coordinate']);
}
const ours = batch(calls.map(([, op, data]) => `${op} ${data}`.trim()));
for (let i = 0; i < calls.length; i++) {
  const [addr, , data, what] = calls[i];
  const evm = await ethCall(url, addr, data);
  const mine = ours[i].startsWith('ok') ? ours[i].slice(3) : null;
  check(evm === mine, `${what}: evm ${evm === null ? 'fails' : evm.slice(0, 40)}, ours ${ours[i].slice(0, 60)}`);
}

// ---- the contract ----
const require = createRequire(import.meta.url);
const solc = require('solc');
const source = fs.readFileSync(path.join(here, 'sol', 'BN254Check.sol'), 'utf8');
const compiled = JSON.parse(solc.compile(JSON.stringify({
  language: 'Solidity',
  sources: { 'BN254Check.sol': { content: source } },
  settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
})));
for (const e of compiled.errors || []) if (e.severity === 'error') throw new Error(e.formattedMessage);
const bytecode = compiled.contracts['BN254Check.sol'].BN254Check.evm.bytecode.object;
const [from] = await rpc(url, 'eth_accounts', []);
const txHash = await rpc(url, 'eth_sendTransaction', [{ from, data: '0x' + bytecode, gas: '0x2dc6c0' }]);
const receipt = await waitReceipt(url, txHash);
const contract = receipt.contractAddress;
check(receipt.status === '0x1' && contract, 'BN254Check deployed');

const selector = (sig) => keccak(Buffer.from(sig)).subarray(0, 4).toString('hex');
const call = async (sig, wordsHex) => ethCall(url, contract, selector(sig) + wordsHex);

// hashToG1: on-chain (modexp precompile) == ours
const digests = ['00'.repeat(32), '41bd9105ae76954ac27bec5b22f7df58be4efb5e887afdd7a5f4082c6bf77d26', 'ff'.repeat(32)];
for (let i = 0; i < 10; i++) digests.push(randBytes(32).toString('hex'));
const hashes = batch(digests.map((d) => `hash ${d}`));
for (let i = 0; i < digests.length; i++)
  check(`ok ${await call('hashToG1(bytes32)', digests[i])}` === hashes[i], `hashToG1 on chain == ours (${digests[i]})`);

// Signatures by 1..4 signers, aggregated; then tampered variants.
const VERIFY = 'verifySignature(bytes32,uint256[2],uint256[4],uint256[2])';
const TRUE_TRUE = hex32(1n) + hex32(1n), TRUE_FALSE = hex32(1n) + hex32(0n);
async function verifyBoth(d, sig, apk1, apk2, expect, what) {
  const chain = await call(VERIFY, d + apk1 + apk2 + sig);
  const [mine] = batch([`verify ${d} ${sig} ${apk1} ${apk2}`]);
  check(chain === (expect ? TRUE_TRUE : TRUE_FALSE), `${what}: on chain ${chain}`);
  check(mine === (expect ? 'ok 01' : 'ok 00'), `${what}: ours ${mine}`);
}
for (let n = 1; n <= 4; n++) {
  const d = randBytes(32).toString('hex');
  const sks = Array.from({ length: n }, () => hex32(randScalar()));
  const keys = batch(sks.map((sk) => `pubkey ${sk}`)).map((l) => l.slice(3));
  const sigs = batch(sks.map((sk) => `sign ${sk} ${d}`)).map((l) => l.slice(3));
  let sig = sigs[0], apk1 = keys[0].slice(0, 128), apk2 = keys[0].slice(128);
  for (let i = 1; i < n; i++) {
    [sig, apk1, apk2] = batch([`g1add ${sig} ${sigs[i]}`, `g1add ${apk1} ${keys[i].slice(0, 128)}`,
      `g2add ${apk2} ${keys[i].slice(128)}`]).map((l) => l.slice(3));
  }
  await verifyBoth(d, sig, apk1, apk2, true, `${n} signer(s)`);
  await verifyBoth(randBytes(32).toString('hex'), sig, apk1, apk2, false, `${n} signer(s), other digest`);
  if (n > 1) await verifyBoth(d, sigs[0], apk1, apk2, false, `${n} signers, one signature only`);
  const wrongApk1 = batch([`g1add ${apk1} ${g1Hex(G1.BASE)}`])[0].slice(3);
  await verifyBoth(d, sig, wrongApk1, apk2, false, `${n} signer(s), G1 key not matching G2 key`);
}

// Proof of possession: the EIP-712 digest on chain (block.chainid of anvil =
// 31337, the contract as registry) == ours, and the proof verifies there.
for (let i = 0; i < 3; i++) {
  const sk = hex32(randScalar()), op = randBytes(20).toString('hex'), avs = randBytes(20).toString('hex');
  const setId = BigInt(i * 1000 + 1);
  const [keys] = batch([`pubkey ${sk}`]).map((l) => l.slice(3));
  const pk1 = keys.slice(0, 128), pk2 = keys.slice(128);
  const chainDigest = await call('popDigest(address,address,uint32,uint256[2],uint256[4])',
    pad('', 12) + op + pad('', 12) + avs + hex32(setId) + pk1 + pk2);
  const [mine] = batch([`popdigest ${(31337).toString(16).padStart(16, '0')} ${contract.slice(2)} ${op} ${avs} ${setId.toString(16).padStart(8, '0')} ${pk1} ${pk2}`]);
  check(`ok ${chainDigest}` === mine, `PoP digest on chain == ours #${i}`);
  const [pop] = batch([`sign ${sk} ${chainDigest}`]).map((l) => l.slice(3));
  await verifyBoth(chainDigest, pop, pk1, pk2, true, `PoP #${i}`);
  const other = hex32(randScalar());
  const [otherKeys] = batch([`pubkey ${other}`]).map((l) => l.slice(3));
  await verifyBoth(chainDigest, pop, otherKeys.slice(0, 128), otherKeys.slice(128), false, `PoP #${i} for another key`);
}

stop();
finish('evm_check');
