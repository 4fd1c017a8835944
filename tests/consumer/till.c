/* A till written in C on an installed libpasskoop: opens a till file, adopts a bundle, verifies a
 * pass with the host's policy, records the visit, and finds it queued after reopening the file.
 * usage: passkoop-till-consumer BUNDLE TEXT UNIX_TIME TILL_FILE
 * Exit 0 when all of that holds, 1 when an outcome is wrong, 2 on a usage, file or library error. */
#include <passkoop/passkoop.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* read_file(const char* path, size_t* size) {
    FILE* f = fopen(path, "rb");
    char* data;
    long length;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (length = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        if (f != NULL) fclose(f);
        return NULL;
    }
    data = malloc((size_t)length + 1);
    if (data != NULL && fread(data, 1, (size_t)length, f) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)length;
    return data;
}

static int open_till(const char* path, passkoop_till** till) {
    char options[1024];
    char error[256];
    int status;
    /* host coop 1 is in no registry: the default policy (every visitor welcome, no limit). */
    snprintf(options, sizeof options, "{\"database\":\"%s\",\"host_coop\":1,\"till_id\":\"caisse-c\"}", path);
    status = passkoop_till_open(options, "en", till, error, sizeof error);
    if (status != PASSKOOP_OK) fprintf(stderr, "till refused (%d): %s\n", status, error);
    return status;
}

int main(int argc, char** argv) {
    char error[256];
    char* bundle;
    char* json = NULL;
    size_t bundle_size = 0;
    long long unix_time;
    passkoop_till* till = NULL;
    passkoop_till_result result;
    int status;

    if (argc != 5 || strpbrk(argv[4], "\"\\") != NULL) {
        fprintf(stderr, "usage: %s BUNDLE TEXT UNIX_TIME TILL_FILE (a path without quotes or backslashes)\n", argv[0]);
        return 2;
    }
    unix_time = strtoll(argv[3], NULL, 10);
    bundle = read_file(argv[1], &bundle_size);
    if (bundle == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    if (open_till(argv[4], &till) != PASSKOOP_OK) {
        free(bundle);
        return 2;
    }
    status = passkoop_till_adopt_bundle(till, bundle, bundle_size, (int64_t)unix_time, "en", error, sizeof error);
    free(bundle);
    if (status != PASSKOOP_OK) {
        fprintf(stderr, "bundle refused (%d): %s\n", status, error);
        passkoop_till_close(till);
        return 2;
    }
    status = passkoop_till_verify(till, argv[2], strlen(argv[2]), (int64_t)unix_time, &result);
    if (status != PASSKOOP_OK || result.pass.code != PASSKOOP_VALID || result.decision != PASSKOOP_ALLOWED ||
        result.light == PASSKOOP_RED) {
        fprintf(stderr, "verify: status %d, code %d, decision %d\n", status, result.pass.code, result.decision);
        passkoop_till_close(till);
        return 1;
    }
    {
        char visit[1400];
        snprintf(visit, sizeof visit, "{\"pass\":\"%s\",\"kind\":\"purchase\",\"amount_cents\":1250}", argv[2]);
        status = passkoop_till_record(till, visit, (int64_t)unix_time, "en", &json);
    }
    printf("record: %s\n", json != NULL ? json : "(none)");
    passkoop_string_free(json);
    passkoop_till_close(till);
    if (status != PASSKOOP_OK) return 1;

    /* The visit is on disk: a till reopened after a power cut still has it queued. */
    if (open_till(argv[4], &till) != PASSKOOP_OK) return 2;
    status = passkoop_till_status(till, (int64_t)unix_time, &json);
    printf("status: %s\n", json != NULL ? json : "(none)");
    status = status == PASSKOOP_OK && json != NULL && strstr(json, "\"queue_length\":1,") != NULL ? 0 : 1;
    passkoop_string_free(json);
    passkoop_till_close(till);
    return status;
}
