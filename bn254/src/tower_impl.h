/* tower_impl.h - the extension tower of EIP-197 / geth / gnark / noble:
 *
 *   Fp2  = Fp[i]  / (i^2 + 1)
 *   Fp6  = Fp2[v] / (v^3 - xi),  xi = 9 + i
 *   Fp12 = Fp6[w] / (w^2 - v)
 *
 * so that w^6 = xi. An Fp12 element is c0 + c1 w with c0, c1 in Fp6; written in
 * the basis w^0..w^5 its coefficients are g0 = c0.c0, g1 = c1.c0, g2 = c0.c1,
 * g3 = c1.c1, g4 = c0.c2, g5 = c1.c2 (v = w^2).
 *
 * Formulas: Karatsuba and Chung-Hasan squaring from Devegili, O hEigeartaigh,
 * Scott, Dahab, "Multiplication and squaring on pairing-friendly fields"
 * (eprint 2006/471); Fp2 multiplication with one reduction per output
 * coefficient (lazy reduction, Aranha et al. eprint 2010/526, Sec. 3);
 * cyclotomic squaring from Granger, Scott, "Faster squaring in the cyclotomic
 * subgroup of sixth degree extensions" (PKC 2010, eprint 2009/565), Sec. 3.
 * All functions are constant time.
 */
#ifndef BN254_TOWER_IMPL_H
#define BN254_TOWER_IMPL_H

/* ---- Fp2 ------------------------------------------------------------------ */

_Static_assert(sizeof(fp2) == 64, "fp2 is c0 then c1, 4 limbs each (the assembly relies on it)");

static inline void fp2_add(fp2 *r, const fp2 *a, const fp2 *b) { fp_add(&r->c0, &a->c0, &b->c0); fp_add(&r->c1, &a->c1, &b->c1); }
static inline void fp2_sub(fp2 *r, const fp2 *a, const fp2 *b) { fp_sub(&r->c0, &a->c0, &b->c0); fp_sub(&r->c1, &a->c1, &b->c1); }
static inline void fp2_dbl(fp2 *r, const fp2 *a) { fp_dbl(&r->c0, &a->c0); fp_dbl(&r->c1, &a->c1); }
static inline void fp2_neg(fp2 *r, const fp2 *a) { fp_neg(&r->c0, &a->c0); fp_neg(&r->c1, &a->c1); }
static inline void fp2_conj(fp2 *r, const fp2 *a) { r->c0 = a->c0; fp_neg(&r->c1, &a->c1); }
static inline void fp2_mul3(fp2 *r, const fp2 *a) { fp_mul3(&r->c0, &a->c0); fp_mul3(&r->c1, &a->c1); }
static inline void fp2_halve(fp2 *r, const fp2 *a) { fp_halve(&r->c0, &a->c0); fp_halve(&r->c1, &a->c1); }
static inline void fp2_mul_fp(fp2 *r, const fp2 *a, const fp *b) { fp_mul(&r->c0, &a->c0, b); fp_mul(&r->c1, &a->c1, b); }
static inline uint64_t fp2_is_zero(const fp2 *a) { return fp_is_zero(&a->c0) & fp_is_zero(&a->c1); }
static inline uint64_t fp2_eq(const fp2 *a, const fp2 *b) { return fp_eq(&a->c0, &b->c0) & fp_eq(&a->c1, &b->c1); }
static inline void fp2_cmov(fp2 *r, const fp2 *a, uint64_t flag) { fp_cmov(&r->c0, &a->c0, flag); fp_cmov(&r->c1, &a->c1, flag); }

/* (a0 + a1 i)(b0 + b1 i): Karatsuba with double-width products and one
 * Montgomery reduction per coefficient:
 *   c0 = a0 b0 - a1 b1                       (in (-p^2, p^2): + p^2 on borrow)
 *   c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1   (= a0 b1 + a1 b0 < 2p^2)
 * Both are < 2p^2 < p 2^256, the input bound of fp_redc. */
static inline void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b)
{
    if (USE_ADX) {   /* the same computation as one assembly kernel */
        uint64_t s[32];
        fp2_mul_adx(r, a, b, s);
        return;
    }
    uint64_t t0[8], t1[8], t2[8];
    fp sa, sb;
    mul_wide(t0, a->c0.l, b->c0.l);
    mul_wide(t1, a->c1.l, b->c1.l);
    fp_add_lazy(&sa, &a->c0, &a->c1);
    fp_add_lazy(&sb, &b->c0, &b->c1);
    mul_wide(t2, sa.l, sb.l);
    wide_sub(t2, t2, t0);
    wide_sub(t2, t2, t1);
    wide_sub_modp2(t0, t0, t1);
    fp_redc(&r->c0, t0);
    fp_redc(&r->c1, t2);
}

/* Complex squaring: c0 = (a0 + a1)(a0 - a1), c1 = 2 a0 a1 (2 multiplications;
 * the lazy sums are < 2p, a valid first operand of mont_mul). */
static inline void fp2_sqr(fp2 *r, const fp2 *a)
{
    fp s, d, a0x2;
    fp_add_lazy(&s, &a->c0, &a->c1);
    fp_sub(&d, &a->c0, &a->c1);
    fp_add_lazy(&a0x2, &a->c0, &a->c0);
    fp_mul(&r->c1, &a0x2, &a->c1);
    fp_mul(&r->c0, &s, &d);
}

/* a * xi = (9 a0 - a1) + (a0 + 9 a1) i. */
static inline void fp2_mul_xi(fp2 *r, const fp2 *a)
{
    fp2 t;
    fp2_dbl(&t, a);
    fp2_dbl(&t, &t);
    fp2_dbl(&t, &t);
    fp2_add(&t, &t, a);               /* 9a */
    fp_sub(&t.c0, &t.c0, &a->c1);
    fp_add(&t.c1, &t.c1, &a->c0);
    *r = t;
}

/* 1/a = conj(a)/(a0^2 + a1^2); 0 for a = 0. */
static void fp2_inv(fp2 *r, const fp2 *a)
{
    fp n, t;
    fp_sqr(&n, &a->c0);
    fp_sqr(&t, &a->c1);
    fp_add(&n, &n, &t);
    fp_inv(&n, &n);
    fp_mul(&r->c0, &a->c0, &n);
    fp_mul(&t, &a->c1, &n);
    fp_neg(&r->c1, &t);
}

/* Square root in Fp2 via the norm (variable time; used on public data only):
 * with n = a0^2 + a1^2 = s^2, x0^2 = (a0 +- s)/2 and x1 = a1/(2 x0)
 * (Scott, "Implementing cryptographic pairings", 2007, Sec. 5.2 style).
 * Returns 1 and sets r when a is a square, else 0. */
static int fp2_sqrt_var(fp2 *r, const fp2 *a)
{
    fp n, s, t, x0, x1, inv;
    if (fp_is_zero(&a->c1)) {
        /* a in Fp: either a0 or -a0 is a square in Fp (-1 is not). */
        if (fp_sqrt(&x0, &a->c0)) {
            r->c0 = x0;
            memset(&r->c1, 0, sizeof r->c1);
            return 1;
        }
        fp_neg(&t, &a->c0);
        if (!fp_sqrt(&x1, &t)) return 0;
        memset(&r->c0, 0, sizeof r->c0);
        r->c1 = x1;
        return 1;
    }
    fp_sqr(&n, &a->c0);
    fp_sqr(&t, &a->c1);
    fp_add(&n, &n, &t);
    if (!fp_sqrt(&s, &n)) return 0;
    fp_add(&t, &a->c0, &s);
    fp_halve(&t, &t);
    if (!fp_sqrt(&x0, &t)) {
        fp_sub(&t, &a->c0, &s);
        fp_halve(&t, &t);
        if (!fp_sqrt(&x0, &t)) return 0;
    }
    fp_dbl(&inv, &x0);
    fp_inv(&inv, &inv);
    fp_mul(&x1, &a->c1, &inv);
    r->c0 = x0;
    r->c1 = x1;
    return 1;
}

/* ---- Fp6 ------------------------------------------------------------------ */

static inline void fp6_add(fp6 *r, const fp6 *a, const fp6 *b)
{
    fp2_add(&r->c0, &a->c0, &b->c0);
    fp2_add(&r->c1, &a->c1, &b->c1);
    fp2_add(&r->c2, &a->c2, &b->c2);
}

static inline void fp6_sub(fp6 *r, const fp6 *a, const fp6 *b)
{
    fp2_sub(&r->c0, &a->c0, &b->c0);
    fp2_sub(&r->c1, &a->c1, &b->c1);
    fp2_sub(&r->c2, &a->c2, &b->c2);
}

static inline void fp6_neg(fp6 *r, const fp6 *a)
{
    fp2_neg(&r->c0, &a->c0);
    fp2_neg(&r->c1, &a->c1);
    fp2_neg(&r->c2, &a->c2);
}

static inline uint64_t fp6_eq(const fp6 *a, const fp6 *b) { return fp2_eq(&a->c0, &b->c0) & fp2_eq(&a->c1, &b->c1) & fp2_eq(&a->c2, &b->c2); }

/* a * v = xi a2 + a0 v + a1 v^2. */
static inline void fp6_mul_v(fp6 *r, const fp6 *a)
{
    fp2 t;
    fp2_mul_xi(&t, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = t;
}

/* Karatsuba (Devegili et al., Sec. 4): 6 Fp2 multiplications. */
static void fp6_mul(fp6 *r, const fp6 *a, const fp6 *b)
{
    fp2 v0, v1, v2, s, t, c0, c1, c2;
    fp2_mul(&v0, &a->c0, &b->c0);
    fp2_mul(&v1, &a->c1, &b->c1);
    fp2_mul(&v2, &a->c2, &b->c2);
    /* c0 = v0 + xi((a1 + a2)(b1 + b2) - v1 - v2) */
    fp2_add(&s, &a->c1, &a->c2);
    fp2_add(&t, &b->c1, &b->c2);
    fp2_mul(&c0, &s, &t);
    fp2_sub(&c0, &c0, &v1);
    fp2_sub(&c0, &c0, &v2);
    fp2_mul_xi(&c0, &c0);
    fp2_add(&c0, &c0, &v0);
    /* c1 = (a0 + a1)(b0 + b1) - v0 - v1 + xi v2 */
    fp2_add(&s, &a->c0, &a->c1);
    fp2_add(&t, &b->c0, &b->c1);
    fp2_mul(&c1, &s, &t);
    fp2_sub(&c1, &c1, &v0);
    fp2_sub(&c1, &c1, &v1);
    fp2_mul_xi(&t, &v2);
    fp2_add(&c1, &c1, &t);
    /* c2 = (a0 + a2)(b0 + b2) - v0 - v2 + v1 */
    fp2_add(&s, &a->c0, &a->c2);
    fp2_add(&t, &b->c0, &b->c2);
    fp2_mul(&c2, &s, &t);
    fp2_sub(&c2, &c2, &v0);
    fp2_sub(&c2, &c2, &v2);
    fp2_add(&c2, &c2, &v1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

/* Chung-Hasan SQR2 (Devegili et al., Sec. 4): 2 multiplications, 3 squarings. */
static void fp6_sqr(fp6 *r, const fp6 *a)
{
    fp2 s0, s1, s2, s3, s4, t;
    fp2_sqr(&s0, &a->c0);
    fp2_mul(&s1, &a->c0, &a->c1);
    fp2_dbl(&s1, &s1);
    fp2_sub(&t, &a->c0, &a->c1);
    fp2_add(&t, &t, &a->c2);
    fp2_sqr(&s2, &t);
    fp2_mul(&s3, &a->c1, &a->c2);
    fp2_dbl(&s3, &s3);
    fp2_sqr(&s4, &a->c2);
    /* c0 = s0 + xi s3, c1 = s1 + xi s4, c2 = s1 + s2 + s3 - s0 - s4 */
    fp2_mul_xi(&t, &s3);
    fp2_add(&r->c0, &s0, &t);
    fp2_mul_xi(&t, &s4);
    fp2_add(&r->c2, &s1, &s2);
    fp2_add(&r->c2, &r->c2, &s3);
    fp2_sub(&r->c2, &r->c2, &s0);
    fp2_sub(&r->c2, &r->c2, &s4);
    fp2_add(&r->c1, &s1, &t);
}

/* a * (b0 + b1 v): 5 Fp2 multiplications (Karatsuba on the two low terms). */
static void fp6_mul_01(fp6 *r, const fp6 *a, const fp2 *b0, const fp2 *b1)
{
    fp2 m0, m1, s, t, c0, c1, c2;
    fp2_mul(&m0, &a->c0, b0);
    fp2_mul(&m1, &a->c1, b1);
    /* c0 = m0 + xi a2 b1 */
    fp2_mul(&t, &a->c2, b1);
    fp2_mul_xi(&t, &t);
    fp2_add(&c0, &m0, &t);
    /* c1 = (a0 + a1)(b0 + b1) - m0 - m1 */
    fp2_add(&s, &a->c0, &a->c1);
    fp2_add(&t, b0, b1);
    fp2_mul(&c1, &s, &t);
    fp2_sub(&c1, &c1, &m0);
    fp2_sub(&c1, &c1, &m1);
    /* c2 = a2 b0 + m1 */
    fp2_mul(&c2, &a->c2, b0);
    fp2_add(&c2, &c2, &m1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

/* a * b for b in Fp2. */
static inline void fp6_mul_fp2(fp6 *r, const fp6 *a, const fp2 *b)
{
    fp2_mul(&r->c0, &a->c0, b);
    fp2_mul(&r->c1, &a->c1, b);
    fp2_mul(&r->c2, &a->c2, b);
}

/* 1/a: with t0 = a0^2 - xi a1 a2, t1 = xi a2^2 - a0 a1, t2 = a1^2 - a0 a2,
 * a (t0 + t1 v + t2 v^2) = a0 t0 + xi (a2 t1 + a1 t2) in Fp2. */
static void fp6_inv(fp6 *r, const fp6 *a)
{
    fp2 t0, t1, t2, s, d;
    fp2_sqr(&t0, &a->c0);
    fp2_mul(&s, &a->c1, &a->c2);
    fp2_mul_xi(&s, &s);
    fp2_sub(&t0, &t0, &s);
    fp2_sqr(&t1, &a->c2);
    fp2_mul_xi(&t1, &t1);
    fp2_mul(&s, &a->c0, &a->c1);
    fp2_sub(&t1, &t1, &s);
    fp2_sqr(&t2, &a->c1);
    fp2_mul(&s, &a->c0, &a->c2);
    fp2_sub(&t2, &t2, &s);
    fp2_mul(&d, &a->c2, &t1);
    fp2_mul(&s, &a->c1, &t2);
    fp2_add(&d, &d, &s);
    fp2_mul_xi(&d, &d);
    fp2_mul(&s, &a->c0, &t0);
    fp2_add(&d, &d, &s);
    fp2_inv(&d, &d);
    fp2_mul(&r->c0, &t0, &d);
    fp2_mul(&r->c1, &t1, &d);
    fp2_mul(&r->c2, &t2, &d);
}

/* ---- Fp12 ----------------------------------------------------------------- */

static inline uint64_t fp12_eq(const fp12 *a, const fp12 *b) { return fp6_eq(&a->c0, &b->c0) & fp6_eq(&a->c1, &b->c1); }
static inline uint64_t fp12_is_one(const fp12 *a) { return fp12_eq(a, &FP12_ONE); }

static inline void fp12_conj(fp12 *r, const fp12 *a)
{
    r->c0 = a->c0;
    fp6_neg(&r->c1, &a->c1);
}

/* Karatsuba: 3 Fp6 multiplications. */
static void fp12_mul(fp12 *r, const fp12 *a, const fp12 *b)
{
    fp6 v0, v1, s, t;
    fp6_mul(&v0, &a->c0, &b->c0);
    fp6_mul(&v1, &a->c1, &b->c1);
    fp6_add(&s, &a->c0, &a->c1);
    fp6_add(&t, &b->c0, &b->c1);
    fp6_mul(&r->c1, &s, &t);
    fp6_sub(&r->c1, &r->c1, &v0);
    fp6_sub(&r->c1, &r->c1, &v1);
    fp6_mul_v(&v1, &v1);
    fp6_add(&r->c0, &v0, &v1);
}

/* Complex squaring: c0 = (a0 + a1)(a0 + v a1) - t - v t, c1 = 2t, t = a0 a1. */
static void fp12_sqr(fp12 *r, const fp12 *a)
{
    fp6 t, s, u;
    fp6_mul(&t, &a->c0, &a->c1);
    fp6_add(&s, &a->c0, &a->c1);
    fp6_mul_v(&u, &a->c1);
    fp6_add(&u, &u, &a->c0);
    fp6_mul(&s, &s, &u);
    fp6_sub(&s, &s, &t);
    fp6_mul_v(&u, &t);
    fp6_sub(&r->c0, &s, &u);
    fp6_add(&r->c1, &t, &t);
}

/* 1/a = (a0 - a1 w)/(a0^2 - v a1^2). */
static void fp12_inv(fp12 *r, const fp12 *a)
{
    fp6 t0, t1;
    fp6_sqr(&t0, &a->c0);
    fp6_sqr(&t1, &a->c1);
    fp6_mul_v(&t1, &t1);
    fp6_sub(&t0, &t0, &t1);
    fp6_inv(&t0, &t0);
    fp6_mul(&r->c0, &a->c0, &t0);
    fp6_mul(&t0, &a->c1, &t0);
    fp6_neg(&r->c1, &t0);
}

/* f * (a + b w + c v w): multiplication by a line value, whose non-zero
 * coefficients sit at w^0, w^1 and w^3 (see pairing_impl.h). With
 * f = f0 + f1 w, l = A + B w, A = a, B = b + c v:
 *   f l = (f0 A + v f1 B) + ((f0 + f1)(A + B) - f0 A - f1 B) w,
 * 3 + 5 + 5 = 13 Fp2 multiplications instead of 18. */
static void fp12_mul_line(fp12 *f, const fp2 *a, const fp2 *b, const fp2 *c)
{
    fp6 t0, t1, s;
    fp2 ab;
    fp6_mul_fp2(&t0, &f->c0, a);
    fp6_mul_01(&t1, &f->c1, b, c);
    fp6_add(&s, &f->c0, &f->c1);
    fp2_add(&ab, a, b);
    fp6_mul_01(&f->c1, &s, &ab, c);
    fp6_sub(&f->c1, &f->c1, &t0);
    fp6_sub(&f->c1, &f->c1, &t1);
    fp6_mul_v(&t1, &t1);
    fp6_add(&f->c0, &t0, &t1);
}

/* a^(p^n), n = 1, 2, 3: in the w basis, g_k -> frob^n(g_k) gamma_{n,k}
 * (gamma_{n,k} = xi^(k (p^n - 1)/6) = w^(k (p^n - 1)); conjugation in Fp2 for
 * odd n). */
static void fp12_frobenius(fp12 *r, const fp12 *a, int n)
{
    const fp2 *g[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1, &a->c1.c1, &a->c0.c2, &a->c1.c2};
    fp2 *o[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
    fp2 t[6];
    for (int k = 0; k < 6; k++) {
        if (n & 1) fp2_conj(&t[k], g[k]); else t[k] = *g[k];
        if (k == 0) continue;
        if (n == 2) fp2_mul_fp(&t[k], &t[k], &FROB2[k - 1]);
        else fp2_mul(&t[k], &t[k], n == 1 ? &FROB1[k - 1] : &FROB3[k - 1]);
    }
    for (int k = 0; k < 6; k++) *o[k] = t[k];
}

/* Squaring in Fp4 = Fp2[s]/(s^2 - xi): (x + y s)^2 = (x^2 + xi y^2) + 2xy s,
 * with 2xy = (x + y)^2 - x^2 - y^2: 3 Fp2 squarings. */
static inline void fp4_sqr(fp2 *rx, fp2 *ry, const fp2 *x, const fp2 *y)
{
    fp2 x2, y2, t;
    fp2_sqr(&x2, x);
    fp2_sqr(&y2, y);
    fp2_add(&t, x, y);
    fp2_sqr(&t, &t);
    fp2_sub(&t, &t, &x2);
    fp2_sub(ry, &t, &y2);
    fp2_mul_xi(&t, &y2);
    fp2_add(rx, &x2, &t);
}

/* Squaring of an element of the cyclotomic subgroup (a^(p^6 + 1) = 1, e.g.
 * after the easy part of the final exponentiation), Granger-Scott: write
 * a = A + B w + C w^2 over Fp4 (s = w^3), A = g0 + g3 s, B = g1 + g4 s,
 * C = g2 + g5 s; then a^2 = (3A^2 - 2 conj(A)) + (3 s C^2 + 2 conj(B)) w
 * + (3B^2 - 2 conj(C)) w^2, conj(x + y s) = x - y s. 9 Fp2 squarings. */
static void fp12_cyclotomic_sqr(fp12 *r, const fp12 *a)
{
    fp2 ax, ay, bx, by, cx, cy, t;
    fp4_sqr(&ax, &ay, &a->c0.c0, &a->c1.c1);
    fp4_sqr(&bx, &by, &a->c1.c0, &a->c0.c2);
    fp4_sqr(&cx, &cy, &a->c0.c1, &a->c1.c2);
    /* g0 = 3 ax - 2 g0,  g3 = 3 ay + 2 g3 */
    fp2_sub(&t, &ax, &a->c0.c0);
    fp2_dbl(&t, &t);
    fp2_add(&r->c0.c0, &t, &ax);
    fp2_add(&t, &ay, &a->c1.c1);
    fp2_dbl(&t, &t);
    fp2_add(&r->c1.c1, &t, &ay);
    /* g1 = 3 xi cy + 2 g1, g4 = 3 cx - 2 g4 */
    fp2_mul_xi(&cy, &cy);
    fp2_add(&t, &cy, &a->c1.c0);
    fp2_dbl(&t, &t);
    fp2_add(&r->c1.c0, &t, &cy);
    fp2_sub(&t, &cx, &a->c0.c2);
    fp2_dbl(&t, &t);
    fp2_add(&r->c0.c2, &t, &cx);
    /* g2 = 3 bx - 2 g2, g5 = 3 by + 2 g5 */
    fp2_sub(&t, &bx, &a->c0.c1);
    fp2_dbl(&t, &t);
    fp2_add(&r->c0.c1, &t, &bx);
    fp2_add(&t, &by, &a->c1.c2);
    fp2_dbl(&t, &t);
    fp2_add(&r->c1.c2, &t, &by);
}

#endif
