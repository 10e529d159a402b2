// runner.js - the Node.js side of the performer: runs function invocations.
//
// Two modes:
//   node runner.js            zygote: fd 3 is the performer's control socket.
//                             Pre-initialises, warms up, then perf_zygote.node's
//                             serve() forks one sandboxed child per invocation;
//                             serve() returns only in that child.
//   node runner.js --once     one invocation in this process (the original
//                             spawn-per-call design; used for local runs and as
//                             the benchmark's baseline).
// Either way an invocation reads its request from fd 0 and writes the result
// envelope (SPEC §3) to fd 3. The request is one JSON header line
//   {"task_id":"0x…","timestamp":<unix s>,"seed":"0x…","dir":"/var/task",
//    "max_log_lines":N,"max_log_bytes":N,"max_result_bytes":N}
// followed by the raw input bytes (the performer writes it: request.c).
//
// Determinism (SPEC §3: every honest operator must produce the same bytes):
// the wall clock is frozen at the task's timestamp (Date, Date.now,
// Intl.DateTimeFormat#format), like a block timestamp; monotonic clocks
// (performance.now, process.hrtime, timers) stay real. Math.random and every
// crypto random source draw from SHA-256(seed || counter), the seed being
// derived from the task id by the performer. JSON output is JSON.stringify's:
// keys in insertion order, which is deterministic for deterministic code.
'use strict';

const fs = require('fs');
const util = require('util');
const crypto = require('crypto');
const { Writable } = require('stream');
const Module = require('module');

// Per-invocation state. The overrides below are installed once (in the
// zygote before it forks) and read these fields, which each invocation sets.
const state = { nowMs: 0, random: null, sink: null, finished: false, finish: null };

// ---------------------------------------------------------------------------
// Frozen wall clock.

function installClock() {
  const RealDate = Date;
  // A function, not a class: Date() without `new` must return a string.
  function FrozenDate(...args) {
    if (!new.target) return new RealDate(state.nowMs).toString();
    return Reflect.construct(RealDate, args.length ? args : [state.nowMs], new.target);
  }
  FrozenDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, 'constructor', { value: FrozenDate, writable: true, configurable: true });
  Object.defineProperty(FrozenDate, 'name', { value: 'Date' });
  Object.defineProperty(FrozenDate, 'length', { value: 7 });
  FrozenDate.now = () => state.nowMs;
  FrozenDate.parse = RealDate.parse;
  FrozenDate.UTC = RealDate.UTC;
  globalThis.Date = FrozenDate;

  // Intl formats "now" when given no date; V8 reads its own clock for that.
  const dtf = Intl.DateTimeFormat.prototype;
  const getFormat = Object.getOwnPropertyDescriptor(dtf, 'format').get;
  Object.defineProperty(dtf, 'format', {
    configurable: true,
    get() {
      const format = getFormat.call(this);
      return (date) => format(date === undefined ? state.nowMs : date);
    },
  });
  const formatToParts = dtf.formatToParts;
  dtf.formatToParts = function (date) {
    return formatToParts.call(this, date === undefined ? state.nowMs : date);
  };
}

// ---------------------------------------------------------------------------
// Seeded randomness: block i of the stream is SHA-256(seed || uint64be(i)).

class RandomStream {
  constructor(seedHex) {
    this.seed = Buffer.from(seedHex.replace(/^0x/, ''), 'hex');
    this.counter = 0n;
    this.block = Buffer.alloc(0);
    this.pos = 0;
  }

  bytes(n) {
    const out = Buffer.allocUnsafe(n);
    for (let off = 0; off < n;) {
      if (this.pos === this.block.length) {
        const ctr = Buffer.alloc(8);
        ctr.writeBigUInt64BE(this.counter++);
        this.block = crypto.createHash('sha256').update(this.seed).update(ctr).digest();
        this.pos = 0;
      }
      const k = Math.min(n - off, this.block.length - this.pos);
      this.block.copy(out, off, this.pos, this.pos + k);
      this.pos += k;
      off += k;
    }
    return out;
  }

  // A double in [0, 1) from 53 random bits, as Math.random promises.
  double() {
    const b = this.bytes(7);
    return (b.readUIntBE(0, 6) * 32 + (b[6] >>> 3)) / 9007199254740992;
  }
}

function installRandom() {
  const draw = (n) => state.random.bytes(n);
  const fillView = (view, offset = 0, size = view.byteLength - offset) => {
    const u8 = new Uint8Array(view.buffer, view.byteOffset + offset, size);
    u8.set(draw(size));
    return view;
  };
  Math.random = () => state.random.double();

  const randomBytes = (size, callback) => {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`The value of "size" is out of range: ${size}`);
    const buf = draw(size);
    if (typeof callback === 'function') return void process.nextTick(callback, null, buf);
    return buf;
  };
  crypto.randomBytes = crypto.pseudoRandomBytes = crypto.prng = crypto.rng = randomBytes;
  crypto.randomFillSync = (view, offset, size) => fillView(view, offset, size);
  crypto.randomFill = (view, offset, size, callback) => {
    const cb = [offset, size, callback].find((f) => typeof f === 'function');
    fillView(view, typeof offset === 'number' ? offset : 0, typeof size === 'number' ? size : undefined);
    process.nextTick(cb, null, view);
  };
  crypto.randomInt = (min, max, callback) => {
    if (typeof max !== 'number') [min, max, callback] = [0, min, max];
    const range = max - min;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || range <= 0 || range > 2 ** 48)
      throw new RangeError('crypto.randomInt: invalid range');
    // Rejection sampling on 48 bits, so every value is equally likely.
    const limit = 2 ** 48 - (2 ** 48 % range);
    let x;
    do x = draw(6).readUIntBE(0, 6); while (x >= limit);
    const n = min + (x % range);
    if (typeof callback === 'function') return void process.nextTick(callback, null, n);
    return n;
  };
  const uuid = () => {
    const b = draw(16);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4 (RFC 9562 §5.4)
    b[8] = (b[8] & 0x3f) | 0x80; // variant 10
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  crypto.randomUUID = uuid;
  const getRandomValues = (view) => {
    if (!ArrayBuffer.isView(view) || view instanceof Float32Array || view instanceof Float64Array || view instanceof DataView)
      throw new TypeError('The data argument must be an integer-type TypedArray');
    if (view.byteLength > 65536) throw new RangeError('The ArrayBufferView byte length exceeds 65536');
    return fillView(view);
  };
  // crypto.getRandomValues (a fixed getter) and globalThis.crypto both
  // lead to this object.
  Object.defineProperty(crypto.webcrypto, 'getRandomValues', { value: getRandomValues, configurable: true, writable: true });
  Object.defineProperty(crypto.webcrypto, 'randomUUID', { value: uuid, configurable: true, writable: true });
  installKeygen(draw);
  installEcdsa();
  Module.syncBuiltinESMExports();
}

// ---------------------------------------------------------------------------
// Key generation from the task's stream. OpenSSL's own generators mix the
// time and thread ids into their DRBG, so two operators would make different
// keys. EC, Edwards/Montgomery and secret keys are built here from seeded
// bytes instead; kinds that cannot be (RSA, DSA, DH, primes) fail with an
// error, which every operator then agrees on.

// Short Weierstrass curves y^2 = x^3 + ax + b (SEC 2 §2.4.1, §2.5.1, §2.6.1;
// FIPS 186-4 D.1.2), with the names OpenSSL (createECDH) and JWK give them.
// a is -3 for the NIST curves.
const EC_CURVES = {
  'P-256': { ossl: 'prime256v1', jwk: 'P-256', bytes: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn, a: -3n,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n },
  'P-384': { ossl: 'secp384r1', jwk: 'P-384', bytes: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn, a: -3n,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn },
  'P-521': { ossl: 'secp521r1', jwk: 'P-521', bytes: 66, p: (1n << 521n) - 1n, a: -3n,
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0xc6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n },
  secp256k1: { ossl: 'secp256k1', jwk: 'secp256k1', bytes: 32, p: (1n << 256n) - (1n << 32n) - 977n, a: 0n,
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    gx: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
    gy: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n },
};
const EC_ALIASES = { prime256v1: 'P-256', secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
// PKCS #8 prefixes of RFC 8410 keys: the raw private key follows.
const OKP_PKCS8 = {
  ed25519: ['302e020100300506032b657004220420', 32],
  x25519: ['302e020100300506032b656e04220420', 32],
  ed448: ['3047020100300506032b6571043b0439', 57],
  x448: ['3046020100300506032b656f043a0438', 56],
};

function notDeterministic(what) {
  return new Error(`${what} is not available in FaaS AVS functions: its result would differ between operators ` +
    '(import a key instead)');
}

// ---------------------------------------------------------------------------
// ECDSA with RFC 6979 nonces. OpenSSL 3.0 draws k at random, so operators
// would sign the same message differently; k = HMAC-DRBG(key, hash) makes
// the signature a function of key and message, and any verifier accepts it.

const big = (buf) => (buf.length ? BigInt(`0x${buf.toString('hex')}`) : 0n);
const bytesOf = (x, len) => Buffer.from(x.toString(16).padStart(len * 2, '0'), 'hex');
const mod = (x, m) => ((x % m) + m) % m;
function modPow(b, e, m) {
  let r = 1n;
  for (b = mod(b, m); e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

// k*G in Jacobian coordinates (X/Z^2, Y/Z^3); the affine x, or null for the
// point at infinity. Formulas: dbl-2007-bl and add-2007-bl (hyperelliptic.org EFD).
function mulBaseX(c, k) {
  const p = c.p;
  const dbl = ([x, y, z]) => {
    if (y === 0n || z === 0n) return [0n, 1n, 0n];
    const xx = (x * x) % p, yy = (y * y) % p, yyyy = (yy * yy) % p, zz = (z * z) % p;
    const sq = (2n * (mod((x + yy) ** 2n - xx - yyyy, p))) % p;
    const m = mod(3n * xx + c.a * zz * zz, p);
    const x3 = mod(m * m - 2n * sq, p);
    return [x3, mod(m * (sq - x3) - 8n * yyyy, p), mod((y + z) ** 2n - yy - zz, p)];
  };
  const add = (P, Q) => {
    if (P[2] === 0n) return Q;
    if (Q[2] === 0n) return P;
    const z1z1 = (P[2] * P[2]) % p, z2z2 = (Q[2] * Q[2]) % p;
    const u1 = (P[0] * z2z2) % p, u2 = (Q[0] * z1z1) % p;
    const s1 = (P[1] * Q[2] * z2z2) % p, s2 = (Q[1] * P[2] * z1z1) % p;
    if (u1 === u2) return s1 === s2 ? dbl(P) : [0n, 1n, 0n];
    const h = mod(u2 - u1, p), i = (4n * h * h) % p, j = (h * i) % p, r = mod(2n * (s2 - s1), p), v = (u1 * i) % p;
    const x3 = mod(r * r - j - 2n * v, p);
    return [x3, mod(r * (v - x3) - 2n * s1 * j, p), mod(((P[2] + Q[2]) ** 2n - z1z1 - z2z2) * h, p)];
  };
  let R = [0n, 1n, 0n];
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    R = dbl(R);
    if ((k >> i) & 1n) R = add(R, [c.gx, c.gy, 1n]);
  }
  if (R[2] === 0n) return null;
  const zi = modPow(R[2], p - 2n, p);
  return (R[0] * zi * zi) % p;
}

// (r, s) of hash h (a Buffer) under private scalar d, k per RFC 6979 §3.2
// with HMAC over hashName.
function ecdsaSign(c, d, h, hashName) {
  const qlen = c.n.toString(2).length, rlen = Math.ceil(qlen / 8);
  const bits2int = (b) => {
    const x = big(b), extra = b.length * 8 - qlen;
    return extra > 0 ? x >> BigInt(extra) : x;
  };
  const e = bits2int(h);
  const hmac = (key, ...parts) => {
    const m = crypto.createHmac(hashName, key);
    for (const part of parts) m.update(part);
    return m.digest();
  };
  const x = bytesOf(d, rlen), h1 = bytesOf(e % c.n, rlen);
  const hlen = crypto.createHash(hashName).digest().length;
  let V = Buffer.alloc(hlen, 1), K = Buffer.alloc(hlen, 0);
  K = hmac(K, V, Buffer.of(0), x, h1);
  V = hmac(K, V);
  K = hmac(K, V, Buffer.of(1), x, h1);
  V = hmac(K, V);
  for (;;) {
    let T = Buffer.alloc(0);
    while (T.length * 8 < qlen) T = Buffer.concat([T, (V = hmac(K, V))]);
    const k = bits2int(T);
    if (k > 0n && k < c.n) {
      const rx = mulBaseX(c, k);
      const r = rx === null ? 0n : rx % c.n;
      const s = (modPow(k, c.n - 2n, c.n) * (e + r * d)) % c.n;
      if (r !== 0n && s !== 0n) return { r, s, len: rlen };
    }
    K = hmac(K, V, Buffer.of(0));
    V = hmac(K, V);
  }
}

// DER: SEQUENCE { INTEGER r, INTEGER s } (RFC 3279 §2.2.3), minimal integers.
function derSignature({ r, s }) {
  const int = (v) => {
    let b = Buffer.from(v.toString(16).padStart(2 * Math.ceil(v.toString(16).length / 2), '0'), 'hex');
    if (b[0] & 0x80) b = Buffer.concat([Buffer.of(0), b]);
    return Buffer.concat([Buffer.of(2, b.length), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  const len = body.length < 128 ? Buffer.of(body.length) : Buffer.of(0x81, body.length);
  return Buffer.concat([Buffer.of(0x30), len, body]);
}

const p1363Signature = ({ r, s, len }) => Buffer.concat([bytesOf(r, len), bytesOf(s, len)]);

function installEcdsa() {
  // The curve and scalar of an EC private KeyObject, or null for other keys.
  const ecKey = (key) => {
    if (!(key instanceof crypto.KeyObject) || key.type !== 'private' || key.asymmetricKeyType !== 'ec') return null;
    const jwk = key.export({ format: 'jwk' });
    const c = EC_CURVES[jwk.crv];
    if (!c) throw notDeterministic(`ECDSA on curve ${jwk.crv}`);
    return { c, d: big(Buffer.from(jwk.d, 'base64url')) };
  };
  const privateKeyOf = (key) => {
    if (key instanceof crypto.KeyObject) return key;
    if (key && typeof key === 'object' && key.key instanceof crypto.KeyObject) return key.key;
    try { return crypto.createPrivateKey(key); } catch { return null; }
  };
  const toBuffer = (data, enc) => (typeof data === 'string' ? Buffer.from(data, enc || 'utf8')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  // As OpenSSL names digests: "sha256", "RSA-SHA256", "SHA-256" all work.
  const digestName = (alg) => {
    const n = String(alg || 'sha256').toLowerCase().replace(/^(rsa-|ecdsa-with-)/, '');
    return /^sha-\d/.test(n) ? n.replace('-', '') : n;
  };
  const signEc = (ec, alg, data, key) => {
    const hashName = digestName(alg);
    const sig = ecdsaSign(ec.c, ec.d, crypto.createHash(hashName).update(data).digest(), hashName);
    return key && typeof key === 'object' && key.dsaEncoding === 'ieee-p1363' ? p1363Signature(sig) : derSignature(sig);
  };

  const sign = crypto.sign;
  crypto.sign = function (algorithm, data, key, callback) {
    const ec = ecKey(privateKeyOf(key));
    if (!ec) return sign.apply(this, arguments);
    const out = signEc(ec, algorithm, toBuffer(data), key);
    if (typeof callback === 'function') return void process.nextTick(callback, null, out);
    return out;
  };
  const createSign = crypto.createSign;
  crypto.createSign = function (algorithm, options) {
    const signer = createSign(algorithm, options), chunks = [];
    const update = signer.update, own = signer.sign;
    signer.update = function (data, enc) {
      chunks.push(toBuffer(data, enc));
      return update.call(this, data, enc);
    };
    signer.sign = function (key, encoding) {
      const ec = ecKey(privateKeyOf(key));
      if (!ec) return own.call(this, key, encoding);
      const out = signEc(ec, algorithm, Buffer.concat(chunks), key);
      return encoding ? out.toString(encoding) : out;
    };
    return signer;
  };
  const subtle = crypto.webcrypto.subtle, subtleSign = subtle.sign.bind(subtle);
  Object.defineProperty(subtle, 'sign', {
    value: async (algorithm, key, data) => {
      if (String(algorithm && algorithm.name).toUpperCase() !== 'ECDSA') return subtleSign(algorithm, key, data);
      const ec = ecKey(crypto.KeyObject.from(key));
      const hash = typeof algorithm.hash === 'string' ? algorithm.hash : algorithm.hash.name;
      const out = signEc(ec, hash, toBuffer(data), { dsaEncoding: 'ieee-p1363' });
      return out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
    },
    configurable: true,
    writable: true,
  });
}

function installKeygen(draw) {
  const curveOf = (name) => EC_CURVES[EC_ALIASES[name] || name];
  // A scalar in [1, n) by rejection sampling on the order's bit length.
  const scalar = (c) => {
    const bits = c.n.toString(2).length;
    for (;;) {
      const b = draw(c.bytes);
      b[0] &= 0xff >>> (c.bytes * 8 - bits);
      const d = BigInt(`0x${b.toString('hex')}`);
      if (d > 0n && d < c.n) return b;
    }
  };
  const createECDH = crypto.createECDH;
  const b64u = (buf) => buf.toString('base64url');

  // {publicKey, privateKey} KeyObjects of a kind generateKeyPair knows.
  const keyPair = (type, options = {}) => {
    if (type === 'ec') {
      const c = curveOf(options.namedCurve);
      if (!c) throw notDeterministic(`EC key generation on curve ${options.namedCurve}`);
      const d = scalar(c), e = createECDH(c.ossl);
      e.setPrivateKey(d);
      const pub = e.getPublicKey(), half = (pub.length - 1) / 2; // 04 || x || y
      const privateKey = crypto.createPrivateKey({
        format: 'jwk',
        key: { kty: 'EC', crv: c.jwk, d: b64u(d), x: b64u(pub.subarray(1, 1 + half)), y: b64u(pub.subarray(1 + half)) },
      });
      return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
    }
    const okp = OKP_PKCS8[type];
    if (!okp) throw notDeterministic(`${type} key generation`);
    const der = Buffer.concat([Buffer.from(okp[0], 'hex'), draw(okp[1])]);
    const privateKey = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
  };
  // As Node does: encoded forms when encodings are asked for.
  const encoded = (type, options = {}) => {
    const { publicKey, privateKey } = keyPair(type, options);
    return {
      publicKey: options.publicKeyEncoding ? publicKey.export(options.publicKeyEncoding) : publicKey,
      privateKey: options.privateKeyEncoding ? privateKey.export(options.privateKeyEncoding) : privateKey,
    };
  };
  crypto.generateKeyPairSync = (type, options) => encoded(type, options);
  crypto.generateKeyPair = (type, options, callback) => {
    if (typeof options === 'function') [options, callback] = [undefined, options];
    let r, err = null;
    try { r = encoded(type, options); } catch (e) { err = e; }
    process.nextTick(() => (err ? callback(err) : callback(null, r.publicKey, r.privateKey)));
  };
  const secretKey = (type, options = {}) => {
    const bits = options.length;
    if ((type !== 'hmac' && type !== 'aes') || !Number.isInteger(bits) || bits <= 0 || bits % 8)
      throw notDeterministic(`${type} key generation of ${bits} bits`);
    return crypto.createSecretKey(draw(bits / 8));
  };
  crypto.generateKeySync = secretKey;
  crypto.generateKey = (type, options, callback) => {
    let k, err = null;
    try { k = secretKey(type, options); } catch (e) { err = e; }
    process.nextTick(() => (err ? callback(err) : callback(null, k)));
  };
  crypto.createECDH = (name) => {
    const e = createECDH(name);
    e.generateKeys = function (encoding, format) {
      if (!curveOf(name)) throw notDeterministic(`ECDH key generation on curve ${name}`);
      this.setPrivateKey(scalar(curveOf(name)));
      return this.getPublicKey(encoding, format);
    };
    return e;
  };
  for (const name of ['generatePrime', 'generatePrimeSync', 'createDiffieHellman', 'createDiffieHellmanGroup', 'getDiffieHellman'])
    crypto[name] = () => { throw notDeterministic(`crypto.${name}`); };

  // WebCrypto: the same keys imported, so they behave as generated ones.
  const subtle = crypto.webcrypto.subtle;
  const importKey = subtle.importKey.bind(subtle);
  const HMAC_BITS = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
  const generateKey = async (algorithm, extractable, usages) => {
    const alg = typeof algorithm === 'string' ? { name: algorithm } : algorithm;
    const name = String(alg.name).toUpperCase();
    if (name === 'HMAC' || name.startsWith('AES-')) {
      const hash = typeof alg.hash === 'string' ? alg.hash : alg.hash && alg.hash.name;
      const bits = alg.length || (name === 'HMAC' ? HMAC_BITS[String(hash).toUpperCase()] : 0);
      if (!bits || bits % 8) throw notDeterministic(`WebCrypto ${alg.name} key generation of ${bits} bits`);
      return importKey('raw', draw(bits / 8), alg, extractable, usages);
    }
    // Key type, and whether the pair signs (private: sign, public: verify)
    // or derives (private: every usage, public: none).
    const pairs = { ECDSA: ['ec', true], ECDH: ['ec', false], ED25519: ['ed25519', true], X25519: ['x25519', false],
      ED448: ['ed448', true], X448: ['x448', false] };
    const kind = pairs[name];
    if (!kind || (kind[0] === 'ec' && !curveOf(alg.namedCurve))) throw notDeterministic(`WebCrypto ${alg.name} key generation`);
    const { publicKey, privateKey } = keyPair(kind[0], { namedCurve: alg.namedCurve });
    const [priv, pub] = await Promise.all([
      importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), alg, extractable,
        kind[1] ? usages.filter((u) => u === 'sign') : usages),
      importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), alg, true,
        kind[1] ? usages.filter((u) => u === 'verify') : []),
    ]);
    return { publicKey: pub, privateKey: priv };
  };
  Object.defineProperty(subtle, 'generateKey', { value: generateKey, configurable: true, writable: true });
}

// ---------------------------------------------------------------------------
// Output capture: console.*, process.stdout and process.stderr become log
// lines, capped at max_log_lines lines / max_log_bytes UTF-8 bytes; lines
// past the cap are counted and reported in one closing line.

class LogSink {
  constructor(maxLines, maxBytes) {
    this.maxLines = maxLines;
    this.maxBytes = maxBytes;
    this.lines = [];
    this.bytes = 0;
    this.dropped = 0;
    this.partial = '';
  }

  write(text) {
    let start = 0;
    for (let nl; (nl = text.indexOf('\n', start)) !== -1; start = nl + 1) {
      this.add(this.partial + text.slice(start, nl));
      this.partial = '';
    }
    // A line too long to keep is only counted: don't let it grow unbounded.
    if (this.partial.length <= this.maxBytes) this.partial += text.slice(start, start + this.maxBytes + 1);
  }

  add(line) {
    const n = Buffer.byteLength(line);
    if (this.lines.length < this.maxLines && this.bytes + n <= this.maxBytes) {
      this.lines.push(line);
      this.bytes += n;
    } else {
      this.dropped++;
    }
  }

  finish() {
    if (this.partial) this.add(this.partial);
    this.partial = '';
    if (this.dropped) {
      this.lines.push(`[${this.dropped} more log lines dropped: limit ${this.maxLines} lines, ${this.maxBytes} bytes]`);
      this.dropped = 0;
    }
    return this.lines;
  }
}

function installCapture() {
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, encoding, callback) {
      if (state.sink) state.sink.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      callback();
    },
  });
  stream.isTTY = false;
  for (const name of ['stdout', 'stderr'])
    Object.defineProperty(process, name, { value: stream, configurable: true, writable: true, enumerable: true });
  globalThis.console = new console.Console({ stdout: stream, stderr: stream, colorMode: false });
}

// ---------------------------------------------------------------------------
// One invocation.

// The request is a sealed memfd (or, for --once, whatever the caller gave):
// read it whole, sized by fstat when it is a file.
function readAll(fd) {
  const size = fs.fstatSync(fd).size;
  if (size > 0) {
    const buf = Buffer.allocUnsafeSlow(size);
    let n = 0;
    for (let k; n < size && (k = fs.readSync(fd, buf, n, size - n, n)) > 0;) n += k;
    return buf.subarray(0, n);
  }
  const chunks = [];
  const buf = Buffer.allocUnsafe(1 << 16);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) chunks.push(Buffer.from(buf.subarray(0, n)));
  return Buffer.concat(chunks);
}

function parseRequest(bytes) {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error('malformed request: no header line');
  return { header: JSON.parse(bytes.subarray(0, nl).toString('utf8')), input: bytes.subarray(nl + 1) };
}

// SPEC §3: valid JSON -> the parsed value; valid UTF-8 -> the string;
// otherwise binary {raw: Buffer, text, size}.
function decodeInput(raw) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    return { raw: Buffer.from(raw), text: raw.toString('utf8'), size: raw.length };
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorMessage(e) {
  if (e instanceof Error) return e.message || e.name || 'Error';
  if (e !== null && typeof e === 'object') return util.inspect(e, { depth: 2, breakLength: Infinity });
  return String(e);
}

// A failure while loading index.js, with its location when V8 gave one (the
// first line of a SyntaxError's stack is "/var/task/index.js:3").
function loadError(e, dir) {
  const where = e instanceof Error && typeof e.stack === 'string' ? e.stack.split('\n', 1)[0] : '';
  const at = where.startsWith(dir + '/') && /:\d+$/.test(where) ? ` (${where.slice(dir.length + 1)})` : '';
  return `Failed to load index.js: ${e instanceof Error ? e.name : 'Error'}: ${errorMessage(e)}${at}`;
}

// The result envelope, SPEC §3. value is serialised before the logs are
// taken, since a toJSON method may still log.
function envelope(value, error, sink, maxBytes) {
  let result = 'null';
  if (error === null) {
    try {
      result = JSON.stringify(value) ?? 'null';
    } catch (e) {
      error = `Result is not JSON-serialisable: ${errorMessage(e)}`;
    }
  }
  const logs = sink.finish();
  const payload = logs.length ? `{"result":${result},"logs":${JSON.stringify(logs)}}` : error === null ? result : 'null';
  const out = `{"payload":${payload},"error":${error === null ? 'null' : JSON.stringify(error)}}`;
  const n = Buffer.byteLength(out);
  return n <= maxBytes ? out : `{"payload":null,"error":${JSON.stringify(`Result too large: ${n} bytes (limit ${maxBytes})`)}}`;
}

function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off, buf.length - off);
}

async function loadHandler(dir) {
  const entry = `${dir}/index.js`;
  try {
    return require(entry).handler;
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return (await import(entry)).handler;
    throw e;
  }
}

// Runs the invocation described by req against the bundle in dir; calls
// done(envelopeText) exactly once.
async function invoke(req, dir, done) {
  const h = req.header;
  state.nowMs = h.timestamp * 1000;
  state.random = new RandomStream(h.seed);
  state.sink = new LogSink(h.max_log_lines, h.max_log_bytes);
  state.finished = false;
  state.finish = (value, error) => {
    if (state.finished) return;
    state.finished = true;
    done(envelope(value, error, state.sink, h.max_result_bytes));
  };
  process.argv = [process.execPath, `${dir}/index.js`];
  const input = decodeInput(req.input);
  let handler;
  try {
    handler = await loadHandler(dir);
  } catch (e) {
    return state.finish(null, loadError(e, dir));
  }
  if (typeof handler !== 'function') return state.finish(null, 'index.js does not export a function named handler');
  try {
    state.finish(await handler(input), null);
  } catch (e) {
    state.finish(null, errorMessage(e));
  }
}

// Ends the process the way a misbehaving function cannot stop: everything a
// function may do to leave early is turned into an error envelope.
function installExits(exitNow) {
  const fail = (message) => () => {
    if (state.finish) state.finish(null, message);
    else fs.writeSync(2, `runner.js: ${message}\n`); // before the invocation began: the performer logs it
    exitNow();
  };
  process.on('uncaughtException', (e) => fail(state.finish ? errorMessage(e) : e && e.stack)());
  process.on('unhandledRejection', (e) => fail(state.finish ? errorMessage(e) : e && e.stack)());
  process.on('beforeExit', () => fail('Handler returned a promise that never settled')());
  process.exit = (code) => fail(`Function called process.exit(${code ?? 0})`)();
}

// ---------------------------------------------------------------------------
// Entry points.

function runOnce() {
  installClock();
  installRandom();
  installCapture();
  const exitNow = () => process.reallyExit(0);
  installExits(exitNow);
  const req = parseRequest(readAll(0));
  invoke(req, req.header.dir, (text) => {
    writeAll(3, text);
    exitNow();
  });
}

// One invocation as a zygote child runs it: request from requestFd, bundle
// in dir, envelope to resultFd; then exit().
function runChild(requestFd, dir, resultFd, exit) {
  return new Promise((resolve) => invoke(parseRequest(readAll(requestFd)), dir, (text) => {
    writeAll(resultFd, text);
    exit();
    resolve();
  }));
}

async function runZygote() {
  const zygote = require(`${__dirname}/perf_zygote.node`);
  installClock();
  installRandom();
  installCapture();
  // Warm-up: a child's whole path, three times, on a bundle like a user's
  // (warmup/), so that what every invocation runs (reading the request,
  // module loading, JSON, console, crypto, writing the result) is compiled
  // once here and inherited by every child instead of compiled in each.
  const request = fs.openSync(`${__dirname}/warmup/request`, 'r');
  const sink = fs.openSync('/dev/null', 'w');
  for (let i = 0; i < 3; i++) {
    await runChild(request, `${__dirname}/warmup`, sink, () => {});
    delete require.cache[`${__dirname}/warmup/index.js`];
  }
  fs.closeSync(request);
  fs.closeSync(sink);
  Object.assign(state, { random: null, sink: null, finish: null });
  installExits(() => zygote.exit(0));

  if (zygote.serve(3, `node ${process.version}`) === 'probe') {
    // The zygote's probe (trusted, not sandboxed): one more warm-up call,
    // after which the zygote knows which memory pages a call writes.
    const [request, sink] = [fs.openSync(`${__dirname}/warmup/request`, 'r'), fs.openSync('/dev/null', 'w')];
    return runChild(request, `${__dirname}/warmup`, sink, () => zygote.probeDone());
  }
  // A sandboxed child, with its job.
  // Closing fd 3 tells the performer the result is complete: it answers
  // without waiting for this process's teardown.
  runChild(0, '/var/task', 3, () => {
    fs.closeSync(3);
    zygote.exit(0);
  });
}

if (process.argv[2] === '--once') {
  runOnce();
} else {
  runZygote().catch((e) => {
    fs.writeSync(2, `runner.js: zygote failed: ${e && e.stack}\n`);
    process.reallyExit(70);
  });
}
