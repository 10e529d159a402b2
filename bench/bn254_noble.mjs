// The operations of bn254-bench with @noble/curves (same machine, same run),
// printed as "<op> <median microseconds>" for bench/bn254.sh. Each op is the
// same computation as ours: EigenLayer's try-and-increment hashToG1 (written
// with noble's field), sk * H(m) signing, BN254SignatureVerifier's gamma check.
import { bn254 } from '@noble/curves/bn254.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

const G1 = bn254.G1.Point, G2 = bn254.G2.Point, { Fp, Fp12 } = bn254.fields;
const P = Fp.ORDER, R = bn254.fields.Fr.ORDER;
const scale = Number(process.argv[2] || 1);
let seed = 0x9e3779b97f4a7c15n;
const rand = () => {   // xorshift64: deterministic inputs
  seed ^= (seed << 13n) & 0xffffffffffffffffn; seed ^= seed >> 7n; seed ^= (seed << 17n) & 0xffffffffffffffffn;
  return seed;
};
const randScalar = () => 1n + (((rand() << 192n) | (rand() << 128n) | (rand() << 64n) | rand()) % (R - 1n));
const hex32 = (x) => x.toString(16).padStart(64, '0');

function hashToG1(digest) {
  let x = BigInt('0x' + Buffer.from(digest).toString('hex')) % P;
  for (;;) {
    const beta = Fp.add(Fp.mul(Fp.sqr(x), x), 3n), y = Fp.pow(beta, (P + 1n) / 4n);
    if (Fp.eql(Fp.sqr(y), beta)) return G1.fromAffine({ x, y });
    x = Fp.add(x, 1n);
  }
}
const enc1 = (p) => { const a = p.toAffine(); return hex32(a.x) + hex32(a.y); };
const enc2 = (p) => { const a = p.toAffine(); return hex32(a.x.c1) + hex32(a.x.c0) + hex32(a.y.c1) + hex32(a.y.c0); };
const G2neg = G2.BASE.negate();
function verifyEigen(digest, sig, apk1, apk2) {
  const gamma = BigInt('0x' + Buffer.from(keccak_256(Buffer.from(
    Buffer.from(digest).toString('hex') + enc1(apk1) + enc2(apk2) + enc1(sig), 'hex'))).toString('hex')) % R;
  const l = sig.add(apk1.multiplyUnsafe(gamma)), r = hashToG1(digest).add(G1.BASE.multiplyUnsafe(gamma));
  return Fp12.eql(bn254.pairingBatch([{ g1: l, g2: G2neg }, { g1: r, g2: apk2 }]), Fp12.ONE);
}

const N = 8, P1 = [], Q2 = [], K = [], SK = [], D = [], SIG = [], PK1 = [], PK2 = [];
for (let i = 0; i < N; i++) {
  K.push(randScalar()); SK.push(randScalar());
  P1.push(G1.BASE.multiply(randScalar())); Q2.push(G2.BASE.multiply(randScalar()));
  const d = new Uint8Array(32); for (let j = 0; j < 32; j++) d[j] = Number(rand() & 0xffn); D.push(d);
  PK1.push(G1.BASE.multiply(SK[i])); PK2.push(G2.BASE.multiply(SK[i]));
}
const H0 = hashToG1(D[0]);
for (let i = 0; i < N; i++) SIG.push(H0.multiply(SK[i]));

let sink = 0;
const ops = {
  pairing: (i) => { sink ^= Number(bn254.pairing(P1[i], Q2[i]).c0.c0.c0 & 1n); },
  pairing2: (i) => { const j = (i + 1) % N; sink ^= +Fp12.eql(bn254.pairingBatch([{ g1: P1[i], g2: Q2[i] }, { g1: P1[j], g2: Q2[j] }]), Fp12.ONE); },
  pairing4: (i) => { sink ^= +Fp12.eql(bn254.pairingBatch([0, 1, 2, 3].map((k) => ({ g1: P1[(i + k) % N], g2: Q2[(i + k) % N] }))), Fp12.ONE); },
  g1_mul: (i) => { sink ^= Number(P1[i].multiply(K[(i + 1) % N]).toAffine().x & 1n); },
  g2_mul: (i) => { sink ^= Number(Q2[i].multiply(K[(i + 1) % N]).toAffine().x.c0 & 1n); },
  hash_to_g1: (i) => { sink ^= Number(hashToG1(D[i]).toAffine().x & 1n); },
  sign: (i) => { sink ^= Number(hashToG1(D[(i + 1) % N]).multiply(SK[i]).toAffine().x & 1n); },
  verify: (i) => { sink ^= +verifyEigen(D[0], SIG[i], PK1[i], PK2[i]); },
  verify_agg3: (i) => {
    const ix = [i, (i + 1) % N, (i + 2) % N];
    const s = ix.reduce((a, k) => a.add(SIG[k]), G1.ZERO), a1 = ix.reduce((a, k) => a.add(PK1[k]), G1.ZERO);
    const a2 = ix.reduce((a, k) => a.add(PK2[k]), G2.ZERO);
    sink ^= +verifyEigen(D[0], s, a1, a2);
  },
};
const runs = { pairing: 31, pairing2: 31, pairing4: 21, g1_mul: 61, g2_mul: 31, hash_to_g1: 201, sign: 61, verify: 31, verify_agg3: 31 };
for (const [name, fn] of Object.entries(ops)) {
  const n = Math.max(3, Math.round(runs[name] * scale)) | 1, t = [];
  for (let i = 0; i < 3; i++) fn(i % N);   // warm up (JIT, precomputed tables)
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i % N);
    t.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  t.sort((a, b) => a - b);
  console.log(`${name} ${t[n >> 1].toFixed(1)}`);
}
if (sink === 42) console.log('');
