// bn254-tool as its users (devnet scripts, forge ffi) run it: every command,
// the three output forms, exit codes, and one-line errors on bad input.
// Values are cross-checked with @noble/curves, not with the tool itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bn254 } from '@noble/curves/bn254.js';
import { R, check, finish, g1Hex, g2Hex, hex32, keccak, popDigest, randBytes, randScalar } from './lib.mjs';

const tool = path.join(process.env.FAAS_BIN_DIR || 'bin', 'bn254-tool');
const run = (args, env = {}) => {
  const r = spawnSync(tool, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const G1 = bn254.G1.Point, G2 = bn254.G2.Point;
const strip = (h) => h.replace(/^0x/, '');

// keygen --seed: the seed as an integer mod r; text, --json and --abi agree.
const seed = randScalar();
const keyText = run(['keygen', '--seed', hex32(seed)]);
check(keyText.code === 0, `keygen exit ${keyText.code}: ${keyText.err}`);
const fields = Object.fromEntries(keyText.out.trim().split('\n').map((l) => l.split(' ')));
check(strip(fields.sk) === hex32(seed), 'keygen sk = seed');
check(strip(fields.pk_g1) === g1Hex(G1.BASE.multiply(seed)), 'keygen pk_g1 = seed * G1 (noble)');
check(strip(fields.pk_g2) === g2Hex(G2.BASE.multiply(seed)), 'keygen pk_g2 = seed * G2 (noble)');
const keyJson = JSON.parse(run(['keygen', '--seed', hex32(seed), '--json']).out);
check(keyJson.sk === fields.sk && keyJson.pk_g1 === fields.pk_g1 && keyJson.pk_g2 === fields.pk_g2, 'keygen --json');
const keyAbi = run(['keygen', '--seed', hex32(seed), '--abi']).out.trim();
check(keyAbi === '0x' + strip(fields.sk) + strip(fields.pk_g1) + strip(fields.pk_g2), 'keygen --abi = abi.encode(sk, G1Point, G2Point)');
const big = run(['keygen', '--seed', 'ff'.repeat(32), '--json']);
check(big.code === 0 && JSON.parse(big.out).sk === '0x' + hex32(((1n << 256n) - 1n) % R), 'keygen seed reduced mod r');
const lab = JSON.parse(run(['keygen', '--label', 'faas-avs devnet operator bn254 0', '--json']).out);
check(lab.sk === '0x' + hex32(BigInt('0x' + keccak(Buffer.from('faas-avs devnet operator bn254 0')).toString('hex')) % R),
  'keygen --label = keccak256(label) mod r');
const fresh = [run(['keygen', '--json']), run(['keygen', '--json'])].map((r) => JSON.parse(r.out).sk);
check(fresh[0] !== fresh[1] && BigInt(fresh[0]) < R && BigInt(fresh[0]) > 0n, 'keygen from the OS: valid, distinct');

// pubkey / sign / verify with the key from the environment
const sk = fields.sk, env = { BN254_TEST_SK: sk };
const pub = run(['pubkey', '--key-env', 'BN254_TEST_SK', '--json'], env);
check(JSON.parse(pub.out).pk_g2 === fields.pk_g2 && !('sk' in JSON.parse(pub.out)), 'pubkey --key-env (no secret printed)');
const pubEnv = run(['pubkey', '--key', sk, '--key-env', 'BN254_TEST_SK'], env);
check(pubEnv.code === 2, 'pubkey refuses --key together with --key-env');
const digest = randBytes(32).toString('hex');
const sig = run(['sign', '--key-env', 'BN254_TEST_SK', '--digest', digest, '--abi'], env);
check(sig.code === 0, `sign exit ${sig.code} ${sig.err}`);
const h = strip(run(['hash-to-g1', '--digest', digest, '--abi']).out.trim());
const hp = G1.fromAffine({ x: BigInt('0x' + h.slice(0, 64)), y: BigInt('0x' + h.slice(64)) });
check(strip(sig.out.trim()) === g1Hex(hp.multiply(seed)), 'sign = sk * hashToG1(digest) (noble)');
const vargs = ['verify', '--digest', digest, '--sig', sig.out.trim(), '--pk-g1', fields.pk_g1, '--pk-g2', fields.pk_g2];
const good = run(vargs);
check(good.code === 0 && good.out.trim() === 'valid', `verify valid: ${good.code} ${good.out}`);
const other = randBytes(32).toString('hex');
const bad = run(['verify', '--digest', other, ...vargs.slice(3)]);
check(bad.code === 1 && bad.out.trim() === 'invalid', 'verify other digest: exit 1, "invalid"');

// aggregation: two signers' sum verifies against the summed keys
const seed2 = randScalar();
const k2 = JSON.parse(run(['keygen', '--seed', hex32(seed2), '--json']).out);
const sig2 = run(['sign', '--key', k2.sk, '--digest', digest, '--abi']).out.trim();
const agg = (kind, ...pts) => strip(run([kind, ...pts, '--abi']).out.trim());
const asig = agg('aggregate-g1', sig.out.trim(), sig2), a1 = agg('aggregate-g1', fields.pk_g1, k2.pk_g1);
const a2 = agg('aggregate-g2', fields.pk_g2, k2.pk_g2);
check(a2 === g2Hex(G2.BASE.multiply((seed + seed2) % R)), 'aggregate-g2 (noble)');
check(run(['verify', '--digest', digest, '--sig', asig, '--pk-g1', a1, '--pk-g2', a2]).code === 0, 'aggregate verifies');

// proof of possession: OperatorRegistry's EIP-712 digest (recomputed in JS),
// the --abi layout of the contract tests' ffi, and the proof verifies
const reg = randBytes(20).toString('hex'), op = randBytes(20).toString('hex'), avs = randBytes(20).toString('hex');
const popArgs = ['--chain-id', '31337', '--registry', '0x' + reg, '--operator', op, '--avs', avs, '--operator-set-id', '3'];
const pd = strip(run(['pop-digest', ...popArgs, '--pk-g1', fields.pk_g1, '--pk-g2', fields.pk_g2, '--abi']).out.trim());
check(pd === popDigest(31337n, reg, op, avs, 3n, strip(fields.pk_g1), strip(fields.pk_g2)), 'pop-digest = EIP-712 digest (JS)');
const pop = JSON.parse(run(['pop', '--key', sk, ...popArgs, '--json']).out);
check(strip(pop.digest) === pd && pop.pk_g1 === fields.pk_g1 && pop.pk_g2 === fields.pk_g2, 'pop: digest and keys');
const popAbi = strip(run(['pop', '--key', sk, ...popArgs, '--abi']).out.trim());
check(popAbi === pd + strip(fields.pk_g1) + strip(fields.pk_g2) + strip(pop.pop), 'pop --abi = abi.encode(digest, g1, g2, pop)');
const pop2 = JSON.parse(run(['pop', '--key', sk, '--message-digest', pd, '--json']).out);
check(pop2.pop === pop.pop, 'pop --message-digest');
check(run(['verify', '--digest', pd, '--sig', pop.pop, '--pk-g1', fields.pk_g1, '--pk-g2', fields.pk_g2]).code === 0, 'pop verifies');

// keystores: create with a password from a file / the environment, decrypt
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bn254-tool-'));
try {
  const pwFile = path.join(dir, 'pw'), ks = path.join(dir, 'key.json');
  fs.writeFileSync(pwFile, 'correct horse\n');
  const created = run(['keystore-create', '--key', sk, '--password-file', pwFile, '--kdf', 'pbkdf2', '--out', ks]);
  check(created.code === 0 && fs.existsSync(ks), `keystore-create: ${created.err}`);
  const doc = JSON.parse(fs.readFileSync(ks, 'utf8'));
  check(doc.curveType === 'bn254' && doc.version === 4 && doc.crypto.kdf.function === 'pbkdf2', 'keystore fields');
  check(doc.pubkey === strip(fields.pk_g2), 'keystore pubkey = G2 key');
  const dec = run(['keystore-decrypt', '--keystore', ks, '--password-env', 'PW', '--json'], { PW: 'correct horse' });
  check(dec.code === 0 && JSON.parse(dec.out).sk === sk, `keystore-decrypt: ${dec.err}`);
  const wrong = run(['keystore-decrypt', '--keystore', ks, '--password-env', 'PW'], { PW: 'wrong' });
  check(wrong.code === 1 && /wrong keystore password/.test(wrong.err) && wrong.out === '', 'wrong password: one line, exit 1');
  const again = run(['keystore-create', '--key', sk, '--password-file', pwFile, '--out', ks]);
  check(again.code === 1 && /must not exist/.test(again.err), 'keystore-create never overwrites');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

// bad input: one line on stderr, exit 1 (bad values) or 2 (usage)
const errs = [
  [['sign', '--key', '00'.repeat(32), '--digest', digest], 1, /secret key must be in \[1, r\)/],
  [['sign', '--key', hex32(R), '--digest', digest], 1, /secret key/],
  [['sign', '--key', 'zz', '--digest', digest], 1, /32 bytes of hex/],
  [['sign', '--key', sk, '--digest', '12'], 2, /--digest must be 32 bytes/],
  [['verify', '--digest', digest, '--sig', hex32(1n) + hex32(3n), '--pk-g1', fields.pk_g1, '--pk-g2', fields.pk_g2], 1, /not on the curve/],
  [['pubkey'], 2, /exactly one of --key or --key-env/],
  [['pubkey', '--key-env', 'NOPE_NOT_SET'], 1, /NOPE_NOT_SET is not set/],
  [['frobnicate'], 2, /unknown command/],
  [['keygen', '--bogus', '1'], 2, /unknown option --bogus/],
  [['pop-digest', ...popArgs.slice(0, 1), '-1', ...popArgs.slice(2), '--pk-g1', fields.pk_g1, '--pk-g2', fields.pk_g2], 1, /chain-id/],
  [['pop', '--key', sk, ...popArgs.slice(0, -1), '4294967296'], 1, /operator-set-id/],
  [['keystore-decrypt', '--keystore', '/nonexistent/k.json', '--password-env', 'PW'], 1, /cannot read keystore/],
];
for (const [args, code, re] of errs) {
  const r = run(args, { PW: 'x' });
  const lines = r.err.trim().split('\n');
  check(r.code === code && re.test(r.err) && lines.length <= 2, `${args.join(' ').slice(0, 60)}: exit ${r.code}, ${r.err.trim()}`);
}
check(run(['help']).code === 0 && /keystore-create/.test(run(['help']).out), 'help');
finish('tool_check');
