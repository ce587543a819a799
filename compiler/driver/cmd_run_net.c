/* nmc run with a network engine: lowers the machine into its network, runs
 * it with the interpreter or the JIT, and reports the decoded result. */
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "dyadic.h"
#include "jit/net_jit.h"
#include "net/lower.h"
#include "net/net_run.h"
#include "net_interp.h"
#include "run_output.h"

bool nm_parse_layout(const char *text, nm_layout *layout)
{
    if (!text || strcmp(text, "layered") == 0) {
        *layout = NM_LAYOUT_LAYERED;
        return true;
    }
    if (strcmp(text, "realtime") == 0) {
        *layout = NM_LAYOUT_REALTIME;
        return true;
    }
    return false;
}

static char **nm_final_state_text(nm_net_engine *engine, int count)
{
    nm_net_values values;
    nm_net_values_init(&values, count);
    engine->read_all(engine->self, &values);
    char **text = nm_xcalloc((size_t)(count ? count : 1), sizeof *text);
    for (int i = 0; i < count; i++)
        text[i] = mpq_get_str(NULL, 10, values.values[i]);
    nm_net_values_clear(&values);
    return text;
}

static int nm_exit_status(const nm_net_run_result *result)
{
    if (result->failed)
        return NM_EXIT_ERROR;
    if (result->status == TM_STEP_LIMIT)
        return NM_EXIT_LIMIT;
    return NM_EXIT_OK;
}

int nm_run_network(const nm_run_options *options, const nm_machine *machine,
                   const uint8_t *input, size_t length)
{
    nm_layout layout = NM_LAYOUT_LAYERED;
    nm_parse_layout(options->layout, &layout);
    nm_stack_machine *stack_machine = nm_stack_machine_build(machine);
    nm_net *net = nm_lower_machine(stack_machine, layout);

    nm_net_values initial;
    nm_net_values_init(&initial, net->neuron_count);
    if (!options->input_lines)
        nm_encode_initial(net, stack_machine, input, length, &initial);

    nm_interp interp;
    nm_net_jit_run jit_run;
    nm_net_jit *jit = NULL;
    nm_net_engine engine;
    if (options->engine == NM_ENGINE_JIT) {
        char *error = NULL;
        jit = nm_net_jit_compile(net, &error);
        if (!jit) {
            fprintf(stderr, "nmc: error: %s\n", error);
            free(error);
            nm_net_values_clear(&initial);
            nm_net_free(net);
            nm_stack_machine_free(stack_machine);
            return NM_EXIT_ERROR;
        }
        nm_net_jit_run_init(&jit_run, jit, initial.values);
        engine = nm_net_jit_engine(&jit_run);
    } else {
        nm_interp_init(&interp, net, initial.values);
        engine = nm_interp_engine(&interp);
    }
    nm_net_values_clear(&initial);

    nm_net_run_options run_options = {options->input_lines, options->verify,
                                      options->trace ? stdout : NULL, options->max_steps};
    nm_net_run_result result;
    nm_net_run(net, stack_machine, &engine, input, length, &run_options, &result);

    int status = nm_exit_status(&result);
    if (getenv("NMC_STATS"))
        fprintf(stderr, "exact arithmetic: %llu views, %llu in-place commits, %llu copies, "
                        "%llu general\n",
                (unsigned long long)nm_dyadic_counters.views,
                (unsigned long long)nm_dyadic_counters.commits,
                (unsigned long long)nm_dyadic_counters.copies,
                (unsigned long long)nm_dyadic_counters.general);
    if (result.failed) {
        fprintf(stderr, "nmc: error: %s\n", result.message);
    } else {
        nm_run_report report = nm_report_from_config(machine, &result.config, result.status,
                                                     result.machine_steps, engine.name);
        report.network = true;
        report.layout = nm_layout_name(layout);
        report.network_steps = result.network_steps;
        report.neurons = net->neuron_count;
        report.weights = nm_net_weight_count(net);
        report.compile_seconds = jit ? nm_net_jit_compile_seconds(jit) : -1;
        report.verified = options->verify;
        if (options->final_state) {
            report.final_state = nm_final_state_text(&engine, net->neuron_count);
            report.final_state_count = net->neuron_count;
        }
        nm_print_run_report(&report, options->json);
        nm_run_report_free(&report);
    }

    nm_net_run_result_free(&result);
    if (jit) {
        nm_net_jit_run_free(&jit_run);
        nm_net_jit_free(jit);
    } else {
        nm_interp_free(&interp);
    }
    nm_net_free(net);
    nm_stack_machine_free(stack_machine);
    return status;
}
