/* Encoding and decoding machine configurations; see config.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

void nm_config_free(nm_config *config)
{
    for (int t = 0; t < config->tapes; t++) {
        free(config->tape[t].cells);
        config->tape[t].cells = NULL;
    }
}

bool nm_config_equal(const nm_config *a, const nm_config *b)
{
    if (a->state != b->state || a->tapes != b->tapes)
        return false;
    for (int t = 0; t < a->tapes; t++) {
        const nm_config_tape *x = &a->tape[t], *y = &b->tape[t];
        if (x->count != y->count || x->head != y->head)
            return false;
        if (x->count && memcmp(x->cells, y->cells, x->count) != 0)
            return false;
    }
    return true;
}

void nm_config_from_sim(nm_config *config, const tm_sim *sim)
{
    memset(config, 0, sizeof *config);
    config->state = sim->state;
    config->tapes = sim->table->tapes;
    for (int t = 0; t < config->tapes; t++) {
        int64_t first, last;
        tm_sim_extent(sim, t, &first, &last);
        nm_config_tape *tape = &config->tape[t];
        tape->count = (size_t)(last - first + 1);
        tape->cells = nm_xmalloc(tape->count);
        for (size_t i = 0; i < tape->count; i++)
            tape->cells[i] = tm_sim_cell(sim, t, first + (int64_t)i);
        tape->head = (size_t)(tm_sim_head(sim, t) - first);
    }
}

void nm_config_print(const nm_config *config, const nm_machine *machine, nm_buf *out)
{
    nm_buf_puts(out, "state ");
    nm_print_state_name(out, machine->states[config->state].name);
    for (int t = 0; t < config->tapes; t++) {
        const nm_config_tape *tape = &config->tape[t];
        nm_buf_printf(out, ", tape %d:", t + 1);
        for (size_t i = 0; i < tape->count; i++) {
            nm_buf_puts(out, i == tape->head ? " [" : " ");
            nm_print_symbol(out, &machine->symbols[tape->cells[i]]);
            if (i == tape->head)
                nm_buf_putc(out, ']');
        }
    }
}

void nm_net_values_init(nm_net_values *values, int count)
{
    values->count = count;
    values->values = nm_xmalloc((size_t)(count ? count : 1) * sizeof *values->values);
    for (int i = 0; i < count; i++)
        mpq_init(values->values[i]);
}

void nm_net_values_clear(nm_net_values *values)
{
    for (int i = 0; i < values->count; i++)
        mpq_clear(values->values[i]);
    free(values->values);
    values->values = NULL;
    values->count = 0;
}

/* The symbols on one stack at the start: tape 1's right stack holds the
 * input, every other stack is empty. */
static size_t nm_initial_stack(int stack, const uint8_t *input, size_t length,
                               const uint8_t **symbols)
{
    if (stack == 1) {
        *symbols = input;
        return length;
    }
    *symbols = NULL;
    return 0;
}

static void nm_encode_stack(const uint8_t *symbols, size_t count, int base_bits, mpq_t out)
{
    mpz_t numerator;
    mpz_init(numerator);
    for (size_t i = 0; i < count; i++) {
        mpz_mul_2exp(numerator, numerator, (mp_bitcnt_t)base_bits);
        mpz_add_ui(numerator, numerator, (unsigned long)nm_digit(symbols[i]));
    }
    mpq_set_num(out, numerator);
    mpz_set_ui(numerator, 1);
    mpz_mul_2exp(numerator, numerator, (mp_bitcnt_t)base_bits * count);
    mpq_set_den(out, numerator);
    mpq_canonicalize(out);
    mpz_clear(numerator);
}

static int nm_initial_indicator(const nm_net_init *init, const uint8_t *input, size_t length)
{
    const uint8_t *symbols;
    size_t count = nm_initial_stack(init->stack, input, length, &symbols);
    if ((size_t)init->depth > count)
        return 0;
    return init->level == 0 || symbols[init->depth - 1] >= init->level;
}

static int nm_initial_fires(const nm_stack_machine *machine, int transition,
                            const uint8_t *input, size_t length)
{
    const nm_stack_transition *t = &machine->transitions[transition];
    if (t->state != machine->machine->start)
        return 0;
    for (int tape = 0; tape < machine->tapes; tape++) {
        int read = tape == 0 && length > 0 ? input[0] : machine->blank;
        if (t->reads[tape] != read)
            return 0;
    }
    return 1;
}

void nm_encode_initial(const nm_net *net, const nm_stack_machine *machine, const uint8_t *input,
                       size_t length, nm_net_values *values)
{
    for (int i = 0; i < values->count; i++)
        mpq_set_ui(values->values[i], 0, 1);
    for (int i = 0; i < net->init_count; i++) {
        const nm_net_init *init = &net->init[i];
        mpq_ptr value = values->values[init->neuron];
        switch (init->kind) {
        case NM_INIT_ONE:
            mpq_set_ui(value, 1, 1);
            break;
        case NM_INIT_STACK: {
            const uint8_t *symbols;
            size_t count = nm_initial_stack(init->stack, input, length, &symbols);
            nm_encode_stack(symbols, count, machine->base_bits, value);
            break;
        }
        case NM_INIT_INDICATOR:
            mpq_set_ui(value, (unsigned long)nm_initial_indicator(init, input, length), 1);
            break;
        case NM_INIT_FIRES:
            mpq_set_ui(value, (unsigned long)nm_initial_fires(machine, init->transition, input, length), 1);
            break;
        }
    }
}

void nm_stack_value(const nm_net_sum *sum, const nm_net_values *values, mpq_t out)
{
    mpq_set_ui(out, 0, 1);
    for (int i = 0; i < sum->count; i++)
        mpq_add(out, out, values->values[sum->neurons[i]]);
}

bool nm_stack_symbols(const mpq_t value, int base_bits, int symbols, uint8_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (mpq_sgn(value) == 0)
        return true;
    if (mpq_sgn(value) < 0 || mpz_cmp(mpq_numref(value), mpq_denref(value)) >= 0)
        return false;
    /* The denominator must be B^n for a stack of n symbols. */
    const mpz_srcptr denominator = mpq_denref(value);
    mp_bitcnt_t bits = mpz_scan1(denominator, 0);
    if (mpz_sizeinbase(denominator, 2) != bits + 1 || bits % (mp_bitcnt_t)base_bits != 0)
        return false;
    size_t length = bits / (mp_bitcnt_t)base_bits;
    uint8_t *digits = nm_xmalloc(length ? length : 1);
    mpz_srcptr numerator = mpq_numref(value);
    for (size_t i = 0; i < length; i++) {
        unsigned digit = 0;
        for (int b = base_bits - 1; b >= 0; b--)
            digit = 2 * digit + (unsigned)mpz_tstbit(numerator, (length - 1 - i) * (size_t)base_bits + (size_t)b);
        if (digit % 2 == 0 || (int)(digit / 2) >= symbols) {
            free(digits);
            return false;
        }
        digits[i] = (uint8_t)(digit / 2);
    }
    *out = digits;
    *count = length;
    return true;
}

static bool nm_decode_state(const nm_net *net, const nm_net_values *values, int *state)
{
    const nm_net_machine *meta = &net->machine;
    int found = -1;
    for (int q = 0; q < meta->states; q++) {
        mpq_srcptr value = values->values[meta->state_neurons[q]];
        if (mpq_sgn(value) == 0)
            continue;
        if (mpq_cmp_ui(value, 1, 1) != 0 || found >= 0)
            return false;
        found = q;
    }
    *state = found;
    return found >= 0;
}

/* Lays out one tape from its two stacks and trims it to the same window as
 * the direct simulator's: leftmost to rightmost non-blank cell or head. */
static void nm_layout_tape(const uint8_t *left, size_t left_count, const uint8_t *right,
                           size_t right_count, int blank, nm_config_tape *tape)
{
    size_t total = left_count + (right_count ? right_count : 1);
    uint8_t *cells = nm_xmalloc(total);
    for (size_t i = 0; i < left_count; i++)
        cells[i] = left[left_count - 1 - i];
    if (right_count)
        memcpy(cells + left_count, right, right_count);
    else
        cells[left_count] = (uint8_t)blank;
    size_t head = left_count;

    size_t first = 0, last = total - 1;
    while (first < head && cells[first] == blank)
        first++;
    while (last > head && cells[last] == blank)
        last--;
    tape->count = last - first + 1;
    tape->cells = nm_xmalloc(tape->count);
    memcpy(tape->cells, cells + first, tape->count);
    tape->head = head - first;
    free(cells);
}

bool nm_decode(const nm_net *net, const nm_net_values *values, nm_config *config, char **message)
{
    const nm_net_machine *meta = &net->machine;
    memset(config, 0, sizeof *config);
    config->tapes = meta->tapes;
    nm_buf error;
    nm_buf_init(&error);
    if (!nm_decode_state(net, values, &config->state))
        nm_buf_puts(&error, "the state neurons are not one-hot");

    mpq_t value;
    mpq_init(value);
    for (int t = 0; t < meta->tapes && !error.length; t++) {
        uint8_t *left, *right;
        size_t left_count, right_count;
        nm_stack_value(&meta->left[t], values, value);
        bool ok = nm_stack_symbols(value, meta->base_bits, meta->symbols, &left, &left_count);
        nm_stack_value(&meta->right[t], values, value);
        ok = nm_stack_symbols(value, meta->base_bits, meta->symbols, &right, &right_count) && ok;
        if (ok)
            nm_layout_tape(left, left_count, right, right_count, meta->blank, &config->tape[t]);
        else
            nm_buf_printf(&error, "the stacks of tape %d do not hold valid codes", t + 1);
        free(left);
        free(right);
    }
    mpq_clear(value);
    if (error.length) {
        nm_config_free(config);
        *message = error.data;
        return false;
    }
    nm_buf_free(&error);
    return true;
}
