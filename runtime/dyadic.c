/* Exact dyadic values; see dyadic.h. */
#include "dyadic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 nm_i128;
typedef unsigned __int128 nm_u128;

nm_dyadic_stats nm_dyadic_counters;

_Static_assert(sizeof(mp_limb_t) == sizeof(uint64_t), "GMP limbs must be 64 bits");

static void nm_dyadic_oom(void)
{
    fprintf(stderr, "nmc: out of memory for an exact value\n");
    abort();
}

/* ---- limb buffers ---------------------------------------------------- */

static nm_limbs *nm_limbs_new(uint64_t capacity)
{
    if (capacity < 4)
        capacity = 4;
    nm_limbs *buf = malloc(sizeof *buf + capacity * sizeof(uint64_t));
    if (!buf)
        nm_dyadic_oom();
    buf->refcount = 1;
    buf->capacity = capacity;
    buf->size = 0;
    return buf;
}

static void nm_limbs_unref(nm_limbs *buf)
{
    if (buf && --buf->refcount == 0)
        free(buf);
}

static nm_limbs *nm_limbs_grow(nm_limbs *buf, uint64_t needed)
{
    if (needed <= buf->capacity)
        return buf;
    uint64_t capacity = buf->capacity * 2 > needed ? buf->capacity * 2 : needed;
    nm_limbs *grown = realloc(buf, sizeof *buf + capacity * sizeof(uint64_t));
    if (!grown)
        nm_dyadic_oom();
    grown->capacity = capacity;
    return grown;
}

static void nm_limbs_trim(nm_limbs *buf)
{
    while (buf->size > 0 && buf->limb[buf->size - 1] == 0)
        buf->size--;
}

static nm_limbs *nm_limbs_from_mpz(const mpz_t value)
{
    size_t size = mpz_size(value);
    nm_limbs *buf = nm_limbs_new(size + 2);
    if (size)
        memcpy(buf->limb, mpz_limbs_read(value), size * sizeof(uint64_t));
    buf->size = size;
    return buf;
}

static void nm_limbs_to_mpz(const nm_limbs *buf, mpz_t out)
{
    if (buf->size == 0) {
        mpz_set_ui(out, 0);
        return;
    }
    mp_limb_t *limbs = mpz_limbs_write(out, (mp_size_t)buf->size);
    memcpy(limbs, buf->limb, buf->size * sizeof(uint64_t));
    mpz_limbs_finish(out, (mp_size_t)buf->size);
}

static uint64_t nm_limbs_bits(const nm_limbs *buf)
{
    if (buf->size == 0)
        return 0;
    return 64 * buf->size - (uint64_t)__builtin_clzll(buf->limb[buf->size - 1]);
}

/* Bits [offset, offset + 128) of the mantissa. */
static nm_u128 nm_limbs_window(const nm_limbs *buf, uint64_t offset)
{
    nm_u128 result = 0;
    uint64_t first = offset / 64, bit = offset % 64;
    for (uint64_t i = 0; i < 3; i++) {
        uint64_t index = first + i;
        if (index >= buf->size)
            break;
        nm_u128 limb = buf->limb[index];
        uint64_t position = 64 * i;
        if (position >= bit + 128)
            break;
        if (position >= bit)
            result |= limb << (position - bit);
        else
            result |= limb >> (bit - position);
    }
    return result;
}

/* Adds VALUE * 2^OFFSET to the mantissa in place (VALUE may be negative;
 * the result must not be).  The buffer must have one owner. */
static nm_limbs *nm_limbs_add_at(nm_limbs *buf, nm_i128 value, uint64_t offset)
{
    bool negative = value < 0;
    nm_u128 magnitude = negative ? (nm_u128)(-value) : (nm_u128)value;
    uint64_t first = offset / 64, bit = offset % 64;
    uint64_t parts[3] = {(uint64_t)(magnitude << bit), 0, 0};
    parts[1] = bit ? (uint64_t)(magnitude >> (64 - bit)) : (uint64_t)(magnitude >> 64);
    parts[2] = bit ? (uint64_t)((magnitude >> 64) >> (64 - bit)) : 0;

    uint64_t needed = first + 4 > buf->size + 1 ? first + 4 : buf->size + 1;
    buf = nm_limbs_grow(buf, needed);
    for (uint64_t i = buf->size; i < needed; i++)
        buf->limb[i] = 0;
    if (needed > buf->size)
        buf->size = needed;

    uint64_t carry = 0;
    for (uint64_t i = first; i < buf->size; i++) {
        uint64_t part = i - first < 3 ? parts[i - first] : 0;
        if (part == 0 && carry == 0 && i - first >= 3)
            break;
        uint64_t limb = buf->limb[i];
        uint64_t next;
        if (!negative) {
            next = limb + part;
            uint64_t overflow = next < limb;
            uint64_t with_carry = next + carry;
            overflow |= with_carry < next;
            buf->limb[i] = with_carry;
            carry = overflow;
        } else {
            next = limb - part;
            uint64_t borrow = limb < part;
            uint64_t with_borrow = next - carry;
            borrow |= next < carry;
            buf->limb[i] = with_borrow;
            carry = borrow;
        }
    }
    nm_limbs_trim(buf);
    return buf;
}

/* Sign of M - R * 2^K for R >= 0 (K may be negative). */
static int nm_limbs_compare(const nm_limbs *buf, nm_u128 r, int64_t k)
{
    uint64_t m_bits = nm_limbs_bits(buf);
    uint64_t r_bits = 0;
    for (nm_u128 v = r; v; v >>= 1)
        r_bits++;
    if (r == 0)
        return m_bits > 0;
    int64_t r_top = (int64_t)r_bits + k;
    if ((int64_t)m_bits != r_top)
        return (int64_t)m_bits > r_top ? 1 : -1;

    if (k < 0) {
        /* Both below 2^128 here: compare M * 2^-k with R exactly. */
        mpz_t m, rr;
        mpz_init(m);
        mpz_init(rr);
        nm_limbs_to_mpz(buf, m);
        mpz_mul_2exp(m, m, (mp_bitcnt_t)(-k));
        mpz_import(rr, 2, -1, sizeof(uint64_t), 0, 0, (uint64_t[]){(uint64_t)r, (uint64_t)(r >> 64)});
        int sign = mpz_cmp(m, rr);
        mpz_clear(m);
        mpz_clear(rr);
        return (sign > 0) - (sign < 0);
    }
    nm_u128 window = nm_limbs_window(buf, (uint64_t)k);
    if (window != r)
        return window > r ? 1 : -1;
    /* The top bits agree: M is larger exactly when a lower bit is set. */
    uint64_t low_limbs = (uint64_t)k / 64;
    for (uint64_t i = 0; i < low_limbs && i < buf->size; i++)
        if (buf->limb[i])
            return 1;
    if (low_limbs < buf->size && ((uint64_t)k % 64) && (buf->limb[low_limbs] << (64 - (uint64_t)k % 64)))
        return 1;
    return 0;
}

/* ---- slots ----------------------------------------------------------- */

void nm_slot_init(nm_slot *slot)
{
    memset(slot, 0, sizeof *slot);
}

void nm_slot_release(nm_slot *slot)
{
    nm_limbs_unref(slot->buf);
    memset(slot, 0, sizeof *slot);
}

void nm_slot_copy(nm_slot *target, const nm_slot *source)
{
    if (target == source)
        return;
    nm_slot_release(target);
    *target = *source;
    if (target->buf)
        target->buf->refcount++;
}

bool nm_dyadic_from_mpq(nm_dyadic *out, const mpq_t value)
{
    const mpz_srcptr denominator = mpq_denref(value);
    mp_bitcnt_t shift = mpz_scan1(denominator, 0);
    if (mpz_sizeinbase(denominator, 2) != shift + 1)
        return false;
    if (mpz_sizeinbase(mpq_numref(value), 2) > 62)
        return false;
    out->numerator = mpz_get_si(mpq_numref(value));
    out->shift = (int64_t)shift;
    return true;
}

static void nm_slot_set_small(nm_slot *slot, uint64_t q)
{
    nm_slot_release(slot);
    slot->q = q;
}

bool nm_slot_set_mpq(nm_slot *slot, const mpq_t value)
{
    const mpz_srcptr denominator = mpq_denref(value);
    mp_bitcnt_t exp = mpz_scan1(denominator, 0);
    if (mpz_sizeinbase(denominator, 2) != exp + 1 || mpq_sgn(value) < 0
        || mpq_cmp_ui(value, 1, 1) > 0)
        return false;
    nm_slot_release(slot);
    mpz_t scaled;
    mpz_init(scaled);
    if (exp <= NM_Q_BITS) {
        mpz_mul_2exp(scaled, mpq_numref(value), NM_Q_BITS - exp);
        slot->q = mpz_get_ui(scaled);
    } else {
        slot->buf = nm_limbs_from_mpz(mpq_numref(value));
        slot->exp = (int64_t)exp;
        mpz_tdiv_q_2exp(scaled, mpq_numref(value), exp - NM_Q_BITS);
        slot->q = mpz_get_ui(scaled);
    }
    mpz_clear(scaled);
    return true;
}

void nm_slot_get_mpq(const nm_slot *slot, mpq_t out)
{
    if (!slot->buf) {
        mpz_set_ui(mpq_numref(out), slot->q);
        mpz_set_ui(mpq_denref(out), 1);
        mpz_mul_2exp(mpq_denref(out), mpq_denref(out), NM_Q_BITS);
        mpq_canonicalize(out);
        return;
    }
    int64_t common = slot->exp > slot->shift ? slot->exp : slot->shift;
    mpz_t mantissa, delta;
    mpz_init(mantissa);
    mpz_init(delta);
    nm_limbs_to_mpz(slot->buf, mantissa);
    mpz_mul_2exp(mantissa, mantissa, (mp_bitcnt_t)(common - slot->exp));
    mpz_set_si(delta, slot->delta);
    mpz_mul_2exp(delta, delta, (mp_bitcnt_t)(common - slot->shift));
    mpz_add(mpq_numref(out), mantissa, delta);
    mpz_set_ui(mpq_denref(out), 1);
    mpz_mul_2exp(mpq_denref(out), mpq_denref(out), (mp_bitcnt_t)common);
    mpq_canonicalize(out);
    mpz_clear(mantissa);
    mpz_clear(delta);
}

/* Puts an exact mpq result in OUT, in whichever form fits. */
static void nm_slot_store_mpq(nm_slot *out, const mpq_t value)
{
    if (!nm_slot_set_mpq(out, value)) {
        fprintf(stderr, "nmc: internal error: a neuron value is not dyadic in [0, 1]\n");
        abort();
    }
}

void nm_slot_commit(nm_slot *slot)
{
    if (!slot->buf)
        return;
    if (slot->delta != 0) {
        int64_t offset = slot->exp - slot->shift;
        if (offset < 0) {
            mpq_t value;
            mpq_init(value);
            nm_slot_get_mpq(slot, value);
            nm_slot_store_mpq(slot, value);
            mpq_clear(value);
            nm_dyadic_counters.general++;
            return;
        }
        if (slot->buf->refcount > 1) {
            nm_limbs *copy = nm_limbs_new(slot->buf->size + 4);
            memcpy(copy->limb, slot->buf->limb, slot->buf->size * sizeof(uint64_t));
            copy->size = slot->buf->size;
            nm_limbs_unref(slot->buf);
            slot->buf = copy;
            nm_dyadic_counters.copies++;
        }
        slot->buf = nm_limbs_add_at(slot->buf, slot->delta, (uint64_t)offset);
        slot->delta = 0;
        slot->shift = 0;
        nm_dyadic_counters.commits++;
    }
    if (slot->buf->size == 0) {
        nm_slot_set_small(slot, 0);
    } else if (slot->exp <= NM_Q_BITS) {
        uint64_t q = slot->buf->limb[0] << (NM_Q_BITS - slot->exp);
        nm_slot_set_small(slot, q);
    }
}

/* ---- exact evaluation -------------------------------------------------- */

/* An exact small dyadic: numerator * 2^-shift, with overflow tracking. */
typedef struct nm_small {
    nm_i128 numerator;
    int64_t shift;
    bool overflow;
} nm_small;

/* VALUE * 2^BITS, or false when it leaves 127 bits. */
static bool nm_shift_left(nm_i128 *value, int64_t bits)
{
    if (*value == 0 || bits == 0)
        return true;
    if (bits >= 126)
        return false;
    nm_u128 magnitude = *value < 0 ? (nm_u128)(-*value) : (nm_u128)*value;
    if (magnitude >> (126 - bits))
        return false;
    *value = *value < 0 ? -(nm_i128)(magnitude << bits) : (nm_i128)(magnitude << bits);
    return true;
}

static void nm_small_add(nm_small *acc, nm_i128 numerator, int64_t shift)
{
    if (acc->overflow || numerator == 0)
        return;
    if (shift > 200 || acc->shift > 200) {
        acc->overflow = true;
        return;
    }
    if (shift > acc->shift) {
        if (!nm_shift_left(&acc->numerator, shift - acc->shift)) {
            acc->overflow = true;
            return;
        }
        acc->shift = shift;
    } else if (!nm_shift_left(&numerator, acc->shift - shift)) {
        acc->overflow = true;
        return;
    }
    if (__builtin_add_overflow(acc->numerator, numerator, &acc->numerator))
        acc->overflow = true;
}

static void nm_small_normalize(nm_small *value)
{
    if (value->numerator == 0) {
        value->shift = 0;
        return;
    }
    nm_u128 magnitude = value->numerator < 0 ? (nm_u128)(-value->numerator) : (nm_u128)value->numerator;
    uint64_t low = (uint64_t)magnitude;
    int zeros = low ? __builtin_ctzll(low) : 64 + __builtin_ctzll((uint64_t)(magnitude >> 64));
    if (zeros > value->shift)
        zeros = (int)value->shift;
    value->numerator >>= zeros; /* exact: the low ZEROS bits are 0 */
    value->shift -= zeros;
}

/* The exact sum through GMP, for every case the fast paths leave. */
static void nm_eval_general(const nm_slow_neuron *neuron, const uint8_t *bools,
                            const nm_slot *slots, const int64_t *lines, nm_slot *out)
{
    mpq_t sum, term, weight;
    mpq_init(sum);
    mpq_init(term);
    mpq_init(weight);
    mpz_set_si(mpq_numref(sum), neuron->bias.numerator);
    mpz_set_ui(mpq_denref(sum), 1);
    mpz_mul_2exp(mpq_denref(sum), mpq_denref(sum), (mp_bitcnt_t)neuron->bias.shift);
    mpq_canonicalize(sum);

    const nm_slow_term *groups[3] = {neuron->slots, neuron->bools, neuron->lines};
    int32_t counts[3] = {neuron->slot_count, neuron->bool_count, neuron->line_count};
    for (int g = 0; g < 3; g++) {
        for (int32_t i = 0; i < counts[g]; i++) {
            const nm_slow_term *t = &groups[g][i];
            mpz_set_si(mpq_numref(weight), t->weight.numerator);
            mpz_set_ui(mpq_denref(weight), 1);
            mpz_mul_2exp(mpq_denref(weight), mpq_denref(weight), (mp_bitcnt_t)t->weight.shift);
            mpq_canonicalize(weight);
            if (g == 0)
                nm_slot_get_mpq(&slots[t->source], term);
            else if (g == 1)
                mpq_set_ui(term, bools[t->source], 1);
            else
                mpq_set_si(term, lines ? lines[t->source] : 0, 1);
            mpq_mul(term, term, weight);
            mpq_add(sum, sum, term);
        }
    }
    if (mpq_sgn(sum) < 0)
        mpq_set_ui(sum, 0, 1);
    else if (mpq_cmp_ui(sum, 1, 1) > 0)
        mpq_set_ui(sum, 1, 1);
    nm_slot_store_mpq(out, sum);
    nm_dyadic_counters.general++;
    mpq_clear(sum);
    mpq_clear(term);
    mpq_clear(weight);
}

/* Sums everything but the slots with buffers into ACC; returns the index
 * of the one big input, -1 when there is none, -2 when there are several. */
static int nm_sum_small_terms(const nm_slow_neuron *neuron, const uint8_t *bools,
                              const nm_slot *slots, const int64_t *lines, nm_small *acc)
{
    nm_small_add(acc, neuron->bias.numerator, neuron->bias.shift);
    for (int32_t i = 0; i < neuron->bool_count; i++) {
        const nm_slow_term *t = &neuron->bools[i];
        if (bools[t->source])
            nm_small_add(acc, t->weight.numerator, t->weight.shift);
    }
    for (int32_t i = 0; lines && i < neuron->line_count; i++) {
        const nm_slow_term *t = &neuron->lines[i];
        nm_i128 product = (nm_i128)t->weight.numerator * lines[t->source];
        nm_small_add(acc, product, t->weight.shift);
    }
    int big = -1;
    for (int32_t i = 0; i < neuron->slot_count; i++) {
        const nm_slow_term *t = &neuron->slots[i];
        const nm_slot *slot = &slots[t->source];
        if (slot->buf) {
            big = big == -1 ? i : -2;
            continue;
        }
        nm_small_add(acc, (nm_i128)t->weight.numerator * (nm_i128)slot->q, t->weight.shift + NM_Q_BITS);
    }
    return big;
}

static bool nm_power_of_two(int64_t value, int64_t *log2)
{
    if (value <= 0 || (value & (value - 1)) != 0)
        return false;
    *log2 = __builtin_ctzll((uint64_t)value);
    return true;
}

/* Stores sigma of a small exact sum. */
static void nm_store_small(nm_slot *out, nm_small *acc)
{
    nm_small_normalize(acc);
    if (acc->numerator <= 0) {
        nm_slot_set_small(out, 0);
        return;
    }
    /* numerator * 2^-shift >= 1 ? */
    if (acc->shift < 127 && acc->numerator >= ((nm_i128)1 << acc->shift)) {
        nm_slot_set_small(out, NM_Q_ONE);
        return;
    }
    if (acc->shift <= NM_Q_BITS) {
        nm_slot_set_small(out, (uint64_t)(acc->numerator << (NM_Q_BITS - acc->shift)));
        return;
    }
    mpz_t numerator;
    mpz_init(numerator);
    mpz_import(numerator, 2, -1, sizeof(uint64_t), 0, 0,
               (uint64_t[]){(uint64_t)acc->numerator, (uint64_t)(acc->numerator >> 64)});
    nm_slot_release(out);
    out->buf = nm_limbs_from_mpz(numerator);
    out->exp = acc->shift;
    mpz_tdiv_q_2exp(numerator, numerator, (mp_bitcnt_t)(acc->shift - NM_Q_BITS));
    out->q = mpz_get_ui(numerator);
    mpz_clear(numerator);
}

/* floor(M * 2^-exp * 2^62) + delta * 2^(62 - shift), or false when it needs
 * more than the fast path handles. */
static bool nm_view_q(const nm_limbs *buf, int64_t exp, const nm_small *delta, uint64_t *q)
{
    if (exp < NM_Q_BITS || delta->shift > NM_Q_BITS)
        return false;
    uint64_t offset = (uint64_t)(exp - NM_Q_BITS);
    if (nm_limbs_bits(buf) > offset + 120)
        return false;
    nm_i128 top = (nm_i128)nm_limbs_window(buf, offset);
    nm_i128 total = top + delta->numerator * ((nm_i128)1 << (NM_Q_BITS - delta->shift));
    if (total < 0 || total > (nm_i128)NM_Q_ONE)
        return false;
    *q = (uint64_t)total;
    return true;
}

/* The O(1) case: one big input x with a positive power-of-two weight 2^k,
 * so the sum is M * 2^-(exp - k) + D with D small.  Returns false to send
 * the evaluation to the general path. */
static bool nm_eval_view(const nm_slot *x, int64_t k, nm_small *d, nm_slot *out)
{
    int64_t exp = x->exp - k;
    if (x->delta != 0) {
        if (x->shift - k < 0)
            return false;
        nm_small_add(d, x->delta, x->shift - k);
    }
    if (d->overflow || exp < 128)
        return false;
    nm_small_normalize(d);

    /* sigma: 0 when M 2^-exp <= -D, 1 when M 2^-exp >= 1 - D. */
    if (d->numerator < 0 && d->shift <= 100) {
        int sign = nm_limbs_compare(x->buf, (nm_u128)(-d->numerator), exp - d->shift);
        if (sign <= 0) {
            nm_slot_set_small(out, 0);
            return true;
        }
    }
    if (d->shift <= 100) {
        nm_i128 one_minus = ((nm_i128)1 << d->shift) - d->numerator;
        if (one_minus <= 0) {
            nm_slot_set_small(out, NM_Q_ONE);
            return true;
        }
        if (nm_limbs_compare(x->buf, (nm_u128)one_minus, exp - d->shift) >= 0) {
            nm_slot_set_small(out, NM_Q_ONE);
            return true;
        }
    } else {
        return false;
    }

    uint64_t q;
    if (!nm_view_q(x->buf, exp, d, &q))
        return false;
    nm_limbs *buf = x->buf;
    buf->refcount++;
    nm_slot_release(out);
    out->buf = buf;
    out->exp = exp;
    out->delta = (int64_t)d->numerator;
    out->shift = d->shift;
    out->q = q;
    if ((nm_i128)out->delta != d->numerator) {
        nm_slot_release(out);
        return false;
    }
    nm_dyadic_counters.views++;
    return true;
}

static void nm_eval_from(const nm_slow_neuron *neuron, const uint8_t *bools, const nm_slot *slots,
                         const int64_t *lines, nm_slot *out, nm_small acc, int big)
{
    if (!acc.overflow && big == -1) {
        nm_store_small(out, &acc);
        return;
    }
    if (!acc.overflow && big >= 0) {
        const nm_slow_term *t = &neuron->slots[big];
        int64_t log2;
        if (nm_power_of_two(t->weight.numerator, &log2)
            && nm_eval_view(&slots[t->source], log2 - t->weight.shift, &acc, out))
            return;
    }
    nm_eval_general(neuron, bools, slots, lines, out);
}

void nm_slow_eval(const nm_slow_neuron *neuron, const uint8_t *bools, const nm_slot *slots,
                  const int64_t *lines, nm_slot *out)
{
    nm_small acc = {0, 0, false};
    int big = nm_sum_small_terms(neuron, bools, slots, lines, &acc);
    nm_eval_from(neuron, bools, slots, lines, out, acc, big);
}

void nm_slow_eval_partial(const nm_slow_neuron *neuron, int64_t integer, int64_t shift,
                          const uint8_t *bools, const nm_slot *slots, const int64_t *lines,
                          nm_slot *out)
{
    nm_small acc = {integer, shift, false};
    int big = -1;
    for (int32_t i = 0; i < neuron->slot_count; i++) {
        const nm_slow_term *t = &neuron->slots[i];
        const nm_slot *slot = &slots[t->source];
        if (slot->buf) {
            big = big == -1 ? i : -2;
            continue;
        }
        nm_small_add(&acc, (nm_i128)t->weight.numerator * (nm_i128)slot->q, t->weight.shift + NM_Q_BITS);
    }
    nm_eval_from(neuron, bools, slots, lines, out, acc, big);
}
