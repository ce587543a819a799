/* turingmachine.io YAML (placeholder until the importer lands). */
#include "import.h"

nm_decl *nm_import_yaml(nm_arena *arena, nm_diag *diag, const nm_source *source,
                        const char *name, const nm_import_options *options)
{
    (void)arena;
    (void)name;
    (void)options;
    nm_error(diag, nm_loc_make(source, 0, 0), "the yaml importer is not built yet");
    return NULL;
}
