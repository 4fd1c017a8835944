/* A till written in C, using only <passkoop/passkoop.h> from an installed libpasskoop.
 * usage: passkoop-consumer BUNDLE TEXT UNIX_TIME EXPECTED_CODE
 * Prints the result code name and its message; exit 0 when the code is EXPECTED_CODE,
 * 1 when it is another one, 2 on a usage, file or library error. */
#include <passkoop/passkoop.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* read_file(const char* path, size_t* size) {
    FILE* f = fopen(path, "rb");
    char* data = NULL;
    size_t used = 0, capacity = 0;
    if (f == NULL) return NULL;
    for (;;) {
        size_t got;
        if (used == capacity) {
            char* bigger;
            capacity = capacity == 0 ? 65536 : capacity * 2;
            bigger = realloc(data, capacity);
            if (bigger == NULL) break;
            data = bigger;
        }
        got = fread(data + used, 1, capacity - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) break;
            fclose(f);
            *size = used;
            return data;
        }
    }
    free(data);
    fclose(f);
    return NULL;
}

int main(int argc, char** argv) {
    char error[256];
    char* bundle;
    char* end;
    size_t bundle_size = 0;
    long long unix_time;
    passkoop_verifier* verifier = NULL;
    passkoop_result result;
    const char* name;
    int status;

    if (argc != 5) {
        fprintf(stderr, "usage: %s BUNDLE TEXT UNIX_TIME EXPECTED_CODE\n", argv[0]);
        return 2;
    }
    errno = 0;
    unix_time = strtoll(argv[3], &end, 10);
    if (errno != 0 || end == argv[3] || *end != '\0') {
        fprintf(stderr, "not a Unix time: %s\n", argv[3]);
        return 2;
    }
    bundle = read_file(argv[1], &bundle_size);
    if (bundle == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    status = passkoop_verifier_new(bundle, bundle_size, NULL, 0, PASSKOOP_DEFAULT_GRACE_DAYS, "en", &verifier, error,
                                   sizeof error);
    free(bundle);
    if (status != PASSKOOP_OK) {
        fprintf(stderr, "bundle refused (%d): %s\n", status, error);
        return 2;
    }
    status = passkoop_verify(verifier, argv[2], strlen(argv[2]), (int64_t)unix_time, &result);
    passkoop_verifier_free(verifier);
    if (status != PASSKOOP_OK) {
        fprintf(stderr, "verification failed (%d)\n", status);
        return 2;
    }
    name = passkoop_code_name(result.code);
    printf("%s\t%s\n", name, passkoop_message(result.code, "en"));
    if (result.code == PASSKOOP_VALID)
        printf("coop %u (%s), member %llu (%s), pass %s, until %s, warnings %d\n", (unsigned)result.coop,
               result.coop_name, (unsigned long long)result.member, result.member_name, result.pass_id, result.expiry,
               result.warnings);
    return strcmp(name, argv[4]) == 0 ? 0 : 1;
}
