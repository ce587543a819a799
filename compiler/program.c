/* Loading and checking programs; see program.h.
 *
 * Files are parsed depth first along their imports and added to the
 * program after the files they import, so the root file comes last.  Names
 * are registered in that order too: when a file declares a name that an
 * imported file already declares, the error points at the importing file,
 * which is usually the one the user is editing.
 */
#include "program.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import/import.h"
#include "model/model.h"
#include "model/train.h"
#include "parse.h"
#include "util/map.h"

nm_program *nm_program_new(nm_diag *diag, const nm_program_options *options)
{
    nm_program *program = nm_xcalloc(1, sizeof *program);
    nm_arena_init(&program->arena);
    program->diag = diag;
    if (options)
        program->options = *options;
    return program;
}

void nm_program_free(nm_program *program)
{
    if (!program)
        return;
    for (size_t i = 0; i < program->machines.count; i++)
        nm_machine_free(program->machines.items[i]);
    for (size_t i = 0; i < program->sources.count; i++)
        nm_source_free(program->sources.items[i]);
    for (size_t i = 0; i < program->paths.count; i++)
        free(program->paths.items[i]);
    nm_vec_free(&program->sources);
    nm_vec_free(&program->files);
    nm_vec_free(&program->paths);
    nm_vec_free(&program->machines);
    nm_vec_free(&program->models);
    nm_vec_free(&program->tasks);
    nm_vec_free(&program->trains);
    nm_vec_free(&program->decls);
    nm_arena_free(&program->arena);
    free(program);
}

static char *nm_canonical_path(const char *path)
{
    char resolved[PATH_MAX];
    if (realpath(path, resolved))
        return nm_xstrdup(resolved);
    return nm_xstrdup(path);
}

static bool nm_file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static bool nm_has_extension(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strchr(base, '.') != NULL;
}

/* The path of a file named in FROM: relative names are relative to the
 * folder of FROM. */
static char *nm_relative_path(const nm_source *from, const char *name)
{
    if (name[0] == '/' || !from)
        return nm_xstrdup(name);
    const char *slash = strrchr(from->name, '/');
    if (!slash)
        return nm_xstrdup(name);
    nm_buf path;
    nm_buf_init(&path);
    nm_buf_append(&path, from->name, (size_t)(slash - from->name) + 1);
    nm_buf_puts(&path, name);
    return path.data;
}

/* Resolves the path of `import "NAME";` in FROM; NULL after an error. */
static char *nm_resolve_import(nm_program *program, const nm_source *from, const char *name,
                               nm_loc loc)
{
    char *path;
    if (strncmp(name, "std/", 4) == 0) {
        if (!program->options.stdlib_dir) {
            nm_error(program->diag, loc,
                     "cannot import '%s': the standard library was not found; set NMC_STDLIB "
                     "to its folder",
                     name);
            return NULL;
        }
        nm_buf buf;
        nm_buf_init(&buf);
        nm_buf_printf(&buf, "%s/%s", program->options.stdlib_dir, name + 4);
        path = buf.data;
    } else {
        path = nm_relative_path(from, name);
    }

    if (!nm_file_exists(path) && !nm_has_extension(path)) {
        nm_buf with_extension;
        nm_buf_init(&with_extension);
        nm_buf_printf(&with_extension, "%s.nm", path);
        free(path);
        path = with_extension.data;
    }
    return path;
}

static nm_source *nm_program_read(nm_program *program, const char *path, nm_loc loc)
{
    char *message = NULL;
    nm_source *source = nm_source_read(path, &message);
    if (!source) {
        nm_error(program->diag, loc, "%s", message);
        free(message);
        return NULL;
    }
    nm_vec_push(&program->sources, source);
    return source;
}

/* Reads the file PATH that DECL imports; reports an error naming the
 * import on failure. */
static nm_source *nm_program_read_import(nm_program *program, const nm_decl *decl,
                                         const char *path)
{
    if (!nm_file_exists(path)) {
        if (strncmp(decl->name, "std/", 4) == 0)
            nm_error(program->diag, decl->name_loc,
                     "cannot import '%s': '%s' was not found in the standard library",
                     decl->name, path);
        else
            nm_error(program->diag, decl->name_loc,
                     "cannot import '%s': '%s' was not found; a relative import path starts "
                     "from the folder of the importing file",
                     decl->name, path);
        return NULL;
    }
    char *message = NULL;
    nm_source *source = nm_source_read(path, &message);
    if (!source) {
        nm_error(program->diag, decl->name_loc, "cannot import '%s': %s", decl->name, message);
        free(message);
        return NULL;
    }
    nm_vec_push(&program->sources, source);
    return source;
}

typedef struct nm_load_stack {
    const char *paths[NM_MAX_IMPORT_DEPTH + 1];
    const nm_source *sources[NM_MAX_IMPORT_DEPTH + 1];
    int depth;
} nm_load_stack;

static bool nm_is_loaded(const nm_program *program, const char *canonical)
{
    for (size_t i = 0; i < program->paths.count; i++)
        if (strcmp(program->paths.items[i], canonical) == 0)
            return true;
    return false;
}

static void nm_report_cycle(nm_program *program, const nm_load_stack *stack, int from,
                            nm_loc loc)
{
    nm_buf chain;
    nm_buf_init(&chain);
    for (int i = from; i < stack->depth; i++)
        nm_buf_printf(&chain, "'%s' imports ", stack->sources[i]->name);
    nm_buf_printf(&chain, "'%s'", stack->sources[from]->name);
    nm_error(program->diag, loc, "import cycle: %s; remove one of these imports", chain.data);
    nm_buf_free(&chain);
}

static void nm_load_tree(nm_program *program, nm_source *source, const char *canonical,
                         nm_load_stack *stack);

static void nm_load_import(nm_program *program, const nm_decl *decl, nm_load_stack *stack)
{
    const nm_source *from = stack->sources[stack->depth - 1];
    if (program->options.no_files) {
        nm_error(program->diag, decl->name_loc, "imports are disabled here");
        return;
    }
    char *path = nm_resolve_import(program, from, decl->name, decl->name_loc);
    if (!path)
        return;
    char *canonical = nm_canonical_path(path);

    for (int i = 0; i < stack->depth; i++) {
        if (strcmp(stack->paths[i], canonical) == 0) {
            nm_report_cycle(program, stack, i, decl->name_loc);
            goto done;
        }
    }
    if (nm_is_loaded(program, canonical))
        goto done;
    if (stack->depth >= NM_MAX_IMPORT_DEPTH) {
        nm_error(program->diag, decl->name_loc,
                 "imports are nested more than %d deep; flatten the chain of imports",
                 NM_MAX_IMPORT_DEPTH);
        goto done;
    }
    if (program->sources.count >= NM_MAX_FILES) {
        nm_error(program->diag, decl->name_loc, "a program may load at most %d files",
                 NM_MAX_FILES);
        goto done;
    }

    nm_source *source = nm_program_read_import(program, decl, path);
    if (source) {
        nm_load_tree(program, source, canonical, stack);
        canonical = NULL;
    }
done:
    free(canonical);
    free(path);
}

/* Parses SOURCE, loads its imports, then adds it to the program.  Takes
 * ownership of CANONICAL. */
static void nm_load_tree(nm_program *program, nm_source *source, const char *canonical,
                         nm_load_stack *stack)
{
    nm_file *file = nm_parse_source(&program->arena, program->diag, source);
    stack->paths[stack->depth] = canonical;
    stack->sources[stack->depth] = source;
    stack->depth++;
    for (const nm_decl *decl = file->decls; decl; decl = decl->next)
        if (decl->kind == NM_DECL_IMPORT)
            nm_load_import(program, decl, stack);
    stack->depth--;
    nm_vec_push(&program->files, file);
    nm_vec_push(&program->paths, (char *)canonical);
}

/* Converts `machine NAME = FORMAT "TEXT";` into a machine body. */
static nm_decl *nm_convert_imported(nm_program *program, const nm_decl *decl)
{
    nm_import_options options = {program->options.input, program->options.input_length};
    if (strcmp(decl->format, "bbchallenge") == 0)
        return nm_import_bbchallenge(&program->arena, program->diag, decl->text_loc.source,
                                     decl->text_loc.offset + 1, decl->text, decl->text_length,
                                     decl->name);

    if (strcmp(decl->format, "morphett") == 0 || strcmp(decl->format, "yaml") == 0) {
        if (program->options.no_files) {
            nm_error(program->diag, decl->text_loc, "reading files is disabled here");
            return NULL;
        }
        char *path = nm_relative_path(decl->text_loc.source, decl->text);
        nm_source *source = nm_program_read(program, path, decl->text_loc);
        free(path);
        if (!source)
            return NULL;
        if (strcmp(decl->format, "morphett") == 0)
            return nm_import_morphett(&program->arena, program->diag, source, decl->name, &options);
        return nm_import_yaml(&program->arena, program->diag, source, decl->name, &options);
    }

    nm_error(program->diag, decl->format_loc,
             "unknown machine format '%s'; expected bbchallenge, morphett or yaml", decl->format);
    return NULL;
}

static const char *nm_decl_kind_name(const nm_decl *decl)
{
    return decl->kind == NM_DECL_MODEL ? "model" : "machine";
}

static void nm_check_decl(nm_program *program, const nm_decl *decl, nm_map *names)
{
    size_t length = strlen(decl->name);
    if (length > NM_MAX_NAME_LENGTH) {
        nm_error(program->diag, decl->name_loc,
                 "%s name is %zu bytes long; the limit is %d bytes", nm_decl_kind_name(decl),
                 length, NM_MAX_NAME_LENGTH);
        return;
    }
    int previous;
    if (nm_map_get(names, decl->name, length, &previous)) {
        nm_error(program->diag, decl->name_loc,
                 "duplicate declaration of '%s'; rename one of the two", decl->name);
        nm_note(program->diag, program->decls.items[previous]->name_loc,
                "previous declaration is here");
        return;
    }
    nm_vec_push(&program->decls, decl);
    nm_map_put(names, decl->name, strlen(decl->name), (int)program->decls.count - 1);

    if (decl->kind == NM_DECL_MACHINE) {
        const nm_decl *body = decl->imported ? nm_convert_imported(program, decl) : decl;
        if (!body)
            return;
        nm_machine *machine = nm_machine_check(&program->arena, program->diag, body);
        if (machine) {
            machine->loc = decl->name_loc;
            nm_vec_push(&program->machines, machine);
        }
    } else if (decl->kind == NM_DECL_TASK) {
        nm_task *task = nm_task_check(&program->arena, program->diag, decl);
        if (task)
            nm_vec_push(&program->tasks, task);
    } else {
        nm_model *model = nm_model_check(&program->arena, program->diag, decl);
        if (model)
            nm_vec_push(&program->models, model);
    }
}

/* Train declarations come after every model and task is known; each
 * names the model it trains, and a model has at most one. */
static void nm_check_train(nm_program *program, const nm_decl *decl)
{
    for (size_t t = 0; t < program->trains.count; t++) {
        if (strcmp(program->trains.items[t]->name, decl->name) == 0) {
            nm_error(program->diag, decl->name_loc,
                     "model '%s' already has a train declaration; declare a second model to train it "
                     "another way",
                     decl->name);
            nm_note(program->diag, program->trains.items[t]->loc, "previous train declaration is here");
            return;
        }
    }
    nm_train_spec *train = nm_train_check(&program->arena, program->diag, decl, program);
    if (train)
        nm_vec_push(&program->trains, train);
}

static bool nm_check_all(nm_program *program)
{
    nm_map names;
    nm_map_init(&names);
    for (size_t f = 0; f < program->files.count; f++) {
        for (const nm_decl *decl = program->files.items[f]->decls; decl; decl = decl->next) {
            /* A train declaration names the model it trains, not itself. */
            if (decl->kind != NM_DECL_TRAIN && decl->kind != NM_DECL_IMPORT)
                nm_check_decl(program, decl, &names);
        }
    }
    for (size_t f = 0; f < program->files.count; f++)
        for (const nm_decl *decl = program->files.items[f]->decls; decl; decl = decl->next)
            if (decl->kind == NM_DECL_TRAIN)
                nm_check_train(program, decl);
    nm_map_free(&names);
    return program->diag->errors == 0;
}

static bool nm_load_root(nm_program *program, nm_source *source)
{
    program->root = source;
    nm_load_stack stack;
    memset(&stack, 0, sizeof stack);
    nm_load_tree(program, source, nm_canonical_path(source->name), &stack);
    return nm_check_all(program);
}

bool nm_program_load_file(nm_program *program, const char *path)
{
    nm_source *source = nm_program_read(program, path, nm_loc_none());
    if (!source)
        return false;
    return nm_load_root(program, source);
}

bool nm_program_load_text(nm_program *program, const char *name, const char *text, size_t length)
{
    nm_source *source = nm_source_from_text(name, text, length);
    nm_vec_push(&program->sources, source);
    return nm_load_root(program, source);
}

bool nm_program_load_foreign(nm_program *program, const char *format, const char *argument)
{
    nm_import_options options = {program->options.input, program->options.input_length};
    nm_decl *decl = NULL;

    if (strcmp(format, "bbchallenge") == 0) {
        nm_source *source = nm_source_from_text("<bbchallenge>", argument, strlen(argument));
        nm_vec_push(&program->sources, source);
        program->root = source;
        decl = nm_import_bbchallenge(&program->arena, program->diag, source, 0, source->text,
                                     source->length, "bbchallenge");
    } else if (strcmp(format, "morphett") == 0 || strcmp(format, "yaml") == 0) {
        nm_source *source = nm_program_read(program, argument, nm_loc_none());
        if (!source)
            return false;
        program->root = source;
        const char *name = nm_import_machine_name(&program->arena, argument);
        decl = strcmp(format, "morphett") == 0
                   ? nm_import_morphett(&program->arena, program->diag, source, name, &options)
                   : nm_import_yaml(&program->arena, program->diag, source, name, &options);
    } else {
        nm_error(program->diag, nm_loc_none(),
                 "unknown format '%s'; expected bbchallenge, morphett or yaml", format);
        return false;
    }
    if (!decl)
        return false;

    nm_machine *machine = nm_machine_check(&program->arena, program->diag, decl);
    if (!machine)
        return false;
    nm_vec_push(&program->machines, machine);
    nm_vec_push(&program->decls, decl);
    return program->diag->errors == 0;
}

nm_model *nm_program_find_model(const nm_program *program, const char *name)
{
    for (size_t i = 0; i < program->models.count; i++)
        if (strcmp(program->models.items[i]->name, name) == 0)
            return program->models.items[i];
    return NULL;
}

nm_task *nm_program_find_task(const nm_program *program, const char *name)
{
    for (size_t i = 0; i < program->tasks.count; i++)
        if (strcmp(program->tasks.items[i]->name, name) == 0)
            return program->tasks.items[i];
    return NULL;
}

nm_train_spec *nm_program_find_train(const nm_program *program, const char *name)
{
    nm_train_spec *found = NULL;
    for (size_t i = 0; i < program->trains.count; i++) {
        nm_train_spec *train = program->trains.items[i];
        if (name ? strcmp(train->name, name) == 0 : train->loc.source == program->root) {
            if (found && !name)
                return NULL;
            found = train;
        }
    }
    return found;
}

nm_machine *nm_program_find_machine(const nm_program *program, const char *name)
{
    for (size_t i = 0; i < program->machines.count; i++)
        if (strcmp(program->machines.items[i]->name, name) == 0)
            return program->machines.items[i];
    return NULL;
}

const nm_decl *nm_program_find_decl(const nm_program *program, const char *name)
{
    for (size_t i = 0; i < program->decls.count; i++)
        if (strcmp(program->decls.items[i]->name, name) == 0)
            return program->decls.items[i];
    return NULL;
}

size_t nm_program_root_machines(const nm_program *program, nm_machine **machines, size_t capacity)
{
    size_t count = 0;
    for (size_t i = 0; i < program->machines.count; i++) {
        const nm_machine *machine = program->machines.items[i];
        if (machine->loc.source != program->root)
            continue;
        if (count < capacity)
            machines[count] = program->machines.items[i];
        count++;
    }
    return count;
}
