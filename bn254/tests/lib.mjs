// Shared helpers of the bn254 cross-check scripts (noble_check.mjs,
// evm_check.mjs): our C library is driven through `bn254-tool batch`, the
// references are @noble/curves and anvil's EVM.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';

export const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
export const R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

// ---- checks: print a line per failure, count, exit non-zero at the end ----
let failures = 0, checks = 0;
export function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.log(`  FAIL ${what}`);
  }
}
export function finish(name) {
  console.log(`${name}: ${checks - failures} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

// ---- deterministic randomness: sha256(seed || counter) ----
const seed = process.env.TEST_SEED || String(Date.now());
console.log(`TEST_SEED=${seed}`);
let counter = 0;
export function randBytes(n) {
  const out = Buffer.alloc(n);
  for (let off = 0; off < n; off += 32) {
    const h = createHash('sha256').update(`${seed}/${counter++}`).digest();
    h.copy(out, off, 0, Math.min(32, n - off));
  }
  return out;
}
export const randBig = (bytes = 32) => BigInt('0x' + randBytes(bytes).toString('hex'));
export const randScalar = () => 1n + (randBig(40) % (R - 1n));   // [1, r)

// ---- hex ----
export const hex32 = (x) => x.toString(16).padStart(64, '0');
export const fromHex = (h) => BigInt('0x' + h);
export const keccak = (buf) => Buffer.from(keccak_256(buf));

// Points in the EVM byte layout (bn254.h): G1 x||y, G2 x.c1||x.c0||y.c1||y.c0.
export function g1Hex(pt) {
  if (pt.equals(pt.constructor.ZERO)) return '00'.repeat(64);
  const a = pt.toAffine();
  return hex32(a.x) + hex32(a.y);
}
export function g2Hex(pt) {
  if (pt.equals(pt.constructor.ZERO)) return '00'.repeat(128);
  const a = pt.toAffine();
  return hex32(a.x.c1) + hex32(a.x.c0) + hex32(a.y.c1) + hex32(a.y.c0);
}
export function fp12Hex(f) {
  const c = [f.c0.c0, f.c0.c1, f.c0.c2, f.c1.c0, f.c1.c1, f.c1.c2];
  return c.map((x) => hex32(x.c0) + hex32(x.c1)).join('');
}

// ---- our side: one `bn254-tool batch` process per list of requests ----
export function toolPath() {
  return path.join(process.env.FAAS_BIN_DIR || 'bin', 'bn254-tool');
}
// requests: array of strings "<op> <hex>..."; returns the answer lines.
export function batch(requests) {
  const out = execFileSync(toolPath(), ['batch'], {
    input: requests.join('\n') + '\n',
    maxBuffer: 64 << 20,
  }).toString();
  const lines = out.split('\n').filter((l) => l.length);
  if (lines.length !== requests.length) throw new Error(`batch: ${requests.length} requests, ${lines.length} answers`);
  return lines;
}

// ---- anvil ----
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startAnvil() {
  const port = await freePort();
  const child = spawn('anvil', ['--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const spawned = new Promise((resolve, reject) => {
    child.on('spawn', resolve);
    child.on('error', (e) => reject(new Error(`cannot start anvil (${e.code}): run make setup, PATH needs node_modules/.bin`)));
  });
  await spawned;
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  process.on('exit', stop);
  for (let i = 0; i < 200; i++) {
    try {
      await rpc(url, 'eth_chainId', []);
      return { url, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  stop();
  throw new Error('anvil did not start');
}

let rpcId = 0;
// Resolves to the result; rejects with the node's error message.
export async function rpc(url, method, params) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(body.error.message || JSON.stringify(body.error));
  return body.result;
}

// The receipt of a transaction, once it is mined. anvil answers
// eth_sendTransaction before automine has put the transaction in a block, so
// a receipt read right away may still be null (about 1 read in 3 here).
export async function waitReceipt(url, txHash, timeoutMs = 30000) {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    const receipt = await rpc(url, 'eth_getTransactionReceipt', [txHash]);
    if (receipt) return receipt;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no receipt for ${txHash} after ${timeoutMs} ms`);
}

// eth_call; returns the output hex (no 0x) or null when the call fails.
export async function ethCall(url, to, dataHex, gas = '0x1c9c380') {
  try {
    const out = await rpc(url, 'eth_call', [{ to, data: '0x' + dataHex, gas }, 'latest']);
    return out.slice(2);
  } catch {
    return null;
  }
}

// OperatorRegistry's EIP-712 proof-of-possession digest (bn254.h), in JS.
const kstr = (t) => keccak(Buffer.from(t));
export function popDigest(chain, reg, op, avs, setId, g1, g2) {
  const domain = keccak(Buffer.concat([kstr('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'),
    kstr('FaaSOperatorRegistry'), kstr('1'), Buffer.from(hex32(chain) + reg.padStart(64, '0'), 'hex')]));
  const struct = keccak(Buffer.concat([kstr('BN254KeyRegistration(address operator,address avs,uint32 operatorSetId,bytes keyData)'),
    Buffer.from(op.padStart(64, '0') + avs.padStart(64, '0') + hex32(setId), 'hex'), keccak(Buffer.from(g1 + g2, 'hex'))]));
  return keccak(Buffer.concat([Buffer.from([0x19, 0x01]), domain, struct])).toString('hex');
}
