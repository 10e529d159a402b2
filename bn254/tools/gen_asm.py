#!/usr/bin/env python3
"""Generates bn254/src/asm_x86_64.h: 4-limb Montgomery kernels in x86-64 GNU
inline assembly using MULX (BMI2) and ADCX/ADOX (ADX), two independent carry
chains (Gueron, Krasnov, "Software implementation of modular exponentiation,
using advanced vector instructions architectures", and Intel's white paper
"New instructions supporting large integer arithmetic on Intel architecture
processors", 2012).

    python3 bn254/tools/gen_asm.py > bn254/src/asm_x86_64.h

The library calls these only when CPUID reports BMI2 and ADX (see
fp_impl.h); otherwise it runs the portable C versions, which the tests
compare against these on random inputs. All three are branch-free.

Kernels (m = modulus with m[3] < 2^62, n0 = -m^-1 mod 2^64 stored at m[4]):
  mont_mul_adx(r, a, b, m):  r = a b / 2^256 mod m (CIOS, "no-carry" form, same
                             input bounds as mont_mul in fp_impl.h)
  mul_wide_adx(t, a, b):     t = a b, 8 limbs
  mont_redc_adx(r, t, m):    r = t / 2^256 mod m for t < m 2^256
"""

LO, HI, ZERO, ZERO32 = "%%rax", "%%rbx", "%%rcx", "%%ecx"
WORDS = ["%%r8", "%%r9", "%%r10", "%%r11", "%%r12", "%%r13"]


def emit(name, sig, body, inputs, clobbers, comment):
    print("/* %s */" % comment)
    print("static inline void %s(%s)\n{" % (name, sig))
    print("    __asm__ volatile(")
    for line in body:
        print('        "%s\\n\\t"' % line)
    print("        :")
    print("        : %s" % ", ".join(inputs))
    print("        : %s);" % ", ".join('"%s"' % c for c in clobbers))
    print("}\n")


def final_sub(t, s, out_ptr, mod_ptr):
    """out = t - m if that does not borrow, else t (cmov: constant time)."""
    body = [f"movq {t[i]}, {s[i]}" for i in range(4)]
    body.append(f"subq 0({mod_ptr}), {s[0]}")
    body += [f"sbbq {8 * i}({mod_ptr}), {s[i]}" for i in range(1, 4)]
    body += [f"cmovcq {t[i]}, {s[i]}" for i in range(4)]
    body += [f"movq {s[i]}, {8 * i}({out_ptr})" for i in range(4)]
    return body


def first_row(t, a):
    """t[0..4] = a * rdx (one carry chain)."""
    return [f"mulxq 0({a}), {t[0]}, {t[1]}",
            f"mulxq 8({a}), {LO}, {t[2]}",
            f"addq {LO}, {t[1]}",
            f"mulxq 16({a}), {LO}, {t[3]}",
            f"adcq {LO}, {t[2]}",
            f"mulxq 24({a}), {LO}, {t[4]}",
            f"adcq {LO}, {t[3]}",
            f"adcq $0, {t[4]}"]


def mac_row(t, a):
    """t[0..3] += a * rdx, t[4] = the new top word: low halves on the OF
    chain, high halves on the CF chain."""
    body = [f"xorl {ZERO32}, {ZERO32}"]
    for j in range(3):
        body += [f"mulxq {8 * j}({a}), {LO}, {HI}",
                 f"adoxq {LO}, {t[j]}",
                 f"adcxq {HI}, {t[j + 1]}"]
    return body + [f"mulxq 24({a}), {LO}, {t[4]}",
                   f"adoxq {LO}, {t[3]}",
                   f"adcxq {ZERO}, {t[4]}",
                   f"adoxq {ZERO}, {t[4]}"]


def reduce_row(t, m):
    """q = t[0] n0; t[0..4] += q m (t[0] becomes 0). The carry out of t[4] is
    left in CF and OF for the caller."""
    body = [f"movq {t[0]}, %%rdx",
            f"imulq 32({m}), %%rdx",
            f"xorl {ZERO32}, {ZERO32}"]
    for j in range(4):
        body += [f"mulxq {8 * j}({m}), {LO}, {HI}",
                 f"adoxq {LO}, {t[j]}",
                 f"adcxq {HI}, {t[j + 1]}"]
    return body


def mont_mul():
    # operands: %0 = r, %1 = a, %2 = b, %3 = m (m[4] = n0)
    t = WORDS[:5]
    body = []
    for i in range(4):
        body.append(f"movq {8 * i}(%2), %%rdx")
        body += first_row(t, "%1") if i == 0 else mac_row(t, "%1")
        # t = (t + q m) / 2^64: the value stays < 2^256 (no fifth word).
        body += reduce_row(t, "%3")
        body.append(f"adoxq {ZERO}, {t[4]}")
        t = t[1:] + t[:1]
    body += final_sub(t[:4], [LO, HI, "%%rdx", t[4]], "%0", "%3")
    emit("mont_mul_adx", "uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[5]",
         body, ['"r"(r)', '"r"(a)', '"r"(b)', '"r"(m)'],
         ["rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "cc", "memory"],
         "r = a b / 2^256 mod m: CIOS with MULX/ADCX/ADOX; bounds as mont_mul.")


def mul_wide():
    # operands: %0 = t (8 limbs out), %1 = a, %2 = b
    t = WORDS[:5]
    body = []
    for i in range(4):
        body.append(f"movq {8 * i}(%2), %%rdx")
        body += first_row(t, "%1") if i == 0 else mac_row(t, "%1")
        body.append(f"movq {t[0]}, {8 * i}(%0)")
        t = t[1:] + t[:1]
    body += [f"movq {t[i]}, {32 + 8 * i}(%0)" for i in range(4)]
    emit("mul_wide_adx", "uint64_t t[8], const uint64_t a[4], const uint64_t b[4]",
         body, ['"r"(t)', '"r"(a)', '"r"(b)'],
         ["rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "cc", "memory"],
         "t = a b (8 limbs), schoolbook rows with two carry chains.")


def redc():
    # operands: %0 = r, %1 = t (8 limbs in), %2 = m (m[4] = n0)
    # Live: words t[i..i+4] (t[i+4] loaded when its row starts) and the carry
    # c out of word i+4, added on the OF chain of the next row. That carry is
    # at most 1: the low i+5 words plus sum(q_j m 2^64j) stay below
    # 2^(64(i+5)) + 2^(64(i+1)+254).
    t = WORDS[:5]
    c = WORDS[5]
    body = [f"movq {8 * i}(%1), {t[i]}" for i in range(4)]
    body.append("xorl %%r13d, %%r13d")
    for i in range(4):
        body.append(f"movq {8 * (i + 4)}(%1), {t[4]}")
        body += reduce_row(t, "%2")
        body += [f"adoxq {c}, {t[4]}",
                 "movl $0, %%r13d",
                 f"adcxq {ZERO}, {c}",
                 f"adoxq {ZERO}, {c}"]
        t = t[1:] + t[:1]
    body += final_sub(t[:4], [LO, HI, "%%rdx", t[4]], "%0", "%2")
    emit("mont_redc_adx", "uint64_t r[4], const uint64_t t[8], const uint64_t m[5]",
         body, ['"r"(r)', '"r"(t)', '"r"(m)'],
         ["rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "cc", "memory"],
         "r = t / 2^256 mod m for t < m 2^256 (word-by-word Montgomery reduction).")


def main():
    print("/* asm_x86_64.h - GENERATED by bn254/tools/gen_asm.py; do not edit.")
    print(" * MULX/ADCX/ADOX Montgomery kernels; used only when CPUID reports BMI2")
    print(" * and ADX (fp_impl.h). See the generator for the algorithms. */")
    print("#ifndef BN254_ASM_X86_64_H\n#define BN254_ASM_X86_64_H\n")
    mont_mul()
    mul_wide()
    redc()
    print("#endif")


if __name__ == "__main__":
    main()
