/* ec_impl.h - point arithmetic on y^2 = x^3 + b, written once for G1 (over Fp)
 * and G2 (over Fp2, the twist); included twice by bn254.c with these macros:
 *
 *   EC_FE          field element type (fp, fp2)
 *   EC_F(op)       field operation (fp_op, fp2_op)
 *   EC_G(name)     name in the group's namespace (g1_name, g2_name)
 *   EC_AFF/EC_JAC  the public affine / Jacobian types
 *   EC_B           the curve constant b; EC_MUL_B3(r, a) sets r = 3b a
 *   EC_ONE         the field's 1
 *   EC_GLV_MUL_CT  defined: also the constant-time GLV multiplication (G1; G2
 *                  uses the 4-dimensional GLS method of g2_impl.h instead)
 *   EC_BETA        the cube root of unity in Fp with (beta x, y) = [lambda](x, y);
 *                  EC_MUL_FP(r, a, b) multiplies a field element by an fp
 *
 * Three coordinate systems:
 * - affine (x, y), the point at infinity encoded as (0, 0) as on the EVM
 *   ((0, 0) is on neither curve since b != 0);
 * - Jacobian (X, Y, Z) = (x Z^2, y Z^3, Z), Z = 0 at infinity, for the
 *   variable-time paths: doubling dbl-2009-l, addition add-2007-bl, mixed
 *   addition madd-2007-bl from the Explicit-Formulas Database
 *   (hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-0.html);
 * - homogeneous projective (X, Y, Z) = (x Z, y Z, Z), identity (0, 1, 0), for
 *   the constant-time scalar multiplication: the complete formulas of Renes,
 *   Costello, Batina, "Complete addition formulas for prime order elliptic
 *   curves" (eprint 2015/1060), Alg. 7 (addition) and Alg. 9 (doubling) for
 *   a = 0, which have no exceptional cases and so no branches.
 */

typedef struct {
    EC_FE x, y, z;
} EC_G(proj);

/* ---- affine --------------------------------------------------------------- */

static inline uint64_t EC_G(aff_is_inf)(const EC_AFF *a) { return EC_F(is_zero)(&a->x) & EC_F(is_zero)(&a->y); }

/* 1 when y^2 = x^3 + b or a is the point at infinity. */
static uint64_t EC_G(aff_on_curve)(const EC_AFF *a)
{
    EC_FE l, r;
    EC_F(sqr)(&l, &a->y);
    EC_F(sqr)(&r, &a->x);
    EC_F(mul)(&r, &r, &a->x);
    EC_F(add)(&r, &r, &EC_B);
    return EC_F(eq)(&l, &r) | EC_G(aff_is_inf)(a);
}

/* -a; (0, 0) stays (0, 0) since -0 = 0. */
static inline void EC_G(aff_neg)(EC_AFF *r, const EC_AFF *a)
{
    r->x = a->x;
    EC_F(neg)(&r->y, &a->y);
}

/* ---- Jacobian (variable time) --------------------------------------------- */

static inline void EC_G(jac_set_inf)(EC_JAC *r)
{
    memset(r, 0, sizeof *r);
    r->x = r->y = EC_ONE;
}

static inline uint64_t EC_G(jac_is_inf)(const EC_JAC *a) { return EC_F(is_zero)(&a->z); }

static void EC_G(jac_from_aff)(EC_JAC *r, const EC_AFF *a)
{
    if (EC_G(aff_is_inf)(a)) {
        EC_G(jac_set_inf)(r);
        return;
    }
    r->x = a->x;
    r->y = a->y;
    r->z = EC_ONE;
}

/* To affine with one inversion; Z = 0 gives (0, 0), the infinity encoding,
 * because the inverse of 0 is 0. Constant time. */
static void EC_G(jac_to_aff)(EC_AFF *r, const EC_JAC *a)
{
    EC_FE zi, zi2;
    EC_F(inv)(&zi, &a->z);
    EC_F(sqr)(&zi2, &zi);
    EC_F(mul)(&r->x, &a->x, &zi2);
    EC_F(mul)(&zi2, &zi2, &zi);
    EC_F(mul)(&r->y, &a->y, &zi2);
}

static inline void EC_G(jac_neg)(EC_JAC *r, const EC_JAC *a)
{
    r->x = a->x;
    EC_F(neg)(&r->y, &a->y);
    r->z = a->z;
}

/* dbl-2009-l (2M + 5S). Infinity (Z = 0) maps to Z3 = 2 Y Z = 0. Neither group
 * has points of order 2, so Y = 0 only at infinity. */
static void EC_G(jac_dbl)(EC_JAC *r, const EC_JAC *a)
{
    EC_FE A, B, C, D, E, F, t;
    EC_F(sqr)(&A, &a->x);
    EC_F(sqr)(&B, &a->y);
    EC_F(sqr)(&C, &B);
    EC_F(add)(&t, &a->x, &B);          /* D = 2((X + B)^2 - A - C) */
    EC_F(sqr)(&t, &t);
    EC_F(sub)(&t, &t, &A);
    EC_F(sub)(&t, &t, &C);
    EC_F(dbl)(&D, &t);
    EC_F(mul3)(&E, &A);                 /* E = 3A, F = E^2 */
    EC_F(sqr)(&F, &E);
    EC_F(mul)(&r->z, &a->y, &a->z);     /* Z3 = 2 Y Z */
    EC_F(dbl)(&r->z, &r->z);
    EC_F(dbl)(&t, &D);                  /* X3 = F - 2D */
    EC_F(sub)(&r->x, &F, &t);
    EC_F(sub)(&t, &D, &r->x);           /* Y3 = E (D - X3) - 8C */
    EC_F(mul)(&t, &E, &t);
    EC_F(dbl)(&C, &C);
    EC_F(dbl)(&C, &C);
    EC_F(dbl)(&C, &C);
    EC_F(sub)(&r->y, &t, &C);
}

/* add-2007-bl (11M + 5S) with the special cases handled by branching. */
static void EC_G(jac_add_var)(EC_JAC *r, const EC_JAC *a, const EC_JAC *b)
{
    if (EC_G(jac_is_inf)(a)) { *r = *b; return; }
    if (EC_G(jac_is_inf)(b)) { *r = *a; return; }
    EC_FE z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    EC_F(sqr)(&z1z1, &a->z);
    EC_F(sqr)(&z2z2, &b->z);
    EC_F(mul)(&u1, &a->x, &z2z2);
    EC_F(mul)(&u2, &b->x, &z1z1);
    EC_F(mul)(&s1, &a->y, &b->z);
    EC_F(mul)(&s1, &s1, &z2z2);
    EC_F(mul)(&s2, &b->y, &a->z);
    EC_F(mul)(&s2, &s2, &z1z1);
    EC_F(sub)(&h, &u2, &u1);
    EC_F(sub)(&rr, &s2, &s1);
    if (EC_F(is_zero)(&h)) {
        if (EC_F(is_zero)(&rr)) EC_G(jac_dbl)(r, a);
        else EC_G(jac_set_inf)(r);
        return;
    }
    EC_F(dbl)(&i, &h);                  /* I = (2H)^2, J = H I */
    EC_F(sqr)(&i, &i);
    EC_F(mul)(&j, &h, &i);
    EC_F(dbl)(&rr, &rr);                /* r = 2 (S2 - S1) */
    EC_F(mul)(&v, &u1, &i);
    EC_F(add)(&t, &a->z, &b->z);        /* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
    EC_F(sqr)(&t, &t);
    EC_F(sub)(&t, &t, &z1z1);
    EC_F(sub)(&t, &t, &z2z2);
    EC_F(mul)(&r->z, &t, &h);
    EC_F(sqr)(&r->x, &rr);              /* X3 = r^2 - J - 2V */
    EC_F(sub)(&r->x, &r->x, &j);
    EC_F(sub)(&r->x, &r->x, &v);
    EC_F(sub)(&r->x, &r->x, &v);
    EC_F(sub)(&t, &v, &r->x);           /* Y3 = r (V - X3) - 2 S1 J */
    EC_F(mul)(&t, &rr, &t);
    EC_F(mul)(&s1, &s1, &j);
    EC_F(dbl)(&s1, &s1);
    EC_F(sub)(&r->y, &t, &s1);
}

/* madd-2007-bl (7M + 4S): a Jacobian, b affine. */
static void EC_G(jac_add_aff_var)(EC_JAC *r, const EC_JAC *a, const EC_AFF *b)
{
    if (EC_G(aff_is_inf)(b)) { *r = *a; return; }
    if (EC_G(jac_is_inf)(a)) { EC_G(jac_from_aff)(r, b); return; }
    EC_FE z1z1, u2, s2, h, hh, i, j, rr, v, t;
    EC_F(sqr)(&z1z1, &a->z);
    EC_F(mul)(&u2, &b->x, &z1z1);
    EC_F(mul)(&s2, &b->y, &a->z);
    EC_F(mul)(&s2, &s2, &z1z1);
    EC_F(sub)(&h, &u2, &a->x);
    EC_F(sub)(&rr, &s2, &a->y);
    if (EC_F(is_zero)(&h)) {
        if (EC_F(is_zero)(&rr)) EC_G(jac_dbl)(r, a);
        else EC_G(jac_set_inf)(r);
        return;
    }
    EC_F(sqr)(&hh, &h);
    EC_F(dbl)(&i, &hh);                 /* I = 4 HH, J = H I */
    EC_F(dbl)(&i, &i);
    EC_F(mul)(&j, &h, &i);
    EC_F(dbl)(&rr, &rr);
    EC_F(mul)(&v, &a->x, &i);
    EC_F(add)(&t, &a->z, &h);           /* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
    EC_F(sqr)(&t, &t);
    EC_F(sub)(&t, &t, &z1z1);
    EC_F(sub)(&r->z, &t, &hh);
    EC_F(sqr)(&t, &rr);                 /* X3 = r^2 - J - 2V */
    EC_F(sub)(&t, &t, &j);
    EC_F(sub)(&t, &t, &v);
    EC_F(sub)(&t, &t, &v);
    EC_FE y1 = a->y;
    EC_F(sub)(&v, &v, &t);              /* Y3 = r (V - X3) - 2 Y1 J */
    EC_F(mul)(&v, &rr, &v);
    EC_F(mul)(&y1, &y1, &j);
    EC_F(dbl)(&y1, &y1);
    EC_F(sub)(&r->y, &v, &y1);
    r->x = t;
}

/* 1 when a and b are the same point (X1 Z2^2 = X2 Z1^2, Y1 Z2^3 = Y2 Z1^3). */
static uint64_t EC_G(jac_eq)(const EC_JAC *a, const EC_JAC *b)
{
    EC_FE z1z1, z2z2, l, r, t;
    uint64_t ia = EC_G(jac_is_inf)(a), ib = EC_G(jac_is_inf)(b), eq;
    EC_F(sqr)(&z1z1, &a->z);
    EC_F(sqr)(&z2z2, &b->z);
    EC_F(mul)(&l, &a->x, &z2z2);
    EC_F(mul)(&r, &b->x, &z1z1);
    eq = EC_F(eq)(&l, &r);
    EC_F(mul)(&t, &z2z2, &b->z);
    EC_F(mul)(&l, &a->y, &t);
    EC_F(mul)(&t, &z1z1, &a->z);
    EC_F(mul)(&r, &b->y, &t);
    eq &= EC_F(eq)(&l, &r);
    return (ia & ib) | (eq & (ia ^ 1) & (ib ^ 1));
}

/* The GLV endomorphism (x, y) -> (beta x, y) = [lambda](x, y), in Jacobian
 * coordinates (X, Y, Z) -> (beta X, Y, Z). */
static inline void EC_G(jac_endo)(EC_JAC *r, const EC_JAC *a)
{
    EC_MUL_FP(&r->x, &a->x, &EC_BETA);
    r->y = a->y;
    r->z = a->z;
}

/* [k]a, k < r, variable time: GLV split k = k1 + k2 lambda (|ki| < 2^127),
 * then interleaved width-5 wNAF of |k1| on +-a and of |k2| on +-phi(a)
 * (Hankerson, Menezes, Vanstone, "Guide to ECC", Alg. 3.77 with 3.35). */
static void EC_G(jac_mul_var)(EC_JAC *r, const EC_JAC *a, const uint64_t k[4])
{
    struct glv_split s;
    int8_t n1[GLV_NAF_LEN], n2[GLV_NAF_LEN];
    EC_JAC t1[WNAF_TABLE], t2[WNAF_TABLE], dbl, acc, neg;
    glv_split(&s, k);
    int len1 = wnaf(n1, s.k1), len2 = wnaf(n2, s.k2);
    int len = len1 > len2 ? len1 : len2;
    /* t1[i] = (2i + 1)(+-a), t2[i] = phi(t1[i]) with the sign of k2. */
    t1[0] = *a;
    if (s.neg1) EC_G(jac_neg)(&t1[0], &t1[0]);
    EC_G(jac_dbl)(&dbl, &t1[0]);
    for (int i = 1; i < WNAF_TABLE; i++) EC_G(jac_add_var)(&t1[i], &t1[i - 1], &dbl);
    for (int i = 0; i < WNAF_TABLE; i++) {
        EC_G(jac_endo)(&t2[i], &t1[i]);
        if (s.neg1 != s.neg2) EC_G(jac_neg)(&t2[i], &t2[i]);
    }
    EC_G(jac_set_inf)(&acc);
    for (int i = len - 1; i >= 0; i--) {
        EC_G(jac_dbl)(&acc, &acc);
        if (n1[i] > 0) EC_G(jac_add_var)(&acc, &acc, &t1[n1[i] / 2]);
        else if (n1[i] < 0) { EC_G(jac_neg)(&neg, &t1[-n1[i] / 2]); EC_G(jac_add_var)(&acc, &acc, &neg); }
        if (n2[i] > 0) EC_G(jac_add_var)(&acc, &acc, &t2[n2[i] / 2]);
        else if (n2[i] < 0) { EC_G(jac_neg)(&neg, &t2[-n2[i] / 2]); EC_G(jac_add_var)(&acc, &acc, &neg); }
    }
    *r = acc;
}

/* ---- homogeneous projective, complete formulas (constant time) ------------ */

/* RCB Alg. 7: complete addition for a = 0 (12M + 2 m_3b). */
static void EC_G(proj_add)(EC_G(proj) *r, const EC_G(proj) *p, const EC_G(proj) *q)
{
    EC_FE t0, t1, t2, t3, t4, x3, y3, z3;
    EC_F(mul)(&t0, &p->x, &q->x);
    EC_F(mul)(&t1, &p->y, &q->y);
    EC_F(mul)(&t2, &p->z, &q->z);
    EC_F(add)(&t3, &p->x, &p->y);
    EC_F(add)(&t4, &q->x, &q->y);
    EC_F(mul)(&t3, &t3, &t4);
    EC_F(add)(&t4, &t0, &t1);
    EC_F(sub)(&t3, &t3, &t4);
    EC_F(add)(&t4, &p->y, &p->z);
    EC_F(add)(&x3, &q->y, &q->z);
    EC_F(mul)(&t4, &t4, &x3);
    EC_F(add)(&x3, &t1, &t2);
    EC_F(sub)(&t4, &t4, &x3);
    EC_F(add)(&x3, &p->x, &p->z);
    EC_F(add)(&y3, &q->x, &q->z);
    EC_F(mul)(&x3, &x3, &y3);
    EC_F(add)(&y3, &t0, &t2);
    EC_F(sub)(&y3, &x3, &y3);
    EC_F(dbl)(&x3, &t0);
    EC_F(add)(&t0, &x3, &t0);
    EC_MUL_B3(&t2, &t2);
    EC_F(add)(&z3, &t1, &t2);
    EC_F(sub)(&t1, &t1, &t2);
    EC_MUL_B3(&y3, &y3);
    EC_F(mul)(&x3, &t4, &y3);
    EC_F(mul)(&t2, &t3, &t1);
    EC_F(sub)(&x3, &t2, &x3);
    EC_F(mul)(&y3, &y3, &t0);
    EC_F(mul)(&t1, &t1, &z3);
    EC_F(add)(&y3, &t1, &y3);
    EC_F(mul)(&t0, &t0, &t3);
    EC_F(mul)(&z3, &z3, &t4);
    EC_F(add)(&z3, &z3, &t0);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

/* RCB Alg. 9: doubling for a = 0 (6M + 2S + 1 m_3b). */
static void EC_G(proj_dbl)(EC_G(proj) *r, const EC_G(proj) *p)
{
    EC_FE t0, t1, t2, x3, y3, z3;
    EC_F(sqr)(&t0, &p->y);
    EC_F(dbl)(&z3, &t0);
    EC_F(dbl)(&z3, &z3);
    EC_F(dbl)(&z3, &z3);
    EC_F(mul)(&t1, &p->y, &p->z);
    EC_F(sqr)(&t2, &p->z);
    EC_MUL_B3(&t2, &t2);
    EC_F(mul)(&x3, &t2, &z3);
    EC_F(add)(&y3, &t0, &t2);
    EC_F(mul)(&z3, &t1, &z3);
    EC_F(dbl)(&t1, &t2);
    EC_F(add)(&t2, &t1, &t2);
    EC_F(sub)(&t0, &t0, &t2);
    EC_F(mul)(&y3, &t0, &y3);
    EC_F(add)(&y3, &x3, &y3);
    EC_F(mul)(&t1, &p->x, &p->y);
    EC_F(mul)(&x3, &t0, &t1);
    EC_F(dbl)(&x3, &x3);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

/* r = flag ? a : r. */
static inline void EC_G(proj_cmov)(EC_G(proj) *r, const EC_G(proj) *a, uint64_t flag)
{
    EC_F(cmov)(&r->x, &a->x, flag);
    EC_F(cmov)(&r->y, &a->y, flag);
    EC_F(cmov)(&r->z, &a->z, flag);
}

/* y -> -y when flag (constant time). */
static inline void EC_G(proj_cneg)(EC_G(proj) *r, uint64_t flag)
{
    EC_FE n;
    EC_F(neg)(&n, &r->y);
    EC_F(cmov)(&r->y, &n, flag);
}

/* r = table[idx] reading every entry (constant-time lookup). */
static void EC_G(proj_lookup)(EC_G(proj) *r, const EC_G(proj) table[16], uint64_t idx)
{
    *r = table[0];
    for (uint64_t i = 1; i < 16; i++) EC_G(proj_cmov)(r, &table[i], u64_is_zero(i ^ idx));
}

#ifdef EC_GLV_MUL_CT
/* [k]a for a secret k < r, constant time in k and a: the GLV split (itself
 * branch-free), then 4-bit fixed windows over both 128-bit halves with
 * constant-time table lookups and the complete RCB formulas, so the sequence
 * of operations and memory accesses never depends on k. The result is
 * converted to affine with a constant-time (Fermat) inversion. */
static void EC_G(mul_ct)(EC_AFF *r, const EC_AFF *a, const uint64_t k[4])
{
    struct glv_split s;
    EC_G(proj) t1[16], t2[16], acc, e;
    uint64_t inf = EC_G(aff_is_inf)(a);
    glv_split(&s, k);
    /* t1[i] = i (+-a), t2[i] = phi(t1[i]) with the sign of k2. */
    memset(&t1[0], 0, sizeof t1[0]);
    t1[0].y = EC_ONE;
    t1[1].x = a->x;
    t1[1].y = a->y;
    t1[1].z = EC_ONE;
    EC_G(proj_cmov)(&t1[1], &t1[0], inf);
    EC_G(proj_cneg)(&t1[1], s.neg1);
    for (int i = 2; i < 16; i++) EC_G(proj_add)(&t1[i], &t1[i - 1], &t1[1]);
    for (int i = 0; i < 16; i++) {
        EC_MUL_FP(&t2[i].x, &t1[i].x, &EC_BETA);
        t2[i].y = t1[i].y;
        t2[i].z = t1[i].z;
        EC_G(proj_cneg)(&t2[i], s.neg1 ^ s.neg2);
    }
    acc = t1[0];
    for (int w = 31; w >= 0; w--) {
        for (int d = 0; d < 4; d++) EC_G(proj_dbl)(&acc, &acc);
        EC_G(proj_lookup)(&e, t1, (s.k1[w / 16] >> (4 * (w % 16))) & 15);
        EC_G(proj_add)(&acc, &acc, &e);
        EC_G(proj_lookup)(&e, t2, (s.k2[w / 16] >> (4 * (w % 16))) & 15);
        EC_G(proj_add)(&acc, &acc, &e);
    }
    /* Affine: (X/Z, Y/Z); Z = 0 (infinity) gives (0, 0). */
    EC_FE zi;
    EC_F(inv)(&zi, &acc.z);
    EC_F(mul)(&r->x, &acc.x, &zi);
    EC_F(mul)(&r->y, &acc.y, &zi);
    /* the last lookups reveal the low digits of k */
    glv_split_wipe(&s);
    wipe(&e, sizeof e);
    wipe(&acc, sizeof acc);
}
#endif
