/* Printing networks; see emit.h. */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

static void nm_append_rational(nm_buf *out, const mpq_t value)
{
    char *text = mpq_get_str(NULL, 10, value);
    nm_buf_puts(out, text);
    free(text);
}

/* Appends " + 1/8 x3", " - 2 x5" and so on; FIRST omits the leading plus. */
static void nm_append_term(nm_buf *out, const mpq_t weight, const char *source, int index,
                           bool first)
{
    mpq_t magnitude;
    mpq_init(magnitude);
    mpq_abs(magnitude, weight);
    if (mpq_sgn(weight) < 0)
        nm_buf_puts(out, first ? "-" : " - ");
    else if (!first)
        nm_buf_puts(out, " + ");
    if (mpq_cmp_ui(magnitude, 1, 1) != 0) {
        nm_append_rational(out, magnitude);
        nm_buf_putc(out, ' ');
    }
    nm_buf_printf(out, "%s%d", source, index);
    mpq_clear(magnitude);
}

static void nm_append_affine(nm_buf *out, const nm_neuron *neuron)
{
    bool first = true;
    for (int w = 0; w < neuron->weight_count; w++) {
        nm_append_term(out, neuron->weights[w].value, "x", neuron->weights[w].from, first);
        first = false;
    }
    for (int w = 0; w < neuron->input_count; w++) {
        nm_append_term(out, neuron->inputs[w].value, "u", neuron->inputs[w].from, first);
        first = false;
    }
    if (mpq_sgn(neuron->bias) != 0 || first) {
        mpq_t magnitude;
        mpq_init(magnitude);
        mpq_abs(magnitude, neuron->bias);
        if (!first)
            nm_buf_puts(out, mpq_sgn(neuron->bias) < 0 ? " - " : " + ");
        else if (mpq_sgn(neuron->bias) < 0)
            nm_buf_putc(out, '-');
        nm_append_rational(out, magnitude);
        mpq_clear(magnitude);
    }
}

static void nm_append_header(const nm_net *net, const nm_stack_machine *machine, nm_buf *out)
{
    const nm_machine *source = machine->machine;
    nm_buf_printf(out, "network of machine %s: layout %s, %d network step%s per machine step\n",
                  source->name, nm_layout_name(net->layout), net->period,
                  net->period == 1 ? "" : "s");
    nm_buf_printf(out, "neurons: %d, non-zero weights: %zu\n", net->neuron_count,
                  nm_net_weight_count(net));
    nm_buf_printf(out, "stacks: base %d, symbol d is the digit 2d+1 (", 1 << machine->base_bits);
    for (int s = 0; s < machine->symbols; s++) {
        nm_buf_puts(out, s ? ", " : "");
        nm_print_symbol(out, &source->symbols[s]);
        nm_buf_printf(out, " -> %d", nm_digit(s));
    }
    nm_buf_puts(out, "), top digit first; an empty stack is 0 and reads as the blank ");
    nm_print_symbol(out, &source->symbols[machine->blank]);
    nm_buf_puts(out, "\ninput lines: u0 = index of the input symbol, u1 = 1 while a symbol is "
                     "present\n");
    nm_buf_puts(out, "each neuron: x(t+1) = σ(weights · x(t) + weights · u(t) + bias), "
                     "σ(y) = min(1, max(0, y))\n\n");
}

void nm_emit_net_table(const nm_net *net, const nm_stack_machine *machine, nm_buf *out)
{
    nm_append_header(net, machine, out);
    for (int i = 0; i < net->neuron_count; i++) {
        const nm_neuron *neuron = &net->neurons[i];
        nm_buf_printf(out, "x%d  %s  [%s", i, neuron->name, nm_role_name(neuron->role));
        if (net->layout == NM_LAYOUT_LAYERED && neuron->role != NM_ROLE_LOADER)
            nm_buf_printf(out, ", phase %d", neuron->layer);
        nm_buf_puts(out, "]\n    = σ(");
        nm_append_affine(out, neuron);
        nm_buf_puts(out, ")\n");
    }
}

static void nm_json_rational(nm_json *json, const mpq_t value)
{
    char *text = mpq_get_str(NULL, 10, value);
    nm_json_string(json, text);
    free(text);
}

static void nm_json_weights(nm_json *json, const nm_net_weight *weights, int count)
{
    nm_json_begin_array(json);
    for (int w = 0; w < count; w++) {
        nm_json_begin_array(json);
        nm_json_int(json, weights[w].from);
        nm_json_rational(json, weights[w].value);
        nm_json_end_array(json);
    }
    nm_json_end_array(json);
}

static void nm_json_sum(nm_json *json, const nm_net_sum *sum)
{
    nm_json_begin_array(json);
    for (int i = 0; i < sum->count; i++)
        nm_json_int(json, sum->neurons[i]);
    nm_json_end_array(json);
}

static void nm_json_encoding(nm_json *json, const nm_stack_machine *machine)
{
    const nm_machine *source = machine->machine;
    nm_json_key(json, "encoding");
    nm_json_begin_object(json);
    nm_json_key(json, "base");
    nm_json_int(json, 1 << machine->base_bits);
    nm_json_key(json, "digit");
    nm_json_string(json, "2 * symbol index + 1, top of the stack first");
    nm_json_key(json, "symbols");
    nm_json_begin_array(json);
    for (int s = 0; s < machine->symbols; s++)
        nm_json_string_n(json, source->symbols[s].text, source->symbols[s].length);
    nm_json_end_array(json);
    nm_json_key(json, "blank");
    nm_json_int(json, machine->blank);
    nm_json_end_object(json);
}

static void nm_json_decoding(nm_json *json, const nm_net *net, const nm_stack_machine *machine)
{
    const nm_net_machine *meta = &net->machine;
    nm_json_key(json, "decode");
    nm_json_begin_object(json);
    nm_json_key(json, "states");
    nm_json_begin_array(json);
    for (int q = 0; q < meta->states; q++) {
        nm_json_begin_object(json);
        nm_json_key(json, "name");
        nm_json_string(json, machine->machine->states[q].name);
        nm_json_key(json, "neuron");
        nm_json_int(json, meta->state_neurons[q]);
        nm_json_key(json, "halting");
        nm_json_bool(json, machine->machine->states[q].halting);
        nm_json_end_object(json);
    }
    nm_json_end_array(json);
    nm_json_key(json, "tapes");
    nm_json_begin_array(json);
    for (int t = 0; t < meta->tapes; t++) {
        nm_json_begin_object(json);
        nm_json_key(json, "left_stack");
        nm_json_sum(json, &meta->left[t]);
        nm_json_key(json, "right_stack");
        nm_json_sum(json, &meta->right[t]);
        nm_json_end_object(json);
    }
    nm_json_end_array(json);
    nm_json_key(json, "transitions_fire");
    nm_json_begin_array(json);
    for (int u = 0; u < meta->transitions; u++)
        nm_json_sum(json, &meta->fires[u]);
    nm_json_end_array(json);
    nm_json_key(json, "fires_offset");
    nm_json_int(json, net->fires_offset);
    nm_json_key(json, "fired");
    nm_json_int(json, net->fired);
    nm_json_key(json, "fired_offset");
    nm_json_int(json, net->fired_offset);
    nm_json_key(json, "start_delay");
    nm_json_int(json, net->start_delay);
    nm_json_end_object(json);
}

static void nm_json_neuron(nm_json *json, const nm_net *net, int index)
{
    const nm_neuron *neuron = &net->neurons[index];
    nm_json_begin_object(json);
    nm_json_key(json, "name");
    nm_json_string(json, neuron->name);
    nm_json_key(json, "role");
    nm_json_string(json, nm_role_name(neuron->role));
    if (net->layout == NM_LAYOUT_LAYERED) {
        nm_json_key(json, "phase");
        nm_json_int(json, neuron->layer);
    }
    nm_json_key(json, "bias");
    nm_json_rational(json, neuron->bias);
    nm_json_key(json, "weights");
    nm_json_weights(json, neuron->weights, neuron->weight_count);
    nm_json_key(json, "inputs");
    nm_json_weights(json, neuron->inputs, neuron->input_count);
    nm_json_end_object(json);
}

void nm_emit_net_json(const nm_net *net, const nm_stack_machine *machine,
                      const nm_net_values *initial, nm_buf *out)
{
    nm_json json;
    nm_json_init(&json);
    nm_json_begin_object(&json);
    nm_json_key(&json, "format");
    nm_json_string(&json, "nmc-network");
    nm_json_key(&json, "version");
    nm_json_int(&json, 1);
    nm_json_key(&json, "machine");
    nm_json_string(&json, machine->machine->name);
    nm_json_key(&json, "layout");
    nm_json_string(&json, nm_layout_name(net->layout));
    nm_json_key(&json, "steps_per_machine_step");
    nm_json_int(&json, net->period);
    nm_json_key(&json, "update");
    nm_json_string(&json, "x(t+1) = sigma(W x(t) + U u(t) + b), sigma(y) = min(1, max(0, y)); "
                          "weights are [source index, value] pairs");
    nm_json_key(&json, "input_lines");
    nm_json_begin_array(&json);
    nm_json_string(&json, "data: the index of the input symbol");
    nm_json_string(&json, "validation: 1 while a symbol is present, then 0");
    nm_json_end_array(&json);
    nm_json_encoding(&json, machine);
    nm_json_decoding(&json, net, machine);
    nm_json_key(&json, "neurons");
    nm_json_begin_array(&json);
    for (int i = 0; i < net->neuron_count; i++)
        nm_json_neuron(&json, net, i);
    nm_json_end_array(&json);
    if (initial) {
        nm_json_key(&json, "initial_state");
        nm_json_begin_array(&json);
        for (int i = 0; i < initial->count; i++)
            nm_json_rational(&json, initial->values[i]);
        nm_json_end_array(&json);
    }
    nm_json_end_object(&json);
    nm_buf_puts(out, json.data);
    nm_buf_putc(out, '\n');
    nm_json_free(&json);
}

static void nm_dot_escape(nm_buf *out, const char *text)
{
    for (; *text; text++) {
        if (*text == '"' || *text == '\\')
            nm_buf_putc(out, '\\');
        nm_buf_putc(out, *text);
    }
}

void nm_emit_net_dot(const nm_net *net, const nm_stack_machine *machine, nm_buf *out)
{
    static const char *const colors[] = {"lightblue", "khaki", "palegreen", "salmon",
                                         "plum", "lightgray", "orange", "wheat"};
    nm_buf_printf(out, "digraph \"%s\" {\n  rankdir=LR;\n  node [shape=box, style=filled];\n",
                  machine->machine->name);
    for (int role = NM_ROLE_STATE; role <= NM_ROLE_LOADER; role++) {
        nm_buf_printf(out, "  subgraph cluster_%s {\n    label=\"%s\";\n",
                      nm_role_name((nm_role)role), nm_role_name((nm_role)role));
        for (int i = 0; i < net->neuron_count; i++) {
            if ((int)net->neurons[i].role != role)
                continue;
            nm_buf_printf(out, "    x%d [label=\"x%d\\n", i, i);
            nm_dot_escape(out, net->neurons[i].name);
            nm_buf_printf(out, "\", fillcolor=%s];\n", colors[role]);
        }
        nm_buf_puts(out, "  }\n");
    }
    for (int i = 0; i < net->neuron_count; i++) {
        const nm_neuron *neuron = &net->neurons[i];
        for (int w = 0; w < neuron->weight_count; w++) {
            char *text = mpq_get_str(NULL, 10, neuron->weights[w].value);
            nm_buf_printf(out, "  x%d -> x%d [label=\"%s\"];\n", neuron->weights[w].from, i, text);
            free(text);
        }
    }
    nm_buf_puts(out, "}\n");
}
