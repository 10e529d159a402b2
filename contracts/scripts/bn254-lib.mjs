// BN254 helpers for the contract tests and the deploy step, written against
// @noble/curves (an implementation independent of ours) and plain BigInt
// arithmetic. Everything here is deterministic.
//
// Formats follow the EVM precompiles (EIP-196/197): a G1 point is [X, Y], a G2
// point is [X.c1, X.c0, Y.c1, Y.c0] (imaginary part first), all as 0x-hex words.
import { bn254 } from '@noble/curves/bn254.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

export const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
export const R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;
const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;

export const hex = (n) => '0x' + n.toString(16).padStart(64, '0');
export const bytesToHex = (b) => '0x' + Buffer.from(b).toString('hex');
export const hexToBytes = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));
export const word = (n) => hexToBytes(hex(n));
export const keccak = (bytes) => keccak_256(bytes);
export const keccakBig = (bytes) => BigInt(bytesToHex(keccak_256(bytes)));
export const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const utf8 = (s) => new TextEncoder().encode(s);

function modpow(b, e, m) {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

// EigenLayer's try-and-increment hashToG1 (hourglass-protocol.md §3.4): the
// first x >= h mod p with x^3+3 a square; y is the raw (p+1)/4 power.
export function hashToG1(h) {
  let x = BigInt(h) % P;
  for (let inc = 0; ; inc++) {
    const beta = (x * x * x + 3n) % P;
    const y = modpow(beta, (P + 1n) / 4n, P);
    if ((y * y) % P === beta) {
      G1.fromAffine({ x, y }).assertValidity();
      return { x, y, increments: inc };
    }
    x = (x + 1n) % P;
  }
}

export const g1Of = (sk) => G1.BASE.multiply(sk).toAffine();
export const g2Of = (sk) => G2.BASE.multiply(sk).toAffine();
export const g1Hex = (p) => [hex(p.x), hex(p.y)];
export const g2Hex = (p) => [hex(p.x.c1), hex(p.x.c0), hex(p.y.c1), hex(p.y.c0)];
export const g2Sum = (points) =>
  points.reduce((acc, p) => acc.add(G2.fromAffine(p)), G2.ZERO);

// sk * hashToG1(digest), computed with noble's scalar multiplication.
export function sign(sk, digest) {
  const h = hashToG1(digest);
  return G1.fromAffine({ x: h.x, y: h.y }).multiply(sk).toAffine();
}

// keccak256(0x75 || abi.encode(BN254OperatorInfo{pubkey, weights})), encoded by hand:
// offset 0x20 | X | Y | 0x60 (weights offset in the tuple) | len | weights...
export function operatorInfoLeaf(pk, weights) {
  const enc = concat(word(0x20n), word(pk.x), word(pk.y), word(0x60n), word(BigInt(weights.length)),
    ...weights.map((w) => word(BigInt(w))));
  return keccak(concat(Uint8Array.of(0x75), enc));
}

// Positional keccak tree, zero-padded to a power of two; returns {root, proofs}.
export function merkle(leaves) {
  let width = 1;
  while (width < leaves.length) width *= 2;
  let level = Array.from({ length: width }, (_, i) => leaves[i] ?? new Uint8Array(32));
  const proofs = leaves.map(() => []);
  const pos = leaves.map((_, i) => i);
  while (level.length > 1) {
    leaves.forEach((_, i) => proofs[i].push(level[pos[i] ^ 1]));
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak(concat(level[i], level[i + 1])));
    level = next;
    pos.forEach((p, i) => { pos[i] = p >> 1; });
  }
  return { root: level[0], proofs: proofs.map((p) => bytesToHex(concat(...p))) };
}

// Deterministic test secret: keccak256(label) mod r (never 0 for our labels).
export const secretFromLabel = (label) => keccakBig(utf8(label)) % R;
export { utf8 };

// ---------------------------------------------------------------- operator keys

import { secp256k1 } from '@noble/curves/secp256k1.js';
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export const addressOf = (ecdsaSk) => {
  const pub = secp256k1.getPublicKey(hexToBytes(hex(ecdsaSk)), false); // 0x04 || X || Y
  return '0x' + Buffer.from(keccak(pub.slice(1)).slice(12)).toString('hex');
};
// EIP-55 mixed-case checksum of a 0x-address.
export function checksumAddress(a) {
  const lower = a.toLowerCase().replace(/^0x/, '');
  const h = Buffer.from(keccak(utf8(lower))).toString('hex');
  return '0x' + [...lower].map((c, i) => (parseInt(h[i], 16) >= 8 ? c.toUpperCase() : c)).join('');
}
export const ecdsaSecretFromLabel = (label) => (keccakBig(utf8(label)) % (SECP_N - 1n)) + 1n;

// keyData = abi.encode(g1.X, g1.Y, g2.X[0], g2.X[1], g2.Y[0], g2.Y[1]) (KeyRegistrar.encodeBN254KeyData)
export const keyData = (g1, g2) => concat(...[...g1Hex(g1), ...g2Hex(g2)].map((h) => word(BigInt(h))));

const addrWord = (a) => word(BigInt(a));
// EIP-712 digest of BN254KeyRegistration under ("FaaSOperatorRegistry", "1", chainId, registry).
export function registrationDigest(chainId, registry, operator, avs, operatorSetId, kd) {
  const domainType = keccak(utf8('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'));
  const domain = keccak(concat(domainType, keccak(utf8('FaaSOperatorRegistry')), keccak(utf8('1')),
    word(BigInt(chainId)), addrWord(registry)));
  const typeHash = keccak(utf8('BN254KeyRegistration(address operator,address avs,uint32 operatorSetId,bytes keyData)'));
  const struct = keccak(concat(typeHash, addrWord(operator), addrWord(avs), word(BigInt(operatorSetId)), keccak(kd)));
  return BigInt(bytesToHex(keccak(concat(Uint8Array.of(0x19, 0x01), domain, struct))));
}
