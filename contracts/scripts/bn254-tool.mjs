#!/usr/bin/env node
// BN254 operator-key tool for the contract tests and the deploy step (noble-based,
// deterministic). Until our C tool (bin/bn254-tool) lands, the devnet can use it.
//
//   node bn254-tool.mjs keys <count> [label] [socketBase]
//       JSON operator file for script/Deploy.s.sol on stdout:
//       {"operators":[{"address","ecdsaPrivateKey","bn254PrivateKey","g1":[X,Y],
//                      "g2":[X.c1,X.c0,Y.c1,Y.c0],"socket","weight"}]}
//       keys derive from keccak256("<label> ecdsa|bn254 <i>"); socket = socketBase with
//       its port + i (default 127.0.0.1:9100); weight = 100 for every operator.
//   node bn254-tool.mjs pop <chainId> <registry> <operator> <avs> <operatorSetId> <bn254Sk>
//       0x-hex of abi.encode(bytes32 digest, uint256[2] g1, uint256[4] g2, uint256[2] pop):
//       the OperatorRegistry proof of possession, computed independently of the contract.
import {
  hex, g1Of, g2Of, g1Hex, g2Hex, sign, keyData, registrationDigest,
  secretFromLabel, ecdsaSecretFromLabel, addressOf, checksumAddress,
} from './bn254-lib.mjs';

function die(msg) {
  process.stderr.write(`bn254-tool: ${msg}\n`);
  process.exit(2);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'keys') {
  const count = Number(args[0]);
  if (!Number.isInteger(count) || count < 1 || count > 1000) die('keys: <count> must be 1..1000');
  const label = args[1] ?? 'faas-avs devnet operator';
  const [host, portStr] = (args[2] ?? '127.0.0.1:9100').split(/:(?=\d+$)/);
  const port = Number(portStr);
  if (!host || !Number.isInteger(port)) die('keys: socketBase must be host:port');
  const operators = [];
  for (let i = 0; i < count; i++) {
    const ecdsa = ecdsaSecretFromLabel(`${label} ecdsa ${i}`);
    const sk = secretFromLabel(`${label} bn254 ${i}`);
    operators.push({
      address: checksumAddress(addressOf(ecdsa)),
      ecdsaPrivateKey: hex(ecdsa),
      bn254PrivateKey: hex(sk),
      g1: g1Hex(g1Of(sk)),
      g2: g2Hex(g2Of(sk)),
      socket: `${host}:${port + i}`,
      weight: 100,
    });
  }
  process.stdout.write(JSON.stringify({ operators }, null, 2) + '\n');
} else if (cmd === 'pop') {
  if (args.length !== 6) die('pop: <chainId> <registry> <operator> <avs> <operatorSetId> <bn254Sk>');
  const [chainId, registry, operator, avs, setId, skHex] = args;
  const sk = BigInt(skHex);
  const g1 = g1Of(sk);
  const g2 = g2Of(sk);
  const digest = registrationDigest(chainId, registry, operator, avs, setId, keyData(g1, g2));
  const pop = sign(sk, digest);
  const words = [hex(digest), ...g1Hex(g1), ...g2Hex(g2), ...g1Hex(pop)];
  process.stdout.write('0x' + words.map((w) => w.slice(2)).join(''));
} else {
  die('usage: bn254-tool.mjs keys <count> [label] [socketBase] | pop <chainId> <registry> <operator> <avs> <setId> <sk>');
}
