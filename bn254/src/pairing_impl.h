/* pairing_impl.h - the optimal ate pairing of EIP-197 and its final
 * exponentiation.
 *
 *   e(P, Q) = (f_{6u+2,Q}(P) l_{[6u+2]Q, psi(Q)}(P) l_{.., -psi^2(Q)}(P))^((p^12-1)/r)
 *
 * (Vercauteren, "Optimal pairings", eprint 2008/096; Beuchat et al., eprint
 * 2010/354, Alg. 1). u > 0 for alt_bn128, so no final conjugation.
 *
 * T runs over multiples of Q on the twist in homogeneous projective
 * coordinates. Each step returns the line through the points as three Fp2
 * coefficients (l0, l1, l3) so that the line's value at P = (xP, yP) is
 * l0 yP + l1 xP w + l3 w^3, an Fp12 element with non-zero coefficients at w^0,
 * w^1 and w^3 only (fp12_mul_line). Line values are scaled by Fp2 factors and
 * signs, which the final exponentiation removes (they lie in a proper subfield).
 * Formulas: Costello, Lange, Naehrig, eprint 2009/615, and their D-type twist
 * form in Aranha, Karabina, Longa, Gebotys, Lopez, eprint 2010/526, Sec. 4
 * (eq. for doubling and mixed addition).
 */
#ifndef BN254_PAIRING_IMPL_H
#define BN254_PAIRING_IMPL_H

typedef struct {
    fp2 x, y, z;
} g2_hom;

/* T = 2T; line tangent at T (2010/526 Sec. 4, doubling, 3M + 6S here):
 *   A = XY/2, B = Y^2, C = Z^2, E = 3b'C, F = 3E, G = (B + F)/2,
 *   H = (Y + Z)^2 - (B + C) = 2YZ,
 *   X' = A (B - F), Y' = G^2 - 3E^2, Z' = B H,
 *   line = -H yP + 3X^2 xP w + (E - B) w^3. */
static void line_dbl(g2_hom *t, fp2 *l0, fp2 *l1, fp2 *l3)
{
    fp2 a, b, c, e, f, g, h, s;
    fp2_mul(&a, &t->x, &t->y);
    fp2_halve(&a, &a);
    fp2_sqr(&b, &t->y);
    fp2_sqr(&c, &t->z);
    fp2_mul(&e, &c, &FP2_TWIST_B3);
    fp2_mul3(&f, &e);
    fp2_add(&g, &b, &f);
    fp2_halve(&g, &g);
    fp2_add(&h, &t->y, &t->z);
    fp2_sqr(&h, &h);
    fp2_add(&s, &b, &c);
    fp2_sub(&h, &h, &s);
    fp2_sub(l3, &e, &b);
    fp2_sqr(&s, &t->x);
    fp2_mul3(l1, &s);
    fp2_neg(l0, &h);
    fp2_sub(&s, &b, &f);
    fp2_mul(&t->x, &a, &s);
    fp2_sqr(&s, &e);
    fp2_mul3(&s, &s);
    fp2_sqr(&g, &g);
    fp2_sub(&t->y, &g, &s);
    fp2_mul(&t->z, &b, &h);
}

/* T = T + Q for affine Q = (x2, y2); line through T and Q (2010/526 Sec. 4,
 * mixed addition):
 *   theta = Y - y2 Z, lambda = X - x2 Z, C = theta^2, D = lambda^2,
 *   E = lambda D, F = Z C, G = X D, H = E + F - 2G,
 *   X' = lambda H, Y' = theta (G - H) - Y E, Z' = Z E,
 *   line = lambda yP - theta xP w + (theta x2 - lambda y2) w^3. */
static void line_add(g2_hom *t, const bn254_g2 *q, fp2 *l0, fp2 *l1, fp2 *l3)
{
    fp2 theta, lambda, c, d, e, f, g, h, s;
    fp2_mul(&s, &q->y, &t->z);
    fp2_sub(&theta, &t->y, &s);
    fp2_mul(&s, &q->x, &t->z);
    fp2_sub(&lambda, &t->x, &s);
    fp2_sqr(&c, &theta);
    fp2_sqr(&d, &lambda);
    fp2_mul(&e, &lambda, &d);
    fp2_mul(&f, &t->z, &c);
    fp2_mul(&g, &t->x, &d);
    fp2_add(&h, &e, &f);
    fp2_sub(&h, &h, &g);
    fp2_sub(&h, &h, &g);
    fp2_mul(&t->x, &lambda, &h);
    fp2_sub(&s, &g, &h);
    fp2_mul(&s, &theta, &s);
    fp2_mul(&t->y, &t->y, &e);
    fp2_sub(&t->y, &s, &t->y);
    fp2_mul(&t->z, &t->z, &e);
    fp2_mul(l3, &theta, &q->x);
    fp2_mul(&s, &lambda, &q->y);
    fp2_sub(l3, l3, &s);
    *l0 = lambda;
    fp2_neg(l1, &theta);
}

/* f = f * line(P). */
static inline void line_eval(fp12 *f, const fp2 *l0, const fp2 *l1, const fp2 *l3, const bn254_g1 *p)
{
    fp2 a, b;
    fp2_mul_fp(&a, l0, &p->y);
    fp2_mul_fp(&b, l1, &p->x);
    fp12_mul_line(f, &a, &b, l3);
}

#define MILLER_CHUNK 16   /* pairs whose T live on the stack at once */

typedef struct {
    fp2 l0, l1, l3;   /* the line's value at P is l0 yP + l1 xP w + l3 w^3 */
} line;

/* The lines of step i of the loop for Q, advancing T: for i = 1 .. |NAF|-1
 * the tangent at T and, on a non-zero digit, the line through T and +-Q; for
 * i = |NAF| the two closing lines through psi(Q) and -psi^2(Q). Returns how
 * many lines it wrote (1 or 2). */
static int ate_step(line out[2], g2_hom *t, const bn254_g2 *q, const bn254_g2 *neg, size_t i)
{
    if (i == sizeof ATE_NAF) {
        bn254_g2 q1, q2;
        g2_aff_psi(&q1, q);
        g2_aff_neg_psi2(&q2, q);
        line_add(t, &q1, &out[0].l0, &out[0].l1, &out[0].l3);
        line_add(t, &q2, &out[1].l0, &out[1].l1, &out[1].l3);
        return 2;
    }
    line_dbl(t, &out[0].l0, &out[0].l1, &out[0].l3);
    if (!ATE_NAF[i]) return 1;
    line_add(t, ATE_NAF[i] > 0 ? q : neg, &out[1].l0, &out[1].l1, &out[1].l3);
    return 2;
}

static void g2_hom_start(g2_hom *t, bn254_g2 *neg, const bn254_g2 *q)
{
    t->x = q->x;
    t->y = q->y;
    t->z = FP2_ONE;
    g2_aff_neg(neg, q);
}

/* Every line of the loop for a fixed Q, in the order the loop uses them
 * (ATE_LINES of them): precomputed once for the generator, against which BLS
 * verification pairs every signature (the "fixed argument" optimisation of
 * Scott, eprint 2019/077, Sec. 3, and of mcl / blst). */
static void g2_prepare_lines(line out[ATE_LINES], const bn254_g2 *q)
{
    g2_hom t;
    bn254_g2 neg;
    size_t k = 0;
    g2_hom_start(&t, &neg, q);
    for (size_t i = 1; i <= sizeof ATE_NAF; i++) k += (size_t)ate_step(out + k, &t, q, &neg, i);
}

/* f = prod_j f_j(P_j) for n <= MILLER_CHUNK pairs with no point at infinity,
 * sharing one Fp12 squaring per step between all pairs (the multi-pairing);
 * plus, when fixed is not NULL, the pair (pfix, the Q whose lines fixed holds). */
static void miller_loop_chunk(fp12 *f, const bn254_g1 *ps, const bn254_g2 *qs, size_t n,
                              const bn254_g1 *pfix, const line *fixed)
{
    g2_hom t[MILLER_CHUNK];
    bn254_g2 neg[MILLER_CHUNK];
    line l[2];
    for (size_t j = 0; j < n; j++) g2_hom_start(&t[j], &neg[j], &qs[j]);
    *f = FP12_ONE;
    for (size_t i = 1; i <= sizeof ATE_NAF; i++) {
        if (i > 1 && i < sizeof ATE_NAF) fp12_sqr(f, f);
        for (size_t j = 0; j < n; j++) {
            int m = ate_step(l, &t[j], &qs[j], &neg[j], i);
            for (int k = 0; k < m; k++) line_eval(f, &l[k].l0, &l[k].l1, &l[k].l3, &ps[j]);
        }
        if (fixed) {
            int m = i == sizeof ATE_NAF || ATE_NAF[i] ? 2 : 1;
            for (int k = 0; k < m; k++, fixed++) line_eval(f, &fixed->l0, &fixed->l1, &fixed->l3, pfix);
        }
    }
}

/* Product of the Miller loops of n pairs; pairs with a point at infinity
 * contribute 1 and are skipped. */
static void miller_loop(fp12 *f, const bn254_g1 *ps, const bn254_g2 *qs, size_t n)
{
    bn254_g1 p[MILLER_CHUNK];
    bn254_g2 q[MILLER_CHUNK];
    fp12 g;
    size_t k = 0;
    int first = 1;
    *f = FP12_ONE;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !g1_aff_is_inf(&ps[i]) && !g2_aff_is_inf(&qs[i])) {
            p[k] = ps[i];
            q[k] = qs[i];
            k++;
        }
        if (k == MILLER_CHUNK || (i == n && k > 0)) {
            miller_loop_chunk(first ? f : &g, p, q, k, NULL, NULL);
            if (!first) fp12_mul(f, f, &g);
            first = 0;
            k = 0;
        }
    }
}

/* a^u for a in the cyclotomic subgroup, over the width-4 NAF of u: a table
 * a, a^3, a^5, a^7 (inverses are conjugates there), then 62 cyclotomic
 * squarings and 13 multiplications instead of the 23 of the plain NAF. */
static void fp12_cyclotomic_pow_u(fp12 *r, const fp12 *a)
{
    fp12 tab[4], inv[4], a2, acc;
    tab[0] = *a;
    fp12_cyclotomic_sqr(&a2, a);
    for (int i = 1; i < 4; i++) fp12_mul(&tab[i], &tab[i - 1], &a2);
    for (int i = 0; i < 4; i++) fp12_conj(&inv[i], &tab[i]);
    acc = U_WNAF4[0] > 0 ? tab[U_WNAF4[0] / 2] : inv[-U_WNAF4[0] / 2];
    for (size_t i = 1; i < sizeof U_WNAF4; i++) {
        int d = U_WNAF4[i];
        fp12_cyclotomic_sqr(&acc, &acc);
        if (d > 0) fp12_mul(&acc, &acc, &tab[d / 2]);
        else if (d < 0) fp12_mul(&acc, &acc, &inv[-d / 2]);
    }
    *r = acc;
}

/* a^-u = conj(a^u) in the cyclotomic subgroup. */
static void fp12_cyclotomic_pow_neg_u(fp12 *r, const fp12 *a)
{
    fp12_cyclotomic_pow_u(r, a);
    fp12_conj(r, r);
}

/* f^((p^12 - 1)/r) up to a fixed power coprime to r:
 * easy part f^((p^6 - 1)(p^2 + 1)) = (conj(f)/f)^(p^2 + 1); then the hard part
 * of Fuentes-Castaneda, Knapp, Rodriguez-Henriquez, "Faster hashing to G2"
 * (SAC 2011, Sec. 6) for BN curves, computing m (p^4 - p^2 + 1)/r with
 * m = 2u(6u^2 + 3u + 1) (gcd(m, r) = 1; gen_consts-style check in
 * test_pairing.c). With x = a^-u (cyclotomic inverse = conjugate):
 *   y1 = (a^-u)^2,  y2 = y1^3 = a^-6u,  y4 = y2^-u = a^6u^2,
 *   y6 = (y4^2)^-u = a^-12u^3,  y8 = conj(y6) y4 conj(y2) = a^(12u^3+6u^2+6u),
 *   y9 = y8 y1 = a^(12u^3+6u^2+4u),
 *   result = (conj(a) y9)^(p^3) y8^(p^2) y9^p (y8 y4 a).
 * This is the same power as gnark-crypto's and @noble/curves', so GT values
 * compare equal across the three. */
static void final_exp(fp12 *r, const fp12 *f)
{
    fp12 a, t, y1, y2, y4, y6, y8, y9;
    /* easy part */
    fp12_inv(&t, f);
    fp12_conj(&a, f);
    fp12_mul(&a, &a, &t);
    fp12_frobenius(&t, &a, 2);
    fp12_mul(&a, &t, &a);
    /* hard part */
    fp12_cyclotomic_pow_neg_u(&y1, &a);
    fp12_cyclotomic_sqr(&y1, &y1);
    fp12_cyclotomic_sqr(&y2, &y1);
    fp12_mul(&y2, &y2, &y1);
    fp12_cyclotomic_pow_neg_u(&y4, &y2);
    fp12_cyclotomic_sqr(&y6, &y4);
    fp12_cyclotomic_pow_neg_u(&y6, &y6);
    fp12_conj(&y6, &y6);
    fp12_conj(&t, &y2);
    fp12_mul(&y8, &y6, &y4);
    fp12_mul(&y8, &y8, &t);
    fp12_mul(&y9, &y8, &y1);
    /* (y8 y4 a) */
    fp12_mul(&y4, &y8, &y4);
    fp12_mul(&y4, &y4, &a);
    /* y9^p */
    fp12_frobenius(&t, &y9, 1);
    fp12_mul(&y4, &y4, &t);
    /* y8^(p^2) */
    fp12_frobenius(&t, &y8, 2);
    fp12_mul(&y4, &y4, &t);
    /* (conj(a) y9)^(p^3) */
    fp12_conj(&a, &a);
    fp12_mul(&a, &a, &y9);
    fp12_frobenius(&t, &a, 3);
    fp12_mul(r, &y4, &t);
}

#endif
