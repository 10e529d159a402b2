/* g2_impl.h - what only G2 has: the endomorphism psi, the subgroup test built
 * on it, and the 4-dimensional GLS scalar multiplication used for secrets. */
#ifndef BN254_G2_IMPL_H
#define BN254_G2_IMPL_H

/* psi = untwist-Frobenius-twist (Galbraith, Scott, eprint 2008/117):
 * psi(x, y) = (conj(x) gamma_{1,2}, conj(y) gamma_{1,3}); it acts on G2 as
 * multiplication by p = 6u^2 (mod r). The same formula holds in Jacobian and
 * homogeneous projective coordinates, conjugating Z too (gamma's are
 * constants and conjugation commutes with products). */
static void g2_aff_psi(bn254_g2 *r, const bn254_g2 *q)
{
    fp2_conj(&r->x, &q->x);
    fp2_mul(&r->x, &r->x, &PSI_X);
    fp2_conj(&r->y, &q->y);
    fp2_mul(&r->y, &r->y, &PSI_Y);
}

/* -psi^2(Q) = (x gamma_{2,2}, y) (gamma_{2,3} = -1). */
static void g2_aff_neg_psi2(bn254_g2 *r, const bn254_g2 *q)
{
    fp2_mul_fp(&r->x, &q->x, &PSI2_X);
    r->y = q->y;
}

static void g2_jac_psi(bn254_g2_jac *r, const bn254_g2_jac *a)
{
    fp2_conj(&r->x, &a->x);
    fp2_mul(&r->x, &r->x, &PSI_X);
    fp2_conj(&r->y, &a->y);
    fp2_mul(&r->y, &r->y, &PSI_Y);
    fp2_conj(&r->z, &a->z);
}

static void g2_proj_psi(g2_proj *r, const g2_proj *a)
{
    fp2_conj(&r->x, &a->x);
    fp2_mul(&r->x, &r->x, &PSI_X);
    fp2_conj(&r->y, &a->y);
    fp2_mul(&r->y, &r->y, &PSI_Y);
    fp2_conj(&r->z, &a->z);
}

/* Dai, Lin, Zhao, Zhou, "Fast subgroup membership testings for G1, G2 and GT
 * on pairing-friendly curves" (eprint 2022/348), BN case: for u != 4 mod 13
 * and u != 92 mod 97 (true for alt_bn128: u = 0 mod 13, 49 mod 97), a point Q
 * of E'(Fp2) is in G2 iff [u+1]Q + psi([u]Q) + psi^2([u]Q) = psi^3([2u]Q).
 * Variable time (Q is public). */
static int g2_in_subgroup(const bn254_g2 *a)
{
    bn254_g2_jac xq, lhs, rhs, t;
    bn254_g2 na;
    if (g2_aff_is_inf(a)) return 1;
    g2_aff_neg(&na, a);
    g2_jac_from_aff(&xq, a);
    for (size_t i = 1; i < sizeof U_NAF; i++) {
        g2_jac_dbl(&xq, &xq);
        if (U_NAF[i] > 0) g2_jac_add_aff_var(&xq, &xq, a);
        else if (U_NAF[i] < 0) g2_jac_add_aff_var(&xq, &xq, &na);
    }
    g2_jac_add_aff_var(&lhs, &xq, a);
    g2_jac_psi(&t, &xq);
    g2_jac_add_var(&lhs, &lhs, &t);
    g2_jac_psi(&t, &t);
    g2_jac_add_var(&lhs, &lhs, &t);
    g2_jac_dbl(&rhs, &xq);
    for (int i = 0; i < 3; i++) g2_jac_psi(&rhs, &rhs);
    return (int)g2_jac_eq(&lhs, &rhs);
}

/* k = sum_i (+-k_i) lambda^i (mod r), |k_i| < 2^64, lambda = 6u^2. */
struct gls_split {
    uint64_t k[4];
    uint64_t neg[4];
};

/* Babai rounding against the basis GLS_B of gen_consts.py, constant time:
 * c_j = round(k N_j / r) = (k G_j + 2^319) >> 320 (< 2^189, three limbs), then
 * k_i = [i = 0] k - sum_j c_j B_ji in 256-bit two's complement, of which only
 * the sign and the low limb matter (|k_i| < 2^64). The signs of B_ji are
 * constants, so the branches on them are not secret-dependent. */
static void gls_split(struct gls_split *s, const uint64_t k[4])
{
    uint64_t c[4][4], w[8];
    for (int j = 0; j < 4; j++) {
        uint64_t carry = 0;
        mul_wide(w, k, GLS_G[j]);
        w[4] = adc(w[4], 1ULL << 63, &carry);
        for (int i = 5; i < 8; i++) w[i] = adc(w[i], 0, &carry);
        c[j][0] = w[5];
        c[j][1] = w[6];
        c[j][2] = w[7];
        c[j][3] = 0;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t t[4] = {0, 0, 0, 0};
        if (i == 0) memcpy(t, k, sizeof t);
        for (int j = 0; j < 4; j++) {
            uint64_t prod[4], carry = 0, borrow = 0;
            for (int l = 0; l < 4; l++) prod[l] = mac(0, c[j][l], GLS_B_ABS[j][i], &carry);
            if (GLS_B_NEG[j][i]) for (int l = 0; l < 4; l++) t[l] = adc(t[l], prod[l], &borrow);
            else for (int l = 0; l < 4; l++) t[l] = sbb(t[l], prod[l], &borrow);
        }
        uint64_t neg = t[3] >> 63, mask = 0 - neg;
        s->neg[i] = neg;
        s->k[i] = (t[0] ^ mask) + neg;
    }
    wipe(c, sizeof c);
    wipe(w, sizeof w);
}

/* [k]a for a secret k < r in G2, constant time in k and a: the GLS split, then
 * 4-bit fixed windows over the four 64-bit parts at once (tables i (+-psi^j(a))
 * with constant-time lookups) and the complete formulas of ec_impl.h. Half the
 * doublings of the two-dimensional GLV method. */
static void g2_mul_gls(bn254_g2 *r, const bn254_g2 *a, const uint64_t k[4])
{
    struct gls_split s;
    g2_proj t[4][16], acc, e;
    uint64_t inf = g2_aff_is_inf(a);
    gls_split(&s, k);
    memset(&t[0][0], 0, sizeof t[0][0]);
    t[0][0].y = FP2_ONE;
    t[0][1].x = a->x;
    t[0][1].y = a->y;
    t[0][1].z = FP2_ONE;
    g2_proj_cmov(&t[0][1], &t[0][0], inf);
    for (int j = 2; j < 16; j++) g2_proj_add(&t[0][j], &t[0][j - 1], &t[0][1]);
    for (int i = 1; i < 4; i++)
        for (int j = 0; j < 16; j++) g2_proj_psi(&t[i][j], &t[i - 1][j]);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 16; j++) g2_proj_cneg(&t[i][j], s.neg[i]);
    acc = t[0][0];
    for (int w = 15; w >= 0; w--) {
        if (w != 15)
            for (int d = 0; d < 4; d++) g2_proj_dbl(&acc, &acc);
        for (int i = 0; i < 4; i++) {
            g2_proj_lookup(&e, t[i], (s.k[i] >> (4 * w)) & 15);
            g2_proj_add(&acc, &acc, &e);
        }
    }
    fp2 zi;
    fp2_inv(&zi, &acc.z);
    fp2_mul(&r->x, &acc.x, &zi);
    fp2_mul(&r->y, &acc.y, &zi);
    /* the last lookups reveal the low digits of the split */
    wipe(&s, sizeof s);
    wipe(&e, sizeof e);
    wipe(&acc, sizeof acc);
}

#endif
