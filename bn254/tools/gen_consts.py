#!/usr/bin/env python3
"""Derives every constant of the BN254 (alt_bn128) library from the curve
parameter u and writes bn254/src/consts.h.

    python3 bn254/tools/gen_consts.py > bn254/src/consts.h

Everything is recomputed from first principles (u, the tower Fp2 = Fp[i]/(i^2+1),
Fp6 = Fp2[v]/(v^3 - xi), xi = 9 + i, Fp12 = Fp6[w]/(w^2 - v), and the curves
y^2 = x^3 + 3 and y^2 = x^3 + 3/xi) and asserted here; the C test suite
re-derives the tables at run time (tests/internal_field.c), and ctest checks
that this script still prints the committed header.
"""

U = 4965661367192848881                      # BN parameter of alt_bn128 (EIP-197)
P = 36 * U**4 + 36 * U**3 + 24 * U**2 + 6 * U + 1
R = 36 * U**4 + 36 * U**3 + 18 * U**2 + 6 * U + 1
assert P == 21888242871839275222246405745257275088696311157297823662689037894645226208583
assert R == 21888242871839275222246405745257275088548364400416034343698204186575808495617
MONT = 1 << 256


# --- Fp2 = Fp[i]/(i^2 + 1) as pairs (c0, c1) ----------------------------------
def f2mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def f2pow(a, e):
    r = (1, 0)
    while e:
        if e & 1:
            r = f2mul(r, a)
        a = f2mul(a, a)
        e >>= 1
    return r


def f2inv(a):
    n = pow(a[0] * a[0] + a[1] * a[1], P - 2, P)
    return (a[0] * n % P, (-a[1]) * n % P)


XI = (9, 1)
TWIST_B = f2mul((3, 0), f2inv(XI))           # b' = 3/xi (D-type twist)


# --- affine point arithmetic, generic over Fp (ints) or Fp2 (pairs) -----------
def ec_ops(mul, add, sub, inv, zero):
    def dbl_or_add(p1, p2):
        if p1 is None:
            return p2
        if p2 is None:
            return p1
        (x1, y1), (x2, y2) = p1, p2
        if x1 == x2:
            if add(y1, y2) == zero:
                return None
            lam = mul(mul(add(add(x1, x1), x1), x1), inv(add(y1, y1)))
        else:
            lam = mul(sub(y2, y1), inv(sub(x2, x1)))
        x3 = sub(sub(mul(lam, lam), x1), x2)
        return (x3, sub(mul(lam, sub(x1, x3)), y1))

    def smul(k, pt):
        acc = None
        while k:
            if k & 1:
                acc = dbl_or_add(acc, pt)
            pt = dbl_or_add(pt, pt)
            k >>= 1
        return acc
    return dbl_or_add, smul


g1_add, g1_mul = ec_ops(lambda a, b: a * b % P, lambda a, b: (a + b) % P,
                        lambda a, b: (a - b) % P, lambda a: pow(a, P - 2, P), 0)
g2_add, g2_mul = ec_ops(f2mul, lambda a, b: ((a[0] + b[0]) % P, (a[1] + b[1]) % P),
                        lambda a, b: ((a[0] - b[0]) % P, (a[1] - b[1]) % P), f2inv, (0, 0))

G1 = (1, 2)
G2 = ((10857046999023057135944570762232829481370756359578518086990519993285655852781,
       11559732032986387107991004021392285783925812861821192530917403151452391805634),
      (8495653923123431417604973247489272438418190587263600148770280649306958101930,
       4082367875863433681332203403145435568316851327593401208105741076214120093531))
assert f2mul(G2[1], G2[1]) == tuple((a + b) % P for a, b in zip(f2mul(f2mul(G2[0], G2[0]), G2[0]), TWIST_B))
assert g2_mul(R, G2) is None and g1_mul(R, G1) is None

# --- Frobenius coefficients: gamma_{k,j} = xi^(j (p^k - 1) / 6) ---------------
GAMMA = {k: [f2pow(XI, j * (P**k - 1) // 6) for j in range(1, 6)] for k in (1, 2, 3)}
for j in range(5):                            # p^2 coefficients lie in Fp
    assert GAMMA[2][j][1] == 0

# psi = untwist-Frobenius-twist on E'(Fp2): (x, y) -> (conj(x) g12, conj(y) g13).
PSI_X, PSI_Y = GAMMA[1][1], GAMMA[1][2]
PSI2_X, PSI2_Y = GAMMA[2][1], GAMMA[2][2]     # psi^2: (x g22, y g23), g23 = -1


def psi(pt):
    (x, y) = pt
    return (f2mul((x[0], -x[1] % P), PSI_X), f2mul((y[0], -y[1] % P), PSI_Y))


# psi acts on G2 as multiplication by p = 6u^2 (mod r): the membership test of
# El Housni-Guillevic-Piellard (eprint 2022/352, BN case).
assert psi(G2) == g2_mul(6 * U * U, G2) and (P - 6 * U * U) % R == 0
assert PSI2_Y == (P - 1, 0)

# --- GLV on G1 (and on G2, where (x, y) -> (beta x, y) is also an endomorphism)
BETA = next(b for b in (pow(g, (P - 1) // 3, P) for g in range(2, 50)) if b != 1)  # a cube root of 1
if g1_mul(0xb3c4d79d41a917585bfc41088d8daaa78b17ea66b99c90dd, G1) != (BETA, 2):
    BETA = BETA * BETA % P
LAMBDA = 0xb3c4d79d41a917585bfc41088d8daaa78b17ea66b99c90dd
assert (LAMBDA * LAMBDA + LAMBDA + 1) % R == 0
assert g1_mul(LAMBDA, G1) == (BETA, 2)
# On G2 the same map (x, y) -> (beta' x, y) is an endomorphism; pick the cube
# root beta' for which it is again multiplication by lambda.
BETA_G2 = BETA if g2_mul(LAMBDA, G2) == (f2mul(G2[0], (BETA, 0)), G2[1]) else BETA * BETA % P
assert g2_mul(LAMBDA, G2) == (f2mul(G2[0], (BETA_G2, 0)), G2[1])

# Short lattice basis of {(a, b) : a + b lambda = 0 mod r} (Gallant-Lambert-
# Vanstone 2001, via the extended Euclid sequence): v1 = (2u+1, -(6u^2+2u)),
# v2 = (6u^2+4u+1, 2u+1), determinant r. Babai rounding with the precomputed
# g_i = floor(2^256 b_i / r) gives |k1|, |k2| < 2^127 for k < r.
A1, B1 = 2 * U + 1, -(6 * U * U + 2 * U)
A2, B2 = 6 * U * U + 4 * U + 1, 2 * U + 1
assert A1 * B2 - A2 * B1 == R
for a, b in ((A1, B1), (A2, B2)):
    assert (a + b * LAMBDA) % R == 0
GLV_G1 = (B2 << 256) // R
GLV_G2 = ((-B1) << 256) // R

# 4-dimensional GLS on G2 (Galbraith, Lin, Scott, "Endomorphisms for faster
# elliptic curve cryptography on a large class of curves", J. Cryptology 2011;
# Galbraith, Scott, eprint 2008/117, Sec. 7): psi acts as lambda = p = 6u^2 mod
# r, so k = k0 + k1 lambda + k2 lambda^2 + k3 lambda^3. An LLL-reduced basis of
# {(a0..a3): sum a_i lambda^i = 0 mod r} (determinant r) in terms of u:
GLS_LAMBDA = 6 * U * U
GLS_B = [(2 * U + 1, 0, 2 * U, 1), (2 * U, U + 1, -U, U), (U + 1, U, U, -2 * U), (2 * U + 1, -U, -(U + 1), -U)]
for b in GLS_B:
    assert sum(bi * pow(GLS_LAMBDA, i, R) for i, bi in enumerate(b)) % R == 0


def gls_babai():
    """First row of B^-1 is (N_0..N_3)/r; returns N (all positive here)."""
    from fractions import Fraction
    a = [[Fraction(x) for x in row] + [Fraction(int(i == j)) for j in range(4)] for i, row in enumerate(GLS_B)]
    for c in range(4):
        piv = next(k for k in range(c, 4) if a[k][c] != 0)
        a[c], a[piv] = a[piv], a[c]
        a[c] = [x / a[c][c] for x in a[c]]
        for k in range(4):
            if k != c:
                a[k] = [x - a[k][c] * y for x, y in zip(a[k], a[c])]
    n = [a[0][4 + j] * R for j in range(4)]
    assert all(x.denominator == 1 and x > 0 for x in n)
    return [int(x) for x in n]


# Babai rounding c_j = round(k N_j / r) with G_j = floor(2^320 N_j / r): the
# error is below k/2^320, so |k_i| <= (1/2 + 2^-66) sum_j |B_ji| < 0.95 * 2^64.
GLS_N = gls_babai()
GLS_G = [(n << 320) // R for n in GLS_N]
assert all(sum(abs(GLS_B[j][i]) for j in range(4)) * (0.5 + 2**-60) < 2**64 for i in range(4))


# --- ate loop: 6u + 2 in non-adjacent form, most significant digit first ------


def naf(k):
    digits = []
    while k:
        d = (2 - k % 4) if k & 1 else 0
        digits.append(d)
        k = (k - d) // 2
    return digits[::-1]


ATE_NAF = naf(6 * U + 2)


def wnaf(k, w):
    """Width-w NAF, most significant digit first: odd digits |d| < 2^(w-1)."""
    digits = []
    while k:
        d = 0
        if k & 1:
            d = k % (1 << w)
            if d >= 1 << (w - 1):
                d -= 1 << w
        digits.append(d)
        k = (k - d) // 2
    return digits[::-1]


# u in width-4 NAF: 13 non-zero digits after the first, against 23 in plain NAF
# (the final exponentiation raises to u three times).
U_WNAF4 = wnaf(U, 4)
assert sum(d * 2**i for i, d in enumerate(U_WNAF4[::-1])) == U
assert sum(d * 2**i for i, d in enumerate(ATE_NAF[::-1])) == 6 * U + 2
U_NAF = naf(U)


# --- output --------------------------------------------------------------------
def limbs(x):
    return [(x >> (64 * i)) & (2**64 - 1) for i in range(4)]


def c_limbs(x):
    return "{{" + ", ".join("0x%016xULL" % l for l in limbs(x)) + "}}"


def mont(x):
    return x * MONT % P


def fp(name, x, comment):
    print("/* %s */" % comment)
    print("static const fp %s = %s;" % (name, c_limbs(mont(x))))


def fp2(name, x, comment):
    print("/* %s */" % comment)
    print("static const fp2 %s = {%s, %s};" % (name, c_limbs(mont(x[0])), c_limbs(mont(x[1]))))


def raw(name, x, comment):
    print("/* %s */" % comment)
    print("static const uint64_t %s[4] = %s;" % (name, c_limbs(x)[1:-1]))


def main():
    print("/* consts.h - constants of BN254 (alt_bn128), derived from u = 0x%x." % U)
    print(" * GENERATED by bn254/tools/gen_consts.py (which asserts each identity);")
    print(" * do not edit. Field constants are in Montgomery form (times 2^256 mod p),")
    print(" * limbs least significant first. tests/internal_field.c re-derives them at run time. */")
    print("#ifndef BN254_CONSTS_H\n#define BN254_CONSTS_H\n")
    for name, m, what in (("P_LIMBS", P, "p = 36u^4 + 36u^3 + 24u^2 + 6u + 1"),
                          ("R_LIMBS", R, "r = 36u^4 + 36u^3 + 18u^2 + 6u + 1, the order of G1, G2, GT")):
        n0 = (-pow(m, -1, 2**64)) % 2**64
        print("/* %s; then n0 = -m^-1 mod 2^64 (Montgomery reduction) */" % what)
        print("static const uint64_t %s[5] = {%s, 0x%016xULL};" % (name, c_limbs(m)[2:-2], n0))
    raw("P_R2", MONT * MONT % P, "2^512 mod p: to Montgomery form")
    raw("R_R2", MONT * MONT % R, "2^512 mod r")
    raw("R_ONE", MONT % R, "2^256 mod r: 1 in Montgomery form mod r")
    print("/* p^2 as 8 limbs: added to a negative double-width difference */")
    print("static const uint64_t P_SQ[8] = {%s};" % ", ".join("0x%016xULL" % ((P * P >> (64 * i)) & (2**64 - 1)) for i in range(8)))
    raw("P_MINUS_2", P - 2, "p - 2: Fermat inversion exponent")
    raw("P_PLUS1_DIV4", (P + 1) // 4, "(p + 1)/4: square root exponent (p = 3 mod 4), EigenLayer's")
    raw("P_MINUS3_DIV4", (P - 3) // 4, "(p - 3)/4: Fp2 square root (Adj, Rodriguez-Henriquez 2012, Alg. 9)")
    raw("P_MINUS1_DIV2", (P - 1) // 2, "(p - 1)/2")
    raw("R_MINUS_2", R - 2, "r - 2: Fermat inversion mod r")
    fp("FP_ONE", 1, "1")
    one = c_limbs(mont(1))
    print("static const fp2 FP2_ONE = {.c0 = %s};" % one)
    print("static const fp12 FP12_ONE = {.c0 = {.c0 = {.c0 = %s}}};" % one)
    fp("FP_B", 3, "b of E: y^2 = x^3 + 3")
    fp("FP_B3", 9, "3b (Renes-Costello-Batina formulas)")
    fp("FP_BETA", BETA, "beta: cube root of 1; (beta x, y) = [lambda](x, y) on G1")
    fp("FP_BETA_G2", BETA_G2, "cube root of 1 with (beta x, y) = [lambda](x, y) on G2")
    fp("FP_HALF", (P + 1) // 2, "1/2")
    fp2("G2_GEN_X", G2[0], "EIP-197's G2 generator x")
    fp2("G2_GEN_Y", G2[1], "EIP-197's G2 generator y")
    fp2("FP2_XI", XI, "xi = 9 + i, the sextic non-residue")
    fp2("FP2_TWIST_B", TWIST_B, "b' = 3/xi of the D-type twist E': y^2 = x^3 + b'")
    fp2("FP2_TWIST_B3", tuple(3 * c % P for c in TWIST_B), "3b'")
    for k in (1, 2, 3):
        print("/* gamma_{%d,j} = xi^(j (p^%d - 1)/6), j = 1..5 (Frobenius^%d on Fp12)%s */" %
              (k, k, k, "; in Fp" if k == 2 else ""))
        print("static const %s FROB%d[5] = {" % ("fp" if k == 2 else "fp2", k))
        for g in GAMMA[k]:
            if k == 2:
                print("    %s," % c_limbs(mont(g[0])))
            else:
                print("    {%s, %s}," % (c_limbs(mont(g[0])), c_limbs(mont(g[1]))))
        print("};")
    fp2("PSI_X", PSI_X, "psi(x, y) = (conj(x) PSI_X, conj(y) PSI_Y): PSI_X = gamma_{1,2}")
    fp2("PSI_Y", PSI_Y, "PSI_Y = gamma_{1,3}")
    fp("PSI2_X", PSI2_X[0], "psi^2(x, y) = (x PSI2_X, -y) (gamma_{2,2}; gamma_{2,3} = -1)")
    raw("GLV_LAMBDA", LAMBDA, "lambda: lambda^2 + lambda + 1 = 0 mod r")
    print("/* GLV basis (see gen_consts.py): v1 = (2u+1, -(6u^2+2u)), v2 = (6u^2+4u+1, 2u+1) */")
    raw("GLV_A1", A1, "2u + 1 (= b2)")
    raw("GLV_MB1", -B1, "6u^2 + 2u (= -b1)")
    raw("GLV_A2", A2, "6u^2 + 4u + 1")
    raw("GLV_G1", GLV_G1, "floor(2^256 b2 / r)")
    raw("GLV_G2", GLV_G2, "floor(2^256 (-b1) / r)")
    print("/* GLS basis of G2 (gen_consts.py): magnitudes, and the negative entries */")
    print("static const uint64_t GLS_B_ABS[4][4] = {%s};" % ", ".join(
        "{%s}" % ", ".join("0x%016xULL" % abs(x) for x in row) for row in GLS_B))
    print("static const uint8_t GLS_B_NEG[4][4] = {%s};" % ", ".join(
        "{%s}" % ", ".join(str(int(x < 0)) for x in row) for row in GLS_B))
    print("/* floor(2^320 N_j / r), (N_0..N_3)/r the first row of the basis' inverse */")
    print("static const uint64_t GLS_G[4][4] = {%s};" % ", ".join(c_limbs(g)[1:-1] for g in GLS_G))
    print("#define BN_U 0x%016xULL" % U)
    print("#define BN_U_BITS %d" % U.bit_length())
    print("/* 6u + 2 in NAF, most significant digit first (%d digits, %d non-zero) */" %
          (len(ATE_NAF), sum(1 for d in ATE_NAF if d)))
    print("static const int8_t ATE_NAF[%d] = {%s};" % (len(ATE_NAF), ", ".join(str(d) for d in ATE_NAF)))
    print("/* lines of one Miller loop: a tangent per digit after the first, a chord per")
    print(" * non-zero digit after the first, two closing lines */")
    print("#define ATE_LINES %d" % (len(ATE_NAF) - 1 + sum(1 for d in ATE_NAF[1:] if d) + 2))
    print("/* u in NAF, most significant digit first (%d digits, %d non-zero) */" %
          (len(U_NAF), sum(1 for d in U_NAF if d)))
    print("static const int8_t U_NAF[%d] = {%s};" % (len(U_NAF), ", ".join(str(d) for d in U_NAF)))
    print("/* u in width-4 NAF, most significant digit first (%d digits, %d non-zero) */" %
          (len(U_WNAF4), sum(1 for d in U_WNAF4 if d)))
    print("static const int8_t U_WNAF4[%d] = {%s};" % (len(U_WNAF4), ", ".join(str(d) for d in U_WNAF4)))
    print("\n#endif")


if __name__ == "__main__":
    main()
