/* Running networks machine step by machine step; see net_run.h. */
#include "net_run.h"

#include <stdlib.h>
#include <string.h>

#include "net_interp.h"

typedef struct nm_runner {
    const nm_net *net;
    const nm_stack_machine *machine;
    nm_net_engine *engine;
    const nm_net_run_options *options;
    nm_net_run_result *result;
    tm_sim sim;
    bool have_sim;
    mpq_t scratch;
} nm_runner;

static void nm_runner_step(nm_runner *runner, const int64_t *lines)
{
    runner->engine->step(runner->engine->self, lines);
    runner->result->network_steps++;
}

/* The transition that fires now, read from the network's detectors: its
 * index, -1 when none fires, or -2 when the detectors are not 0/1 or
 * more than one fires. */
static int nm_firing_transition(nm_runner *runner)
{
    const nm_net_machine *meta = &runner->net->machine;
    nm_net_engine *engine = runner->engine;
    int firing = -1;
    for (int u = 0; u < meta->transitions; u++) {
        int sum = 0;
        for (int i = 0; i < meta->fires[u].count; i++) {
            int bit = engine->read_binary(engine->self, meta->fires[u].neurons[i]);
            if (bit < 0)
                return -2;
            sum += bit;
        }
        if (sum == 0)
            continue;
        if (sum != 1 || firing >= 0)
            return -2;
        firing = u;
    }
    return firing;
}

static bool nm_decode_now(nm_runner *runner, nm_config *config)
{
    nm_net_values values;
    nm_net_values_init(&values, runner->net->neuron_count);
    runner->engine->read_all(runner->engine->self, &values);
    char *message = NULL;
    bool ok = nm_decode(runner->net, &values, config, &message);
    nm_net_values_clear(&values);
    if (!ok) {
        nm_buf text;
        nm_buf_init(&text);
        nm_buf_printf(&text, "at machine step %llu (network step %llu) the network holds no "
                             "valid configuration: %s",
                      (unsigned long long)runner->result->machine_steps,
                      (unsigned long long)runner->result->network_steps, message);
        free(message);
        runner->result->failed = true;
        runner->result->message = text.data;
    }
    return ok;
}

static void nm_report_difference(nm_runner *runner, const nm_config *network,
                                 const nm_config *direct, const char *what)
{
    const nm_machine *machine = runner->machine->machine;
    nm_buf text;
    nm_buf_init(&text);
    nm_buf_printf(&text,
                  "verification failed at machine step %llu (network step %llu): %s\n"
                  "  network: ",
                  (unsigned long long)runner->result->machine_steps,
                  (unsigned long long)runner->result->network_steps, what);
    nm_config_print(network, machine, &text);
    nm_buf_puts(&text, "\n  direct:  ");
    nm_config_print(direct, machine, &text);
    runner->result->failed = true;
    runner->result->message = text.data;
}

/* Compares the network's configuration with the simulator's after the
 * same number of machine steps, and when NETWORK_HALTED, checks that the
 * machine has no transition either; returns false after a difference. */
static bool nm_check_against_sim(nm_runner *runner, bool network_halted)
{
    nm_config network, direct;
    if (!nm_decode_now(runner, &network))
        return false;
    nm_config_from_sim(&direct, &runner->sim);
    bool same = nm_config_equal(&network, &direct);
    bool sim_halted = runner->sim.status == TM_HALTED || runner->sim.status == TM_NO_TRANSITION;
    bool agree = same && (!network_halted || sim_halted);
    if (!same)
        nm_report_difference(runner, &network, &direct, "the configurations differ");
    else if (!agree)
        nm_report_difference(runner, &network, &direct,
                             "the network halted but the machine has a transition");
    nm_config_free(&network);
    nm_config_free(&direct);
    return agree;
}

static bool nm_config_can_step(const nm_machine *machine, const nm_config *config)
{
    const tm_table *table = machine->table;
    if (table->halting[config->state])
        return false;
    uint8_t read[TM_MAX_TAPES] = {0};
    for (int t = 0; t < config->tapes; t++)
        read[t] = config->tape[t].cells[config->tape[t].head];
    return table->next[(size_t)config->state * table->reads + tm_read_code(table, read)] != TM_UNDEFINED;
}

static void nm_trace(nm_runner *runner)
{
    nm_config config;
    if (!nm_decode_now(runner, &config))
        return;
    nm_buf line;
    nm_buf_init(&line);
    nm_buf_printf(&line, "step %llu: ", (unsigned long long)runner->result->machine_steps);
    nm_config_print(&config, runner->machine->machine, &line);
    fprintf(runner->options->trace, "%s\n", line.data);
    nm_buf_free(&line);
    nm_config_free(&config);
}

static void nm_feed_lines(nm_runner *runner, const uint8_t *input, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        int64_t lines[2] = {input[i], 1};
        nm_runner_step(runner, lines);
    }
    int64_t idle[2] = {0, 0};
    for (int i = 0; i < runner->net->start_delay; i++)
        nm_runner_step(runner, idle);
}

/* One machine step: returns false when the machine halted or the run
 * stopped.  Steps until the network says whether the configuration had a
 * transition, then to the next boundary; after a halt the configuration
 * stays as it was. */
static bool nm_machine_step(nm_runner *runner)
{
    const nm_net *net = runner->net;
    int64_t idle[2] = {0, 0};
    int firing = -1, fired = -1;
    for (int offset = 0; offset <= net->period; offset++) {
        if (offset == net->fires_offset && runner->options->verify)
            firing = nm_firing_transition(runner);
        if (offset == net->fired_offset)
            fired = runner->engine->read_binary(runner->engine->self, net->fired);
        if (offset < net->period)
            nm_runner_step(runner, idle);
    }
    if (!runner->options->verify)
        firing = fired == 1 ? 0 : fired == 0 ? -1 : -2;
    else if (firing >= 0 ? fired != 1 : fired != 0)
        firing = -2;
    if (firing == -2) {
        runner->result->failed = true;
        nm_buf text;
        nm_buf_init(&text);
        nm_buf_printf(&text, "at machine step %llu the transition detectors are not one-hot",
                      (unsigned long long)runner->result->machine_steps);
        runner->result->message = text.data;
        return false;
    }
    if (firing < 0)
        return false;
    runner->result->machine_steps++;
    if (runner->have_sim)
        tm_sim_step(&runner->sim);
    return true;
}

void nm_net_run(const nm_net *net, const nm_stack_machine *machine, nm_net_engine *engine,
                const uint8_t *input, size_t length, const nm_net_run_options *options,
                nm_net_run_result *result)
{
    memset(result, 0, sizeof *result);
    nm_runner runner;
    memset(&runner, 0, sizeof runner);
    runner.net = net;
    runner.machine = machine;
    runner.engine = engine;
    runner.options = options;
    runner.result = result;
    mpq_init(runner.scratch);
    if (options->verify)
        runner.have_sim = tm_sim_init(&runner.sim, machine->machine->table, input, length);
    if (options->lines)
        nm_feed_lines(&runner, input, length);

    bool halted = false;
    if (options->verify && !nm_check_against_sim(&runner, false) && result->failed)
        goto done;
    if (options->trace)
        nm_trace(&runner);
    bool quick = !options->verify && !options->trace && engine->advance;
    while (!result->failed) {
        if (quick) {
            halted = engine->advance(engine->self, net, options->max_steps - result->machine_steps,
                                     &result->machine_steps, &result->network_steps);
            if (!halted)
                result->status = TM_STEP_LIMIT;
            break;
        }
        if (result->machine_steps >= options->max_steps) {
            result->status = TM_STEP_LIMIT;
            break;
        }
        if (!nm_machine_step(&runner)) {
            halted = !result->failed;
            break;
        }
        if (options->trace)
            nm_trace(&runner);
        if (options->verify && !nm_check_against_sim(&runner, false))
            break;
    }
    if (halted && options->verify) {
        uint64_t before = runner.sim.steps;
        tm_sim_step(&runner.sim);
        if (runner.sim.steps != before)
            runner.sim.status = TM_RUNNING;
        nm_check_against_sim(&runner, true);
    }

done:
    if (!result->failed && nm_decode_now(&runner, &result->config)) {
        bool halting = machine->machine->states[result->config.state].halting;
        if (halted)
            result->status = halting ? TM_HALTED : TM_NO_TRANSITION;
        else if (result->status == TM_STEP_LIMIT && !nm_config_can_step(machine->machine, &result->config))
            /* Stopped right at the limit in a configuration with no
             * transition: that is a halt, as the direct simulator says. */
            result->status = halting ? TM_HALTED : TM_NO_TRANSITION;
    }
    if (runner.have_sim)
        tm_sim_free(&runner.sim);
    mpq_clear(runner.scratch);
}

void nm_net_run_result_free(nm_net_run_result *result)
{
    nm_config_free(&result->config);
    free(result->message);
    result->message = NULL;
}

static void nm_interp_engine_step(void *self, const int64_t *lines)
{
    nm_interp_step(self, lines);
}

static void nm_interp_engine_read(void *self, int neuron, mpq_t out)
{
    nm_interp *interp = self;
    mpq_set(out, interp->values[neuron]);
}

static void nm_interp_engine_read_all(void *self, nm_net_values *out)
{
    nm_interp *interp = self;
    for (int i = 0; i < out->count; i++)
        mpq_set(out->values[i], interp->values[i]);
}

static int nm_interp_engine_read_binary(void *self, int neuron)
{
    nm_interp *interp = self;
    mpq_srcptr value = interp->values[neuron];
    if (mpq_sgn(value) == 0)
        return 0;
    return mpq_cmp_ui(value, 1, 1) == 0 ? 1 : -1;
}

nm_net_engine nm_interp_engine(nm_interp *interp)
{
    nm_net_engine engine = {"interp", interp, nm_interp_engine_step, nm_interp_engine_read,
                            nm_interp_engine_read_all, nm_interp_engine_read_binary, NULL};
    return engine;
}
