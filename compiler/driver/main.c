/* nmc: the entry point, the command dispatch and the shared option code. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"

#ifndef NMC_VERSION
#define NMC_VERSION "0.1.0"
#endif

static const char nm_usage_text[] =
    "usage: nmc COMMAND [OPTIONS]\n"
    "\n"
    "Compiles .nm files: Turing machines and memory-augmented neural networks.\n"
    "\n"
    "commands:\n"
    "  check FILE                      parse and check FILE; print diagnostics only\n"
    "  build FILE --emit=KIND [-o F]   print an intermediate form (KIND: ast, nm, stack, net,\n"
    "                                  json, dot, llvm for machines; graph for models)\n"
    "  run FILE [OPTIONS]              run a machine (nmc run --help for the options)\n"
    "  run --from FORMAT ARG [OPTIONS] run a machine in another format\n"
    "  import --from FORMAT ARG        print a machine of another format as .nm source\n"
    "  gradcheck FILE [--model NAME]   check a model's gradients against finite differences\n"
    "  train FILE [OPTIONS]            train a model as its train declaration says\n"
    "  eval FILE --checkpoint F        evaluate a trained checkpoint on fresh sequences\n"
    "  plot LOG.csv ... -o OUT.svg     draw learning curves from training logs as an SVG chart\n"
    "\n"
    "formats: bbchallenge (ARG is the text, such as 1RB1LB_1LA1RZ), morphett (ARG is a\n"
    "file in Anthony Morphett's simulator format), yaml (ARG is a turingmachine.io file)\n"
    "\n"
    "exit status: 0 success, 1 error in the input or the run, 2 bad usage,\n"
    "3 a limit such as --max-steps reached\n";

void nm_usage_error(const nm_args *args, const char *format, ...)
{
    fprintf(stderr, "nmc %s: error: ", args->command);
    va_list list;
    va_start(list, format);
    vfprintf(stderr, format, list);
    va_end(list);
    fprintf(stderr, "\n(run 'nmc %s --help' for the options)\n", args->command);
}

bool nm_take_value(nm_args *args, const char *name, const char **value, bool *failed)
{
    const char *arg = args->values[args->index];
    size_t length = strlen(name);
    if (strncmp(arg, name, length) != 0 || (arg[length] != '=' && arg[length] != '\0'))
        return false;
    if (*value) {
        nm_usage_error(args, "option %s given twice; give it once", name);
        *failed = true;
        args->index++;
        return true;
    }
    if (arg[length] == '=') {
        *value = arg + length + 1;
        args->index++;
        return true;
    }
    if (args->index + 1 >= args->count) {
        nm_usage_error(args, "option %s needs a value", name);
        *failed = true;
        args->index++;
        return true;
    }
    *value = args->values[args->index + 1];
    args->index += 2;
    return true;
}

bool nm_take_flag(nm_args *args, const char *name)
{
    if (strcmp(args->values[args->index], name) != 0)
        return false;
    args->index++;
    return true;
}

bool nm_parse_count(const nm_args *args, const char *name, const char *text, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (text[0] == '-' || text[0] == '\0' || *end != '\0' || errno == ERANGE) {
        nm_usage_error(args, "invalid value '%s' for %s; expected a whole number", text, name);
        return false;
    }
    *value = parsed;
    return true;
}

static bool nm_is_dir(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

const char *nm_stdlib_dir(void)
{
    static char found[PATH_MAX];
    const char *from_env = getenv("NMC_STDLIB");
    if (from_env && from_env[0])
        return from_env;

    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (length > 0) {
        exe[length] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            const char suffix[] = "/../share/nmc/stdlib";
            size_t used = strlen(exe);
            if (used + sizeof suffix <= sizeof found) {
                memcpy(found, exe, used);
                memcpy(found + used, suffix, sizeof suffix);
                if (nm_is_dir(found))
                    return found;
            }
        }
    }
#ifdef NMC_SOURCE_STDLIB_DIR
    if (nm_is_dir(NMC_SOURCE_STDLIB_DIR))
        return NMC_SOURCE_STDLIB_DIR;
#endif
    return NULL;
}

nm_program *nm_driver_load(nm_diag *diag, const char *file, const char *format,
                           const char *input, bool *ok)
{
    nm_program_options options;
    memset(&options, 0, sizeof options);
    options.stdlib_dir = nm_stdlib_dir();
    options.input = input;
    options.input_length = input ? strlen(input) : 0;
    nm_program *program = nm_program_new(diag, &options);
    *ok = format ? nm_program_load_foreign(program, format, file)
                 : nm_program_load_file(program, file);
    return program;
}

nm_machine *nm_driver_pick_machine(const nm_program *program, const char *name)
{
    if (name) {
        nm_machine *machine = nm_program_find_machine(program, name);
        if (!machine)
            fprintf(stderr, "nmc: error: no machine named '%s' in %s\n", name,
                    program->root->name);
        return machine;
    }
    if (program->machines.count == 1)
        return program->machines.items[0];

    enum { LISTED = 8 };
    nm_machine *machines[LISTED];
    size_t count = nm_program_root_machines(program, machines, LISTED);
    if (count == 1)
        return machines[0];
    if (count == 0) {
        fprintf(stderr, "nmc: error: %s declares no machine; name an imported one with "
                        "--machine NAME\n",
                program->root->name);
        return NULL;
    }
    fprintf(stderr, "nmc: error: %s declares %zu machines (", program->root->name, count);
    for (size_t i = 0; i < count && i < LISTED; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", machines[i]->name);
    fprintf(stderr, "%s); choose one with --machine NAME\n", count > LISTED ? ", ..." : "");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0) {
        fputs(nm_usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? NM_EXIT_USAGE : NM_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("nmc %s\n", NMC_VERSION);
        return NM_EXIT_OK;
    }

    nm_args args = {argc - 2, argv + 2, 0, argv[1]};
    if (strcmp(argv[1], "check") == 0)
        return nm_command_check(&args);
    if (strcmp(argv[1], "build") == 0)
        return nm_command_build(&args);
    if (strcmp(argv[1], "run") == 0)
        return nm_command_run(&args);
    if (strcmp(argv[1], "import") == 0)
        return nm_command_import(&args);
    if (strcmp(argv[1], "gradcheck") == 0)
        return nm_command_gradcheck(&args);
    if (strcmp(argv[1], "plot") == 0)
        return nm_command_plot(&args);
    if (strcmp(argv[1], "train") == 0)
        return nm_command_train(&args);
    if (strcmp(argv[1], "eval") == 0)
        return nm_command_eval(&args);

    fprintf(stderr, "nmc: error: unknown command '%s'; expected check, build, run, import, "
                    "gradcheck, train, eval or plot\n"
                    "(run 'nmc --help' for usage)\n",
            argv[1]);
    return NM_EXIT_USAGE;
}
