/* Replays fuzzing inputs without libFuzzer: calls LLVMFuzzerTestOneInput
 * (fuzz_check.c) on every file named on the command line and on every
 * file of every folder named there, so that any build, with gcc or under
 * the sanitizers, checks the corpus.
 *
 * Usage: fuzz_replay PATH...   Exit status 0 when every input ran, 1 when
 * a path could not be read; a failing input aborts, as in the fuzzer. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads PATH whole into BUF; false after printing why it could not. */
static bool nm_replay_read(const char *path, nm_buf *buf)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        return false;
    }
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0)
        nm_buf_append(buf, chunk, got);
    bool failed = ferror(file);
    fclose(file);
    if (failed)
        fprintf(stderr, "%s: read failed\n", path);
    return !failed;
}

static bool nm_replay_file(const char *path, int *count)
{
    nm_buf buf;
    nm_buf_init(&buf);
    bool ok = nm_replay_read(path, &buf);
    if (ok) {
        LLVMFuzzerTestOneInput((const uint8_t *)(buf.data ? buf.data : ""), buf.length);
        (*count)++;
    }
    nm_buf_free(&buf);
    return ok;
}

static bool nm_replay_folder(const char *path, int *count)
{
    DIR *folder = opendir(path);
    if (!folder) {
        perror(path);
        return false;
    }
    bool ok = true;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        nm_buf file;
        nm_buf_init(&file);
        nm_buf_printf(&file, "%s/%s", path, entry->d_name);
        struct stat info;
        if (stat(file.data, &info) == 0 && S_ISREG(info.st_mode))
            ok = nm_replay_file(file.data, count) && ok;
        nm_buf_free(&file);
    }
    closedir(folder);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_replay PATH...\n");
        return 2;
    }
    int count = 0;
    bool ok = true;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) == 0 && S_ISDIR(info.st_mode))
            ok = nm_replay_folder(argv[i], &count) && ok;
        else
            ok = nm_replay_file(argv[i], &count) && ok;
    }
    printf("fuzz_replay: %d input%s replayed\n", count, count == 1 ? "" : "s");
    return ok ? 0 : 1;
}
