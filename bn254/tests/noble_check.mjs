// Cross-check of libbn254 (through `bn254-tool batch`) against @noble/curves
// on random inputs: G1/G2 arithmetic and validation, pairing values (noble's
// final exponentiation is the same Fuentes-Castaneda power as ours, so GT
// values compare byte for byte), multi-pairing checks, BLS keys and
// signatures, the gamma-combined check, EigenLayer's hashToG1 (re-implemented
// here with BigInt) and the proof-of-possession digest (keccak from
// @noble/hashes).
import { bn254 } from '@noble/curves/bn254.js';
import {
  P, R, batch, check, finish, fp12Hex, fromHex, g1Hex, g2Hex, hex32, keccak, popDigest, randBig, randBytes, randScalar,
} from './lib.mjs';

const { Fp2, Fp12 } = bn254.fields;
const G1 = bn254.G1.Point, G2 = bn254.G2.Point;
const mulG1 = (pt, k) => pt.multiplyUnsafe(k % R);
const mulG2 = (pt, k) => pt.multiplyUnsafe(k % R);
const randG1 = () => G1.BASE.multiply(randScalar());
const randG2 = () => G2.BASE.multiply(randScalar());

const cases = [];   // [request, expected answer, description]
const want = (req, answer, what) => cases.push([req, answer, what]);
const ok = (...hexes) => ['ok', ...hexes].join(' ');

// ---- G1 add / mul (variable and constant time) ----
for (let i = 0; i < 24; i++) {
  const a = randG1(), b = i % 6 === 0 ? a : i % 6 === 1 ? a.negate() : i % 6 === 2 ? G1.ZERO : randG1();
  want(`g1add ${g1Hex(a)} ${g1Hex(b)}`, ok(g1Hex(a.add(b))), `g1add #${i}`);
}
const edgeScalars = [0n, 1n, 2n, R - 1n, R, R + 1n, (1n << 256n) - 1n, (1n << 255n), R >> 1n];
for (let i = 0; i < 30; i++) {
  const a = i % 10 === 9 ? G1.ZERO : randG1();
  const k = i < edgeScalars.length ? edgeScalars[i] : randBig();
  const exp = ok(g1Hex(mulG1(a, k)));
  want(`g1mul ${g1Hex(a)} ${hex32(k)}`, exp, `g1mul #${i} k=${k}`);
  want(`g1mulct ${g1Hex(a)} ${hex32(k)}`, exp, `g1mulct #${i} k=${k}`);
}

// ---- G2 add / mul ----
for (let i = 0; i < 12; i++) {
  const a = randG2(), b = i % 4 === 0 ? a : i % 4 === 1 ? a.negate() : i % 4 === 2 ? G2.ZERO : randG2();
  want(`g2add ${g2Hex(a)} ${g2Hex(b)}`, ok(g2Hex(a.add(b))), `g2add #${i}`);
}
for (let i = 0; i < 16; i++) {
  const a = i === 15 ? G2.ZERO : randG2();
  const k = i < edgeScalars.length ? edgeScalars[i] : randBig();
  const exp = ok(g2Hex(mulG2(a, k)));
  want(`g2mul ${g2Hex(a)} ${hex32(k)}`, exp, `g2mul #${i}`);
  want(`g2mulct ${g2Hex(a)} ${hex32(k)}`, exp, `g2mulct #${i}`);
}

// ---- validation: off-curve, non-canonical, twist points outside G2 ----
const twistB = Fp2.div({ c0: 3n, c1: 0n }, { c0: 9n, c1: 1n });
function randomTwistPoint() {   // on E'(Fp2), almost surely not in G2
  for (;;) {
    const x = { c0: randBig() % P, c1: randBig() % P };
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), twistB);
    let y;
    try { y = Fp2.sqrt(rhs); } catch { continue; }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    return G2.fromAffine({ x, y });
  }
}
const nobleValid = (pt) => { try { pt.assertValidity(); return true; } catch { return false; } };
for (let i = 0; i < 8; i++) {
  const q = randomTwistPoint();
  check(!nobleValid(q), `noble rejects random twist point #${i}`);
  want(`g2check ${g2Hex(q)}`, 'err G2 point is not in the order-r subgroup', `g2check twist point #${i}`);
  // Clearing the cofactor h2 = 2p - r lands in G2: noble accepts, so do we.
  let c = G2.ZERO;   // [2p - r]q by double-and-add (noble's mul wants k < r)
  for (let k = 2n * P - R, t = q; k; k >>= 1n, t = t.double()) if (k & 1n) c = c.add(t);
  check(nobleValid(c), `noble accepts cleared twist point #${i}`);
  want(`g2check ${g2Hex(c)}`, 'ok', `g2check cleared point #${i}`);
}
{
  const a = randG2().toAffine();
  const off = hex32(a.x.c1) + hex32(a.x.c0) + hex32(a.y.c1) + hex32((a.y.c0 + 1n) % P);
  want(`g2check ${off}`, 'err point is not on the curve', 'g2check off-curve');
  const big = hex32(a.x.c1 + P) + hex32(a.x.c0) + hex32(a.y.c1) + hex32(a.y.c0);
  want(`g2check ${big}`, 'err field element or scalar not below its modulus', 'g2check x.c1 + p');
  const b = randG1().toAffine();
  want(`g1check ${hex32(b.x)}${hex32((b.y + 1n) % P)}`, 'err point is not on the curve', 'g1check off-curve');
  want(`g1check ${hex32(b.x)}${hex32(b.y + P)}`, 'err field element or scalar not below its modulus', 'g1check y + p');
  want(`g1check ${hex32(0n)}${hex32(0n)}`, 'ok', 'g1check infinity');
  want(`g2check ${'00'.repeat(128)}`, 'ok', 'g2check infinity');
  want(`g1check ${hex32(1n)}${hex32(P - 2n)}`, 'ok', 'g1check -G1');
}

// ---- pairing values and multi-pairing checks ----
for (let i = 0; i < 6; i++) {
  const p = randG1(), q = randG2();
  want(`pairing ${g1Hex(p)} ${g2Hex(q)}`, ok(fp12Hex(bn254.pairing(p, q))), `pairing value #${i}`);
}
const nobleCheck = (pairs) => {
  const live = pairs.filter(([p, q]) => !p.equals(G1.ZERO) && !q.equals(G2.ZERO));
  return live.length === 0 || Fp12.eql(bn254.pairingBatch(live.map(([g1, g2]) => ({ g1, g2 }))), Fp12.ONE);
};
for (let i = 0; i < 10; i++) {
  // e(aP, bQ) e(-abP, Q) [e(cP, dQ) e(-P, cdQ)] = 1, or a perturbed version.
  const a = randScalar(), b = randScalar(), c = randScalar(), d = randScalar();
  const p = randG1(), q = randG2();
  const pairs = [[mulG1(p, a), mulG2(q, b)], [mulG1(p, (a * b) % R).negate(), q]];
  if (i % 2) pairs.push([mulG1(p, c), mulG2(q, d)], [p.negate(), mulG2(q, (c * d) % R)]);
  if (i % 3 === 1) pairs[0][0] = pairs[0][0].double();
  if (i === 4) pairs.push([G1.ZERO, randG2()], [randG1(), G2.ZERO]);
  const data = pairs.map(([x, y]) => g1Hex(x) + g2Hex(y)).join('');
  const exp = nobleCheck(pairs);
  check(exp === (i % 3 !== 1), `noble pairing check #${i} as constructed`);
  want(`ecpairing ${data}`, ok(hex32(exp ? 1n : 0n)), `ecpairing #${i} (${pairs.length} pairs)`);
}

// ---- EigenLayer hashToG1 (BN254.sol), independently in BigInt ----
const modpow = (b, e, m) => { let r = 1n; b %= m; for (; e; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m; return r; };
function hashToG1(digest) {
  let x = fromHex(digest) % P;
  for (;;) {
    const beta = (x * x * x + 3n) % P, y = modpow(beta, (P + 1n) / 4n, P);
    if ((y * y) % P === beta) return hex32(x) + hex32(y);
    x = (x + 1n) % P;
  }
}
const digests = ['00'.repeat(32), 'ff'.repeat(32), hex32(P), hex32(P - 1n),
  '41bd9105ae76954ac27bec5b22f7df58be4efb5e887afdd7a5f4082c6bf77d26'];
for (let i = 0; i < 20; i++) digests.push(randBytes(32).toString('hex'));
for (const d of digests) want(`hash ${d}`, ok(hashToG1(d)), `hashToG1(${d})`);

// ---- BLS: keys, signatures, the gamma check, aggregation, PoP digest ----
const G2neg = G2.BASE.negate();
function gammaOf(d, sig, apk1, apk2) {
  return fromHex(keccak(Buffer.from(d + g1Hex(apk1) + g2Hex(apk2) + g1Hex(sig), 'hex')).toString('hex')) % R;
}
function nobleVerifyEigen(d, sig, apk1, apk2) {
  const g = gammaOf(d, sig, apk1, apk2);
  const h = G1.fromAffine({ x: fromHex(hashToG1(d).slice(0, 64)), y: fromHex(hashToG1(d).slice(64)) });
  return nobleCheck([[sig.add(mulG1(apk1, g)), G2neg], [h.add(mulG1(G1.BASE, g)), apk2]]);
}
for (let i = 0; i < 6; i++) {
  const sks = [randScalar(), randScalar(), randScalar()].slice(0, 1 + (i % 3));
  const d = randBytes(32).toString('hex');
  const hd = hashToG1(d);
  const h = G1.fromAffine({ x: fromHex(hd.slice(0, 64)), y: fromHex(hd.slice(64)) });
  let sig = G1.ZERO, apk1 = G1.ZERO, apk2 = G2.ZERO;
  for (const sk of sks) {
    want(`pubkey ${hex32(sk)}`, ok(g1Hex(G1.BASE.multiply(sk)) + g2Hex(G2.BASE.multiply(sk))), `pubkey #${i}`);
    want(`sign ${hex32(sk)} ${d}`, ok(g1Hex(h.multiply(sk))), `sign #${i}`);
    sig = sig.add(h.multiply(sk));
    apk1 = apk1.add(G1.BASE.multiply(sk));
    apk2 = apk2.add(G2.BASE.multiply(sk));
  }
  check(nobleVerifyEigen(d, sig, apk1, apk2), `noble accepts aggregate #${i}`);
  const args = `${d} ${g1Hex(sig)} ${g1Hex(apk1)} ${g2Hex(apk2)}`;
  want(`gamma ${args}`, ok(hex32(gammaOf(d, sig, apk1, apk2))), `gamma #${i}`);
  want(`verify ${args}`, 'ok 01', `verify aggregate of ${sks.length} #${i}`);
  // A wrong message, a G1 key that does not match the G2 key, a wrong signature.
  const d2 = randBytes(32).toString('hex');
  check(!nobleVerifyEigen(d2, sig, apk1, apk2), `noble rejects wrong digest #${i}`);
  want(`verify ${d2} ${g1Hex(sig)} ${g1Hex(apk1)} ${g2Hex(apk2)}`, 'ok 00', `verify wrong digest #${i}`);
  const apk1b = apk1.add(G1.BASE);
  check(!nobleVerifyEigen(d, sig, apk1b, apk2), `noble rejects mismatched keys #${i}`);
  want(`verify ${d} ${g1Hex(sig)} ${g1Hex(apk1b)} ${g2Hex(apk2)}`, 'ok 00', `verify mismatched G1 key #${i}`);
  want(`verify ${d} ${g1Hex(sig.double())} ${g1Hex(apk1)} ${g2Hex(apk2)}`, 'ok 00', `verify wrong sig #${i}`);
}
for (let i = 0; i < 4; i++) {
  const chain = i === 0 ? 31337n : randBig(8), setId = randBig(4);
  const [reg, op, avs] = [randBytes(20), randBytes(20), randBytes(20)].map((b) => b.toString('hex'));
  const sk = randScalar(), g1 = g1Hex(G1.BASE.multiply(sk)), g2 = g2Hex(G2.BASE.multiply(sk));
  want(`popdigest ${chain.toString(16).padStart(16, '0')} ${reg} ${op} ${avs} ${setId.toString(16).padStart(8, '0')} ${g1} ${g2}`,
    ok(popDigest(chain, reg, op, avs, setId, g1, g2)), `popdigest #${i}`);
}

// ---- run ----
const answers = batch(cases.map((c) => c[0]));
cases.forEach(([req, exp, what], i) => {
  const got = answers[i];
  check(got === exp, `${what}: got ${got.slice(0, 90)}${got.length > 90 ? '...' : ''}, want ${exp.slice(0, 90)}`);
  if (got !== exp) console.log(`    request: ${req.slice(0, 200)}`);
});
finish('noble_check');
