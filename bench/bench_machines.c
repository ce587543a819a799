/* Machine benchmark: the same machines with the direct simulator, the
 * network interpreter and the network JIT, in machine steps per second.
 *
 *   bench_machines STDLIB_DIR [--quick]
 *
 * Each row runs one machine for a number of machine steps (all of them
 * when the machine halts first) and prints the time, the steps per second
 * and the ratio of the time to the direct simulator's for the same steps.
 * The JIT's compile time is reported apart and left out of its run time.
 * The output is a Markdown table for docs/benchmarks.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit/net_jit.h"
#include "net/lower.h"
#include "net/net_run.h"
#include "net_interp.h"
#include "program.h"

typedef struct nm_bench_case {
    const char *file;
    const char *machine;
    const char *engine;      /* direct, interp or jit */
    nm_layout layout;
    uint64_t steps;          /* machine steps to run at most */
} nm_bench_case;

static double nm_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/* Seconds the direct simulator takes for STEPS steps of MACHINE, the best
 * of several repetitions for short runs. */
static double nm_time_direct(const nm_machine *machine, uint64_t steps, uint64_t *done)
{
    double best = 1e30;
    int repeats = steps < 10000000 ? 20 : 3;
    for (int r = 0; r < repeats; r++) {
        tm_sim sim;
        if (!tm_sim_init(&sim, machine->table, NULL, 0)) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        double started = nm_now();
        tm_sim_run(&sim, steps);
        double seconds = nm_now() - started;
        *done = sim.steps;
        tm_sim_free(&sim);
        if (seconds < best)
            best = seconds;
    }
    return best;
}

static double nm_time_network(const nm_machine *machine, const nm_bench_case *c, uint64_t *done,
                              double *compile_seconds, int *neurons)
{
    nm_stack_machine *stack_machine = nm_stack_machine_build(machine);
    nm_net *net = nm_lower_machine(stack_machine, c->layout);
    *neurons = net->neuron_count;
    nm_net_values initial;
    nm_net_values_init(&initial, net->neuron_count);
    nm_encode_initial(net, stack_machine, NULL, 0, &initial);

    nm_interp interp;
    nm_net_jit_run run;
    nm_net_jit *jit = NULL;
    nm_net_engine engine;
    *compile_seconds = 0;
    if (strcmp(c->engine, "jit") == 0) {
        char *error = NULL;
        jit = nm_net_jit_compile(net, &error);
        if (!jit) {
            fprintf(stderr, "bench: %s\n", error);
            exit(1);
        }
        *compile_seconds = nm_net_jit_compile_seconds(jit);
        nm_net_jit_run_init(&run, jit, initial.values);
        engine = nm_net_jit_engine(&run);
    } else {
        nm_interp_init(&interp, net, initial.values);
        engine = nm_interp_engine(&interp);
    }

    nm_net_run_options options = {false, false, NULL, c->steps};
    nm_net_run_result result;
    double started = nm_now();
    nm_net_run(net, stack_machine, &engine, NULL, 0, &options, &result);
    double seconds = nm_now() - started;
    *done = result.machine_steps;
    if (result.failed) {
        fprintf(stderr, "bench: %s\n", result.message);
        exit(1);
    }

    nm_net_run_result_free(&result);
    if (jit) {
        nm_net_jit_run_free(&run);
        nm_net_jit_free(jit);
    } else {
        nm_interp_free(&interp);
    }
    nm_net_values_clear(&initial);
    nm_net_free(net);
    nm_stack_machine_free(stack_machine);
    return seconds;
}

static nm_machine *nm_load(nm_program **program, const char *dir, const char *file,
                           const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    nm_diag diag;
    nm_diag_init(&diag, stderr);
    nm_program_options options;
    memset(&options, 0, sizeof options);
    options.stdlib_dir = dir;
    *program = nm_program_new(&diag, &options);
    if (!nm_program_load_file(*program, path)) {
        fprintf(stderr, "bench: cannot load %s\n", path);
        exit(1);
    }
    nm_machine *machine = nm_program_find_machine(*program, name);
    if (!machine) {
        fprintf(stderr, "bench: no machine %s in %s\n", name, path);
        exit(1);
    }
    return machine;
}

static void nm_bench(const char *dir, const nm_bench_case *c)
{
    nm_program *program;
    nm_machine *machine = nm_load(&program, dir, c->file, c->machine);
    uint64_t done = 0, direct_done = 0;
    double compile = 0;
    int neurons = 0;
    double seconds;
    if (strcmp(c->engine, "direct") == 0)
        seconds = nm_time_direct(machine, c->steps, &done);
    else
        seconds = nm_time_network(machine, c, &done, &compile, &neurons);
    double direct = nm_time_direct(machine, done, &direct_done);

    char layout[32] = "-";
    if (strcmp(c->engine, "direct") != 0)
        snprintf(layout, sizeof layout, "%s", nm_layout_name(c->layout));
    char compiled[32] = "-";
    if (compile > 0)
        snprintf(compiled, sizeof compiled, "%.3f s", compile);
    printf("| %s | %s | %s | %d | %llu | %.3f s | %.3g | %.1fx | %s |\n", c->machine, c->engine,
           layout, neurons, (unsigned long long)done, seconds, (double)done / seconds,
           seconds / direct, compiled);
    fflush(stdout);
    nm_program_free(program);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_machines STDLIB_DIR [--quick]\n");
        return 2;
    }
    bool quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
    uint64_t all = UINT64_MAX;
    const nm_bench_case cases[] = {
        {"busy_beavers.nm", "bb5", "direct", NM_LAYOUT_LAYERED, all},
        {"busy_beavers.nm", "bb2x4", "direct", NM_LAYOUT_LAYERED, all},
        {"busy_beavers.nm", "bb4", "interp", NM_LAYOUT_LAYERED, all},
        {"busy_beavers.nm", "bb4", "interp", NM_LAYOUT_REALTIME, all},
        {"busy_beavers.nm", "bb5", "interp", NM_LAYOUT_LAYERED, 20000},
        {"busy_beavers.nm", "bb5", "interp", NM_LAYOUT_REALTIME, 20000},
        {"busy_beavers.nm", "bb4", "jit", NM_LAYOUT_LAYERED, all},
        {"busy_beavers.nm", "bb4", "jit", NM_LAYOUT_REALTIME, all},
        {"busy_beavers.nm", "bb5", "jit", NM_LAYOUT_LAYERED, quick ? 2000000 : all},
        {"busy_beavers.nm", "bb5", "jit", NM_LAYOUT_REALTIME, quick ? 2000000 : all},
        {"busy_beavers.nm", "bb2x4", "jit", NM_LAYOUT_REALTIME, quick ? 500000 : all},
    };
    printf("| machine | engine | layout | neurons | machine steps | time | steps/s | time / direct | JIT compile |\n");
    printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        nm_bench(argv[1], &cases[i]);
    return 0;
}
