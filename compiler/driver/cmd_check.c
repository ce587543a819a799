/* nmc check, nmc build and nmc import. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "import/import.h"
#include "jit/net_jit.h"
#include "net/emit.h"
#include "net/lower.h"
#include "parse.h"

static void nm_print_summary(const nm_diag *diag)
{
    if (diag->errors == 0 && diag->warnings == 0)
        return;
    fprintf(stderr, "%d error%s and %d warning%s\n", diag->errors, diag->errors == 1 ? "" : "s",
            diag->warnings, diag->warnings == 1 ? "" : "s");
}

/* Writes DATA to PATH through a temporary file in the same folder and a
 * rename, so that PATH never holds a partial file.  "-" is stdout. */
bool nm_write_output(const char *path, const char *data, size_t length)
{
    if (!path || strcmp(path, "-") == 0) {
        fwrite(data, 1, length, stdout);
        return fflush(stdout) == 0;
    }
    nm_buf temporary;
    nm_buf_init(&temporary);
    nm_buf_printf(&temporary, "%s.tmp.%ld", path, (long)getpid());
    FILE *file = fopen(temporary.data, "wb");
    bool ok = file != NULL;
    if (ok) {
        ok = fwrite(data, 1, length, file) == length;
        ok = fclose(file) == 0 && ok;
    }
    if (ok)
        ok = rename(temporary.data, path) == 0;
    if (!ok) {
        fprintf(stderr, "nmc: error: cannot write '%s': %s\n", path, strerror(errno));
        remove(temporary.data);
    }
    nm_buf_free(&temporary);
    return ok;
}

static int nm_check_usage(void)
{
    printf("usage: nmc check FILE\n\n"
           "Parses and checks FILE and everything it imports, and prints every error and\n"
           "warning found.  Exit status 0 when there is no error, 1 otherwise.\n");
    return NM_EXIT_OK;
}

int nm_command_check(nm_args *args)
{
    const char *file = NULL;
    while (args->index < args->count) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return nm_check_usage();
        if (arg[0] == '-' && arg[1] != '\0') {
            nm_usage_error(args, "unknown option '%s'", arg);
            return NM_EXIT_USAGE;
        }
        if (file) {
            nm_usage_error(args, "more than one file given ('%s' and '%s')", file, arg);
            return NM_EXIT_USAGE;
        }
        file = arg;
        args->index++;
    }
    if (!file) {
        nm_usage_error(args, "missing FILE");
        return NM_EXIT_USAGE;
    }

    nm_diag diag;
    nm_diag_init(&diag, stderr);
    bool ok;
    nm_program *program = nm_driver_load(&diag, file, NULL, NULL, &ok);
    nm_print_summary(&diag);
    nm_program_free(program);
    return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
}

static int nm_build_usage(void)
{
    printf("usage: nmc build FILE --emit=KIND [--machine NAME] [--layout L] [--input STR]\n"
           "                 [-o OUTPUT]\n\n"
           "Prints an intermediate form of FILE.\n\n"
           "  --emit=ast       the syntax tree of FILE, with line:column positions\n"
           "  --emit=nm        each checked machine as canonical .nm source\n"
           "  --emit=stack     the machine as a stack machine (two stacks per tape)\n"
           "  --emit=net       the network: one neuron per line with its exact weights\n"
           "  --emit=json      the network as JSON for other tools; with --input, also the\n"
           "                   initial state vector for that input\n"
           "  --emit=dot       the network as a Graphviz graph, neurons grouped by role\n"
           "  --emit=llvm      the LLVM IR of the network's step function; with --model,\n"
           "                   of the model's forward and backward step functions\n"
           "  --emit=graph     a model's forward and backward cells (--model NAME, --batch B)\n"
           "  --opt N          for --emit=llvm: 2 (optimised, the default) or 0 (as generated)\n"
           "  --model NAME     the model of --emit=graph and --emit=llvm\n"
           "  --batch B        the batch size of a model's cells (default 1)\n"
           "  --machine NAME   the machine (needed when FILE declares several)\n"
           "  --layout L       network layout: layered (default) or realtime\n"
           "  --input STR      the input for --emit=json's initial state\n"
           "  -o OUTPUT        write to OUTPUT (replaced whole, never partly written)\n");
    return NM_EXIT_OK;
}

typedef struct nm_build_options {
    const char *file;
    const char *emit;
    const char *machine;
    const char *output;
    const char *layout;
    const char *input;
    const char *opt;
    const char *model;
    const char *batch;
} nm_build_options;

static const char *const nm_emit_kinds[] = {"ast", "nm", "stack", "net", "json", "dot", "llvm",
                                            "graph"};

static int nm_parse_build_args(nm_args *args, nm_build_options *options)
{
    memset(options, 0, sizeof *options);
    bool failed = false;
    while (args->index < args->count && !failed) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return nm_build_usage() - 1;
        if (nm_take_value(args, "--emit", &options->emit, &failed)
            || nm_take_value(args, "--machine", &options->machine, &failed)
            || nm_take_value(args, "-o", &options->output, &failed)
            || nm_take_value(args, "--layout", &options->layout, &failed)
            || nm_take_value(args, "--input", &options->input, &failed)
            || nm_take_value(args, "--opt", &options->opt, &failed)
            || nm_take_value(args, "--model", &options->model, &failed)
            || nm_take_value(args, "--batch", &options->batch, &failed))
            continue;
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
    if (!options->file || !options->emit) {
        nm_usage_error(args, options->file ? "missing --emit=KIND" : "missing FILE");
        return NM_EXIT_USAGE;
    }
    bool known = false;
    for (size_t i = 0; i < sizeof nm_emit_kinds / sizeof *nm_emit_kinds; i++)
        known = known || strcmp(options->emit, nm_emit_kinds[i]) == 0;
    if (!known) {
        nm_usage_error(args,
                       "unknown --emit kind '%s'; expected ast, nm, stack, net, json, dot, llvm or "
                       "graph",
                       options->emit);
        return NM_EXIT_USAGE;
    }
    nm_layout layout;
    if (!nm_parse_layout(options->layout, &layout)) {
        nm_usage_error(args, "unknown layout '%s'; expected layered or realtime", options->layout);
        return NM_EXIT_USAGE;
    }
    if (options->opt && strcmp(options->opt, "0") != 0 && strcmp(options->opt, "2") != 0) {
        nm_usage_error(args, "invalid --opt '%s'; expected 0 (the IR as generated) or 2 "
                             "(after the optimisation pipeline)",
                       options->opt);
        return NM_EXIT_USAGE;
    }
    return NM_EXIT_OK;
}

static int nm_emit_ast(const nm_build_options *options)
{
    char *message = NULL;
    nm_source *source = nm_source_read(options->file, &message);
    if (!source) {
        fprintf(stderr, "nmc: error: %s\n", message);
        free(message);
        return NM_EXIT_ERROR;
    }
    nm_arena arena;
    nm_arena_init(&arena);
    nm_diag diag;
    nm_diag_init(&diag, stderr);
    nm_file *file = nm_parse_source(&arena, &diag, source);
    nm_buf out;
    nm_buf_init(&out);
    nm_ast_print(file, &out);
    bool ok = diag.errors == 0 && nm_write_output(options->output, out.data, out.length);
    nm_buf_free(&out);
    nm_arena_free(&arena);
    nm_source_free(source);
    return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
}

/* Emits the stack machine or the network of one machine. */
static bool nm_emit_machine_form(const nm_build_options *options, const nm_machine *machine,
                                 nm_buf *out)
{
    nm_stack_machine *stack_machine = nm_stack_machine_build(machine);
    bool ok = true;
    if (strcmp(options->emit, "stack") == 0) {
        nm_stack_machine_print(stack_machine, out);
        nm_stack_machine_free(stack_machine);
        return true;
    }

    nm_layout layout = NM_LAYOUT_LAYERED;
    nm_parse_layout(options->layout, &layout);
    nm_net *net = nm_lower_machine(stack_machine, layout);
    if (strcmp(options->emit, "net") == 0) {
        nm_emit_net_table(net, stack_machine, out);
    } else if (strcmp(options->emit, "llvm") == 0) {
        char *error = NULL;
        bool optimize = !options->opt || strcmp(options->opt, "2") == 0;
        char *ir = nm_net_jit_ir(net, optimize, &error);
        if (ir) {
            nm_buf_puts(out, ir);
            free(ir);
        } else {
            fprintf(stderr, "nmc: error: %s\n", error);
            free(error);
            ok = false;
        }
    } else if (strcmp(options->emit, "dot") == 0) {
        nm_emit_net_dot(net, stack_machine, out);
    } else {
        nm_net_values initial;
        nm_net_values_init(&initial, net->neuron_count);
        const char *input = options->input ? options->input
                            : machine->has_input ? machine->input : NULL;
        size_t length = options->input ? strlen(options->input) : machine->input_length;
        uint8_t *symbols = NULL;
        size_t count = 0;
        char *message = NULL;
        if (input && !nm_machine_parse_input(machine, input, length, &symbols, &count, &message)) {
            fprintf(stderr, "nmc: error: %s\n", message);
            free(message);
            ok = false;
        } else {
            if (input)
                nm_encode_initial(net, stack_machine, symbols, count, &initial);
            nm_emit_net_json(net, stack_machine, input ? &initial : NULL, out);
        }
        free(symbols);
        nm_net_values_clear(&initial);
    }
    nm_net_free(net);
    nm_stack_machine_free(stack_machine);
    return ok;
}

int nm_command_build(nm_args *args)
{
    nm_build_options options;
    int status = nm_parse_build_args(args, &options);
    if (status != NM_EXIT_OK)
        return status < 0 ? NM_EXIT_OK : status;
    if (strcmp(options.emit, "ast") == 0)
        return nm_emit_ast(&options);
    bool model_llvm = strcmp(options.emit, "llvm") == 0 && options.model;
    if (strcmp(options.emit, "graph") == 0 || model_llvm) {
        uint64_t batch = 1;
        if (options.batch && (!nm_parse_count(args, "--batch", options.batch, &batch) || batch < 1
                              || batch > 4096)) {
            nm_usage_error(args, "--batch must be a whole number from 1 to 4096");
            return NM_EXIT_USAGE;
        }
        nm_diag diag;
        nm_diag_init(&diag, stderr);
        bool ok;
        nm_program *program = nm_driver_load(&diag, options.file, NULL, NULL, &ok);
        const struct nm_model *model = ok ? nm_driver_pick_model(program, options.model) : NULL;
        if (model && !nm_driver_model_batch(args, program, model, batch)) {
            nm_program_free(program);
            return NM_EXIT_USAGE;
        }
        nm_buf out;
        nm_buf_init(&out);
        bool optimize = !options.opt || strcmp(options.opt, "2") == 0;
        ok = model
             && (model_llvm ? nm_emit_model_llvm(program, model, (int)batch, optimize, &out)
                            : nm_emit_model_graph(program, model, (int)batch, &out))
             && nm_write_output(options.output, out.data ? out.data : "", out.length);
        nm_buf_free(&out);
        nm_program_free(program);
        return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
    }
    if (strcmp(options.emit, "nm") != 0) {
        nm_diag diag;
        nm_diag_init(&diag, stderr);
        bool ok;
        nm_program *program = nm_driver_load(&diag, options.file, NULL, options.input, &ok);
        nm_machine *machine = ok ? nm_driver_pick_machine(program, options.machine) : NULL;
        nm_buf out;
        nm_buf_init(&out);
        ok = machine && nm_emit_machine_form(&options, machine, &out)
             && nm_write_output(options.output, out.data ? out.data : "", out.length);
        nm_buf_free(&out);
        nm_program_free(program);
        return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
    }

    nm_diag diag;
    nm_diag_init(&diag, stderr);
    bool ok;
    nm_program *program = nm_driver_load(&diag, options.file, NULL, NULL, &ok);
    nm_buf out;
    nm_buf_init(&out);
    if (ok) {
        if (options.machine) {
            nm_machine *machine = nm_driver_pick_machine(program, options.machine);
            if (machine)
                nm_machine_print_nm(machine, &out);
            ok = machine != NULL;
        } else {
            for (size_t i = 0; i < program->machines.count; i++) {
                if (i > 0)
                    nm_buf_putc(&out, '\n');
                nm_machine_print_nm(program->machines.items[i], &out);
            }
        }
    }
    ok = ok && nm_write_output(options.output, out.data ? out.data : "", out.length);
    nm_buf_free(&out);
    nm_program_free(program);
    return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
}

static int nm_import_usage(void)
{
    printf("usage: nmc import --from FORMAT ARG [--name NAME] [--input STR] [-o OUTPUT]\n\n"
           "Prints a machine written in another format as .nm source.\n\n"
           "  --from bbchallenge TEXT   the standard busy beaver text, such as 1RB1LB_1LA1RZ\n"
           "  --from morphett FILE      Anthony Morphett's simulator format\n"
           "  --from yaml FILE          turingmachine.io's YAML format\n"
           "  --name NAME               the machine's name (default: from the file name)\n"
           "  --input STR               add the symbols of this input to an implicit alphabet\n"
           "  -o OUTPUT                 write to OUTPUT (replaced whole, never partly written)\n");
    return NM_EXIT_OK;
}

int nm_command_import(nm_args *args)
{
    const char *format = NULL, *argument = NULL, *name = NULL, *input = NULL, *output = NULL;
    bool failed = false;
    while (args->index < args->count && !failed) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return nm_import_usage();
        if (nm_take_value(args, "--from", &format, &failed)
            || nm_take_value(args, "--name", &name, &failed)
            || nm_take_value(args, "--input", &input, &failed)
            || nm_take_value(args, "-o", &output, &failed))
            continue;
        if (arg[0] == '-' && arg[1] != '\0') {
            nm_usage_error(args, "unknown option '%s'", arg);
            return NM_EXIT_USAGE;
        }
        if (argument) {
            nm_usage_error(args, "more than one argument given ('%s' and '%s')", argument, arg);
            return NM_EXIT_USAGE;
        }
        argument = arg;
        args->index++;
    }
    if (failed)
        return NM_EXIT_USAGE;
    if (!format || !argument) {
        nm_usage_error(args, "expected --from FORMAT and its argument");
        return NM_EXIT_USAGE;
    }
    if (name && !nm_import_valid_name(name)) {
        nm_usage_error(args,
                       "invalid --name '%s'; a name is a letter or '_' followed by letters, digits and '_', "
                       "at most %d bytes, and not one of the keywords machine, import, model, task and train",
                       name, NM_MAX_NAME_LENGTH);
        return NM_EXIT_USAGE;
    }

    nm_diag diag;
    nm_diag_init(&diag, stderr);
    bool ok;
    nm_program *program = nm_driver_load(&diag, argument, format, input, &ok);
    nm_buf out;
    nm_buf_init(&out);
    if (ok) {
        nm_machine *machine = program->machines.items[0];
        if (name)
            machine->name = name;
        nm_buf_printf(&out, "// Imported by nmc from the %s format.\n", format);
        nm_machine_print_nm(machine, &out);
        ok = nm_write_output(output, out.data, out.length);
    }
    nm_print_summary(&diag);
    nm_buf_free(&out);
    nm_program_free(program);
    return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
}
