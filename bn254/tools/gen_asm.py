#!/usr/bin/env python3
"""Generates bn254/src/asm_x86_64.h: 4-limb Montgomery kernels in x86-64 GNU
inline assembly using MULX (BMI2) and ADCX/ADOX (ADX), two independent carry
chains (Intel, "New instructions supporting large integer arithmetic on Intel
architecture processors", 2012; Gueron, Krasnov, "Software implementation of
modular exponentiation, using advanced vector instructions architectures").

    python3 bn254/tools/gen_asm.py > bn254/src/asm_x86_64.h

The library calls these only when CPUID reports BMI2 and ADX (fp_impl.h);
otherwise it runs the portable C versions, which internal_field.c compares
with these on random and extreme inputs. All kernels are branch-free.

Kernels (m = modulus with m[3] < 2^62, n0 = -m^-1 mod 2^64 at m[4]):
  mont_mul_adx(r, a, b, m):  r = a b / 2^256 mod m (CIOS, "no-carry" form; the
                             input bounds of mont_mul in fp_impl.h)
  mul_wide_adx(t, a, b):     t = a b, 8 limbs
  fp_sqr_adx(r, a, s):       r = a^2 / 2^256 mod p (square, then reduction)
  mont_redc_adx(r, t, m):    r = t / 2^256 mod m for t < m 2^256
  fp2_mul_adx(r, a, b, s):   Fp2 product mod p, Karatsuba with one reduction per
                             coefficient (fp2_mul in tower_impl.h), s = scratch
"""

LO, HI, ZERO, ZERO32 = "%%rax", "%%rbx", "%%rcx", "%%ecx"
WORDS = ["%%r8", "%%r9", "%%r10", "%%r11", "%%r12", "%%r13"]
CLOBBER_MUL = ["rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "cc", "memory"]


def emit(name, sig, body, inputs, clobbers, comment):
    print("/* %s */" % comment)
    print("static inline void %s(%s)\n{" % (name, sig))
    print("    __asm__ volatile(")
    for line in body:
        print('        "%s\\n\\t"' % line)
    print("        :")
    print("        : %s" % ",\n          ".join(inputs))
    print("        : %s);" % ", ".join('"%s"' % c for c in clobbers))
    print("}\n")


def limb(ptr, off=0):
    """Operand string of the limb at byte offset off from pointer operand ptr."""
    return lambda i: f"{off + 8 * i}({ptr})"


def named(prefix):
    """Operand string of named memory operands %[prefix0], %[prefix1], ..."""
    return lambda i: f"%[{prefix}{i}]"


def final_sub(t, s, out, mod):
    """out(i) = t - m if that does not borrow, else t (cmov: constant time)."""
    body = [f"movq {t[i]}, {s[i]}" for i in range(4)]
    body.append(f"subq {mod(0)}, {s[0]}")
    body += [f"sbbq {mod(i)}, {s[i]}" for i in range(1, 4)]
    body += [f"cmovcq {t[i]}, {s[i]}" for i in range(4)]
    body += [f"movq {s[i]}, {out(i)}" for i in range(4)]
    return body


def first_row(t, a):
    """t[0..4] = a * rdx (one carry chain)."""
    return [f"mulxq {a(0)}, {t[0]}, {t[1]}",
            f"mulxq {a(1)}, {LO}, {t[2]}",
            f"addq {LO}, {t[1]}",
            f"mulxq {a(2)}, {LO}, {t[3]}",
            f"adcq {LO}, {t[2]}",
            f"mulxq {a(3)}, {LO}, {t[4]}",
            f"adcq {LO}, {t[3]}",
            f"adcq $0, {t[4]}"]


def mac_row(t, a):
    """t[0..3] += a * rdx, t[4] = the new top word: low halves on the OF
    chain, high halves on the CF chain."""
    body = [f"xorl {ZERO32}, {ZERO32}"]
    for j in range(3):
        body += [f"mulxq {a(j)}, {LO}, {HI}",
                 f"adoxq {LO}, {t[j]}",
                 f"adcxq {HI}, {t[j + 1]}"]
    return body + [f"mulxq {a(3)}, {LO}, {t[4]}",
                   f"adoxq {LO}, {t[3]}",
                   f"adcxq {ZERO}, {t[4]}",
                   f"adoxq {ZERO}, {t[4]}"]


def reduce_row(t, mod, n0):
    """q = t[0] n0; t[0..4] += q m (t[0] becomes 0). The carry out of t[4] is
    left in CF and OF for the caller."""
    body = [f"movq {t[0]}, %%rdx",
            f"imulq {n0}, %%rdx",
            f"xorl {ZERO32}, {ZERO32}"]
    for j in range(4):
        body += [f"mulxq {mod(j)}, {LO}, {HI}",
                 f"adoxq {LO}, {t[j]}",
                 f"adcxq {HI}, {t[j + 1]}"]
    return body


def mont_mul_body(out, a, b, mod, n0):
    t = WORDS[:5]
    body = []
    for i in range(4):
        body.append(f"movq {b(i)}, %%rdx")
        body += first_row(t, a) if i == 0 else mac_row(t, a)
        # t = (t + q m) / 2^64: the value stays < 2^256 (no fifth word).
        body += reduce_row(t, mod, n0)
        body.append(f"adoxq {ZERO}, {t[4]}")
        t = t[1:] + t[:1]
    return body + final_sub(t[:4], [LO, HI, "%%rdx", t[4]], out, mod)


def mul_wide_body(out, a, b):
    t = WORDS[:5]
    body = []
    for i in range(4):
        body.append(f"movq {b(i)}, %%rdx")
        body += first_row(t, a) if i == 0 else mac_row(t, a)
        body.append(f"movq {t[0]}, {out(i)}")
        t = t[1:] + t[:1]
    return body + [f"movq {t[i]}, {out(4 + i)}" for i in range(4)]


def redc_body(out, t_in, mod, n0):
    # Live: words t[i..i+4] (t[i+4] loaded when its row starts) and the carry
    # c out of word i+4, added on the OF chain of the next row. That carry is
    # at most 1: the low i+5 words plus sum(q_j m 2^64j) stay below
    # 2^(64(i+5)) + 2^(64(i+1)+254).
    t = WORDS[:5]
    c = WORDS[5]
    body = [f"movq {t_in(i)}, {t[i]}" for i in range(4)]
    body.append("xorl %%r13d, %%r13d")
    for i in range(4):
        body.append(f"movq {t_in(i + 4)}, {t[4]}")
        body += reduce_row(t, mod, n0)
        body += [f"adoxq {c}, {t[4]}",
                 "movl $0, %%r13d",
                 f"adcxq {ZERO}, {c}",
                 f"adoxq {ZERO}, {c}"]
        t = t[1:] + t[:1]
    return body + final_sub(t[:4], [LO, HI, "%%rdx", t[4]], out, mod)


def mont_mul():
    emit("mont_mul_adx", "uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[5]",
         mont_mul_body(limb("%0"), limb("%1"), limb("%2"), limb("%3"), "32(%3)"),
         ['"r"(r)', '"r"(a)', '"r"(b)', '"r"(m)'], CLOBBER_MUL,
         "r = a b / 2^256 mod m: CIOS with MULX/ADCX/ADOX; bounds as mont_mul.")


def mul_wide():
    emit("mul_wide_adx", "uint64_t t[8], const uint64_t a[4], const uint64_t b[4]",
         mul_wide_body(limb("%0"), limb("%1"), limb("%2")),
         ['"r"(t)', '"r"(a)', '"r"(b)'], CLOBBER_MUL,
         "t = a b (8 limbs), schoolbook rows with two carry chains.")


def redc():
    emit("mont_redc_adx", "uint64_t r[4], const uint64_t t[8], const uint64_t m[5]",
         redc_body(limb("%0"), limb("%1"), limb("%2"), "32(%2)"),
         ['"r"(r)', '"r"(t)', '"r"(m)'], CLOBBER_MUL[:-2] + ["r13", "cc", "memory"],
         "r = t / 2^256 mod m for t < m 2^256 (word-by-word Montgomery reduction).")


def sqr_wide_body(out, a):
    """out = a^2: cross products a_i a_j (i < j) into t1..t6, doubled into
    t1..t7, then the squares a_i^2 added: 10 MULX instead of the 16 of
    mul_wide (Menezes et al., Handbook of Applied Cryptography, Alg. 14.16)."""
    t = [None, "%%r8", "%%r9", "%%r10", "%%r11", "%%r12", "%%r13", "%%r14"]
    body = [f"movq {a(0)}, %%rdx",
            f"mulxq {a(1)}, {t[1]}, {t[2]}",
            f"mulxq {a(2)}, {LO}, {t[3]}",
            f"addq {LO}, {t[2]}",
            f"mulxq {a(3)}, {LO}, {t[4]}",
            f"adcq {LO}, {t[3]}",
            f"adcq $0, {t[4]}",
            f"movq {a(1)}, %%rdx",
            f"xorl {ZERO32}, {ZERO32}",
            f"mulxq {a(2)}, {LO}, {HI}",
            f"adoxq {LO}, {t[3]}",
            f"adcxq {HI}, {t[4]}",
            f"mulxq {a(3)}, {LO}, {t[5]}",
            f"adoxq {LO}, {t[4]}",
            f"adcxq {ZERO}, {t[5]}",
            f"adoxq {ZERO}, {t[5]}",
            f"movq {a(2)}, %%rdx",
            f"mulxq {a(3)}, {LO}, {t[6]}",
            f"addq {LO}, {t[5]}",
            f"adcq $0, {t[6]}",
            f"xorl %%r14d, %%r14d"]
    body += [f"addq {t[1]}, {t[1]}"] + [f"adcq {t[i]}, {t[i]}" for i in range(2, 8)]
    body += [f"movq {a(0)}, %%rdx",
             f"mulxq %%rdx, {LO}, {HI}",
             f"movq {LO}, {out(0)}",
             f"addq {HI}, {t[1]}"]
    for i in range(1, 4):
        body += [f"movq {a(i)}, %%rdx",
                 f"mulxq %%rdx, {LO}, {HI}",
                 f"adcq {LO}, {t[2 * i]}",
                 f"adcq {HI}, {t[2 * i + 1]}"]
    return body + [f"movq {t[i]}, {out(i)}" for i in range(1, 8)]


def mont_sqr():
    # %[r] = r, %[a] = a, %[s] = 8 words of scratch; the modulus p as memory
    # operands. The square goes through the scratch into the reduction.
    body = sqr_wide_body(limb("%[s]"), limb("%[a]"))
    body += redc_body(limb("%[r]"), limb("%[s]"), named("p"), "%[p4]")
    inputs = ['[r] "r"(r)', '[a] "r"(a)', '[s] "r"(s)'] + [f'[p{i}] "m"(P_LIMBS[{i}])' for i in range(5)]
    emit("fp_sqr_adx", "uint64_t r[4], const uint64_t a[4], uint64_t s[8]",
         body, inputs, CLOBBER_MUL[:-2] + ["r13", "r14", "cc", "memory"],
         "r = a^2 / 2^256 mod p for a < 2p: the square, then the reduction.")


def fp2_mul():
    # %[r] = r (c0 at 0, c1 at 32), %[a], %[b] likewise, %[s] = 32 words of
    # scratch: sa = a0 + a1 at 0, sb = b0 + b1 at 32, then the products
    # t0 = a0 b0 at 64, t1 = a1 b1 at 128, t2 = sa sb at 192.
    d = WORDS + [LO, HI]                      # eight data registers
    mask = ZERO
    p, n0, psq = named("p"), "%[p4]", named("q")
    body = []
    for src, dst in (("%[a]", 0), ("%[b]", 32)):       # lazy sums < 2p
        body += [f"movq {i * 8}({src}), {d[i]}" for i in range(4)]
        body.append(f"addq 32({src}), {d[0]}")
        body += [f"adcq {32 + 8 * i}({src}), {d[i]}" for i in range(1, 4)]
        body += [f"movq {d[i]}, {dst + 8 * i}(%[s])" for i in range(4)]
    body += mul_wide_body(limb("%[s]", 64), limb("%[a]"), limb("%[b]"))
    body += mul_wide_body(limb("%[s]", 128), limb("%[a]", 32), limb("%[b]", 32))
    body += mul_wide_body(limb("%[s]", 192), limb("%[s]", 0), limb("%[s]", 32))
    # c1 = t2 - t0 - t1 = a0 b1 + a1 b0 (>= 0, < 2p^2)
    body += [f"movq {192 + 8 * i}(%[s]), {d[i]}" for i in range(8)]
    for off in (64, 128):
        body.append(f"subq {off}(%[s]), {d[0]}")
        body += [f"sbbq {off + 8 * i}(%[s]), {d[i]}" for i in range(1, 8)]
    body += [f"movq {d[i]}, {192 + 8 * i}(%[s])" for i in range(8)]
    # c0 = t0 - t1, plus p^2 when that borrows (< 2p^2 either way)
    body += [f"movq {64 + 8 * i}(%[s]), {d[i]}" for i in range(8)]
    body.append(f"subq 128(%[s]), {d[0]}")
    body += [f"sbbq {128 + 8 * i}(%[s]), {d[i]}" for i in range(1, 8)]
    body += [f"movq {d[i]}, {64 + 8 * i}(%[s])" for i in range(8)]
    body.append(f"sbbq {mask}, {mask}")
    body += [f"movq {psq(i)}, {d[i]}" for i in range(8)]
    body += [f"andq {mask}, {d[i]}" for i in range(8)]
    body.append(f"addq {d[0]}, 64(%[s])")
    body += [f"adcq {d[i]}, {64 + 8 * i}(%[s])" for i in range(1, 8)]
    body += redc_body(limb("%[r]"), limb("%[s]", 64), p, n0)
    body += redc_body(limb("%[r]", 32), limb("%[s]", 192), p, n0)
    inputs = ['[r] "r"(r)', '[a] "r"(a)', '[b] "r"(b)', '[s] "r"(s)']
    inputs += [f'[p{i}] "m"(P_LIMBS[{i}])' for i in range(5)]
    inputs += [f'[q{i}] "m"(P_SQ[{i}])' for i in range(8)]
    emit("fp2_mul_adx", "bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b, uint64_t s[32]",
         body, inputs, CLOBBER_MUL[:-2] + ["r13", "cc", "memory"],
         "(a0 + a1 i)(b0 + b1 i) mod p: three 4x4 products, Karatsuba\n"
         " * combination in double width, two Montgomery reductions (see fp2_mul).")


def main():
    print("/* asm_x86_64.h - GENERATED by bn254/tools/gen_asm.py; do not edit.")
    print(" * MULX/ADCX/ADOX Montgomery kernels; used only when CPUID reports BMI2")
    print(" * and ADX (fp_impl.h). See the generator for the algorithms. */")
    print("#ifndef BN254_ASM_X86_64_H\n#define BN254_ASM_X86_64_H\n")
    mont_mul()
    mul_wide()
    redc()
    mont_sqr()
    fp2_mul()
    print("#endif")


if __name__ == "__main__":
    main()
