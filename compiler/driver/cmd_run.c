/* nmc run: runs a machine and prints the final configuration, for a person
 * (the tape with the head marked, the state, the steps) or as JSON. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "json.h"
#include "run_output.h"

static int nm_run_usage(void)
{
    printf("usage: nmc run FILE [OPTIONS]\n"
           "       nmc run --from FORMAT ARG [OPTIONS]\n\n"
           "Runs a machine from its start state and prints the final configuration.\n\n"
           "  --machine NAME    the machine to run (needed when FILE declares several)\n"
           "  --input STR       the input, placed on tape 1 from the head rightwards;\n"
           "                    default: the machine's input declaration, else empty\n"
           "  --jit             run the machine's network, compiled by LLVM (the default)\n"
           "  --interp          run the machine's network with the exact reference interpreter\n"
           "  --direct          run the machine itself, without a network (the direct simulator)\n"
           "  --layout L        the network layout: layered (4 network steps per machine step,\n"
           "                    the default) or realtime (1 network step per machine step)\n"
           "  --verify          run the direct simulator beside the network and compare the\n"
           "                    configurations after every machine step; exit status 1 at the\n"
           "                    first difference\n"
           "  --trace           print the configuration after every machine step\n"
           "  --input-lines     feed the input through the network's input lines, one symbol\n"
           "                    per step, instead of loading it into the initial state\n"
           "  --final-state     print the network's final state vector as exact rationals\n"
           "  --max-steps N     stop after N machine steps (default %llu); exit status 3\n"
           "  --json            print one JSON object instead of the text report\n"
           "  --from FORMAT     run a machine in another format: bbchallenge TEXT,\n"
           "                    morphett FILE or yaml FILE\n",
           (unsigned long long)NM_DEFAULT_MAX_STEPS);
    return NM_EXIT_OK;
}

static int nm_parse_run_args(nm_args *args, nm_run_options *options)
{
    memset(options, 0, sizeof *options);
    options->max_steps = NM_DEFAULT_MAX_STEPS;
    options->engine = NM_ENGINE_JIT;
    bool failed = false;
    const char *max_steps = NULL;

    while (args->index < args->count && !failed) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return nm_run_usage() - 1;
        if (nm_take_value(args, "--machine", &options->machine, &failed)
            || nm_take_value(args, "--input", &options->input, &failed)
            || nm_take_value(args, "--from", &options->format, &failed)
            || nm_take_value(args, "--max-steps", &max_steps, &failed)
            || nm_take_value(args, "--layout", &options->layout, &failed))
            continue;
        if (nm_take_flag(args, "--interp")) {
            options->engine = NM_ENGINE_INTERP;
            continue;
        }
        if (nm_take_flag(args, "--jit")) {
            options->engine = NM_ENGINE_JIT;
            continue;
        }
        if (nm_take_flag(args, "--verify") || nm_take_flag(args, "--trace")
            || nm_take_flag(args, "--input-lines") || nm_take_flag(args, "--final-state")) {
            const char *flag = args->values[args->index - 1];
            options->verify = options->verify || strcmp(flag, "--verify") == 0;
            options->trace = options->trace || strcmp(flag, "--trace") == 0;
            options->input_lines = options->input_lines || strcmp(flag, "--input-lines") == 0;
            options->final_state = options->final_state || strcmp(flag, "--final-state") == 0;
            continue;
        }
        if (nm_take_flag(args, "--json")) {
            options->json = true;
            continue;
        }
        if (nm_take_flag(args, "--direct")) {
            options->engine = NM_ENGINE_DIRECT;
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            nm_usage_error(args, "unknown option '%s'", arg);
            return NM_EXIT_USAGE;
        }
        if (options->file) {
            nm_usage_error(args, "more than one file given ('%s' and '%s')", options->file, arg);
            return NM_EXIT_USAGE;
        }
        options->file = arg;
        args->index++;
    }
    if (failed)
        return NM_EXIT_USAGE;
    if (!options->file) {
        nm_usage_error(args, options->format ? "missing the %s argument" : "missing FILE",
                       options->format);
        return NM_EXIT_USAGE;
    }
    if (max_steps && !nm_parse_count(args, "--max-steps", max_steps, &options->max_steps))
        return NM_EXIT_USAGE;
    nm_layout layout;
    if (!nm_parse_layout(options->layout, &layout)) {
        nm_usage_error(args, "unknown layout '%s'; expected layered or realtime", options->layout);
        return NM_EXIT_USAGE;
    }
    bool network_only = options->verify || options->input_lines || options->final_state
                        || options->layout;
    if (options->engine == NM_ENGINE_DIRECT && network_only) {
        nm_usage_error(args, "--verify, --input-lines, --final-state and --layout apply to "
                             "network runs (--jit or --interp), not to --direct");
        return NM_EXIT_USAGE;
    }
    return NM_EXIT_OK;
}

static double nm_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/* Runs the direct simulator in slices so that a terminal can show progress
 * on long runs; elsewhere the slices are invisible. */
static tm_status nm_run_direct(tm_sim *sim, uint64_t max_steps)
{
    const uint64_t slice = (uint64_t)1 << 26;
    bool progress = isatty(STDERR_FILENO);
    double started = nm_now();
    bool shown = false;
    tm_status status = TM_STEP_LIMIT;

    while (sim->steps < max_steps) {
        uint64_t left = max_steps - sim->steps;
        status = tm_sim_run(sim, left < slice ? left : slice);
        if (status != TM_STEP_LIMIT)
            break;
        if (progress && nm_now() - started > 1.0) {
            fprintf(stderr, "\r  %llu steps...", (unsigned long long)sim->steps);
            shown = true;
        }
    }
    if (max_steps == 0)
        status = tm_sim_run(sim, 0);
    if (shown)
        fprintf(stderr, "\r\033[K");
    return status;
}

/* Runs step by step, printing each configuration. */
static tm_status nm_trace_direct(const nm_machine *machine, tm_sim *sim, uint64_t max_steps)
{
    tm_status status = sim->status;
    for (;;) {
        nm_config config;
        nm_config_from_sim(&config, sim);
        nm_buf line;
        nm_buf_init(&line);
        nm_buf_printf(&line, "step %llu: ", (unsigned long long)sim->steps);
        nm_config_print(&config, machine, &line);
        printf("%s\n", line.data);
        nm_buf_free(&line);
        nm_config_free(&config);
        if (status != TM_RUNNING)
            return status;
        if (sim->steps >= max_steps)
            return tm_sim_run(sim, 0);
        status = tm_sim_step(sim);
    }
}

int nm_command_run(nm_args *args)
{
    nm_run_options options;
    int status = nm_parse_run_args(args, &options);
    if (status != NM_EXIT_OK)
        return status < 0 ? NM_EXIT_OK : status;

    nm_diag diag;
    nm_diag_init(&diag, stderr);
    bool ok;
    nm_program *program = nm_driver_load(&diag, options.file, options.format, options.input, &ok);
    nm_machine *machine = ok ? nm_driver_pick_machine(program, options.machine) : NULL;
    if (!machine) {
        nm_program_free(program);
        return NM_EXIT_ERROR;
    }

    /* Morphett's simulator reads a space in the input as the blank _. */
    if (options.input && options.format && strcmp(options.format, "morphett") == 0)
        for (char *c = (char *)options.input; *c; c++)
            if (*c == ' ')
                *c = '_';
    const char *input = options.input ? options.input : machine->has_input ? machine->input : "";
    size_t input_length = options.input ? strlen(options.input)
                          : machine->has_input ? machine->input_length : 0;
    uint8_t *symbols;
    size_t count;
    char *message;
    if (!nm_machine_parse_input(machine, input, input_length, &symbols, &count, &message)) {
        fprintf(stderr, "nmc: error: %s\n", message);
        free(message);
        nm_program_free(program);
        return NM_EXIT_ERROR;
    }

    if (options.engine != NM_ENGINE_DIRECT) {
        int network_status = nm_run_network(&options, machine, symbols, count);
        free(symbols);
        nm_program_free(program);
        return network_status;
    }

    tm_sim sim;
    int exit_status = NM_EXIT_ERROR;
    if (!tm_sim_init(&sim, machine->table, symbols, count)) {
        fprintf(stderr, "nmc: error: out of memory for the tapes of an input of %zu symbols\n",
                count);
    } else {
        tm_status result = options.trace ? nm_trace_direct(machine, &sim, options.max_steps)
                                         : nm_run_direct(&sim, options.max_steps);
        nm_run_report report = nm_report_from_sim(machine, &sim, result, "direct");
        nm_print_run_report(&report, options.json);
        nm_run_report_free(&report);
        exit_status = result == TM_HALTED || result == TM_NO_TRANSITION ? NM_EXIT_OK
                      : result == TM_STEP_LIMIT || result == TM_TAPE_LIMIT ? NM_EXIT_LIMIT
                                                                            : NM_EXIT_ERROR;
        tm_sim_free(&sim);
    }
    free(symbols);
    nm_program_free(program);
    return exit_status;
}
