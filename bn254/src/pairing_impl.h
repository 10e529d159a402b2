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

/* psi(Q) = (conj(x) gamma_{1,2}, conj(y) gamma_{1,3}) and
 * -psi^2(Q) = (x gamma_{2,2}, y) on affine twist points. */
static void g2_aff_psi(bn254_g2 *r, const bn254_g2 *q)
{
    fp2_conj(&r->x, &q->x);
    fp2_mul(&r->x, &r->x, &PSI_X);
    fp2_conj(&r->y, &q->y);
    fp2_mul(&r->y, &r->y, &PSI_Y);
}

static void g2_aff_neg_psi2(bn254_g2 *r, const bn254_g2 *q)
{
    fp2_mul_fp(&r->x, &q->x, &PSI2_X);
    r->y = q->y;
}

#define MILLER_CHUNK 16   /* pairs whose T live on the stack at once */

/* f = prod_i f_i(P_i) for n <= MILLER_CHUNK pairs with no point at infinity,
 * sharing one Fp12 squaring per step between all pairs (the multi-pairing). */
static void miller_loop_chunk(fp12 *f, const bn254_g1 *ps, const bn254_g2 *qs, size_t n)
{
    g2_hom t[MILLER_CHUNK];
    bn254_g2 neg[MILLER_CHUNK], q1, q2;
    fp2 l0, l1, l3;
    for (size_t j = 0; j < n; j++) {
        t[j].x = qs[j].x;
        t[j].y = qs[j].y;
        t[j].z = FP2_ONE;
        g2_aff_neg(&neg[j], &qs[j]);
    }
    *f = FP12_ONE;
    for (size_t i = 1; i < sizeof ATE_NAF; i++) {
        if (i > 1) fp12_sqr(f, f);
        for (size_t j = 0; j < n; j++) {
            line_dbl(&t[j], &l0, &l1, &l3);
            line_eval(f, &l0, &l1, &l3, &ps[j]);
            if (ATE_NAF[i]) {
                line_add(&t[j], ATE_NAF[i] > 0 ? &qs[j] : &neg[j], &l0, &l1, &l3);
                line_eval(f, &l0, &l1, &l3, &ps[j]);
            }
        }
    }
    for (size_t j = 0; j < n; j++) {
        g2_aff_psi(&q1, &qs[j]);
        g2_aff_neg_psi2(&q2, &qs[j]);
        line_add(&t[j], &q1, &l0, &l1, &l3);
        line_eval(f, &l0, &l1, &l3, &ps[j]);
        line_add(&t[j], &q2, &l0, &l1, &l3);
        line_eval(f, &l0, &l1, &l3, &ps[j]);
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
            miller_loop_chunk(first ? f : &g, p, q, k);
            if (!first) fp12_mul(f, f, &g);
            first = 0;
            k = 0;
        }
    }
}

/* a^u for a in the cyclotomic subgroup, over the NAF of u (62 squarings,
 * 23 multiplications; a^-1 = conj(a) there). */
static void fp12_cyclotomic_pow_u(fp12 *r, const fp12 *a)
{
    fp12 acc = *a, inv;
    fp12_conj(&inv, a);
    for (size_t i = 1; i < sizeof U_NAF; i++) {
        fp12_cyclotomic_sqr(&acc, &acc);
        if (U_NAF[i] > 0) fp12_mul(&acc, &acc, a);
        else if (U_NAF[i] < 0) fp12_mul(&acc, &acc, &inv);
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
